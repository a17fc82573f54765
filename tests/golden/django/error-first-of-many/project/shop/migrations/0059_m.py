from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0058_m')]
    operations = [
        migrations.AddField(model_name='item', name='f59', field=models.IntegerField(null=True)),
    ]
