from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0055_m')]
    operations = [
        migrations.AddField(model_name='item', name='f56', field=models.IntegerField(null=True)),
    ]
