from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0054_m')]
    operations = [
        migrations.AddField(model_name='item', name='f55', field=models.IntegerField(null=True)),
    ]
