from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0006_m')]
    operations = [
        migrations.AddField(model_name='item', name='f7', field=models.IntegerField(null=True)),
    ]
