from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0011_m')]
    operations = [
        migrations.AddField(model_name='item', name='f12', field=models.IntegerField(null=True),,
    ]
