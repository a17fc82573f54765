from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0023_m')]
    operations = [
        migrations.AddField(model_name='item', name='f24', field=models.IntegerField(null=True)),
    ]
