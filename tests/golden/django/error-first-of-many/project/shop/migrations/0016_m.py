from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0015_m')]
    operations = [
        migrations.AddField(model_name='item', name='f16', field=models.IntegerField(null=True)),
    ]
