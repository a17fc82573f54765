from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0004_m')]
    operations = [
        migrations.AddField(model_name='item', name='f5', field=models.IntegerField(null=True)),
    ]
