from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0068_m')]
    operations = [
        migrations.AddField(model_name='item', name='f69', field=models.IntegerField(null=True)),
    ]
