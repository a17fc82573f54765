from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0009_m')]
    operations = [
        migrations.AddField(model_name='item', name='f10', field=models.IntegerField(null=True)),
    ]
