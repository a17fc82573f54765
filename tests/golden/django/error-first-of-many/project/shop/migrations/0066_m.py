from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0065_m')]
    operations = [
        migrations.AddField(model_name='item', name='f66', field=models.IntegerField(null=True)),
    ]
