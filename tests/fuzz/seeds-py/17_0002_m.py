from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0001_m')]
    operations = [
        migrations.AddField(model_name='item', name='f2', field=models.IntegerField(null=True)),
    ]
