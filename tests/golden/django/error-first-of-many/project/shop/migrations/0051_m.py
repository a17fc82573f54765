from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0050_m')]
    operations = [
        migrations.AddField(model_name='item', name='f51', field=models.IntegerField(null=True)),
    ]
