from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0002_m')]
    operations = [
        migrations.AddField(model_name='item', name='f3', field=models.IntegerField(null=True)),
    ]
