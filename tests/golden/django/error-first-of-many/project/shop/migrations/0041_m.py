from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0040_m')]
    operations = [
        migrations.AddField(model_name='item', name='f41', field=models.IntegerField(null=True)),
    ]
