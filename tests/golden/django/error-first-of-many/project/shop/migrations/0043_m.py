from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0042_m')]
    operations = [
        migrations.AddField(model_name='item', name='f43', field=models.IntegerField(null=True)),
    ]
