from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0060_m')]
    operations = [
        migrations.AddField(model_name='item', name='f61', field=models.IntegerField(null=True),,
    ]
