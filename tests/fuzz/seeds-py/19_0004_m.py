from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0003_m')]
    operations = [
        migrations.AddField(model_name='item', name='f4', field=models.IntegerField(null=True)),
    ]
