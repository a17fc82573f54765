from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0005_m')]
    operations = [
        migrations.AddField(model_name='item', name='f6', field=models.IntegerField(null=True)),
    ]
