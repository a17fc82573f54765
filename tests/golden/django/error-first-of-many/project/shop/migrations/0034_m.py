from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0033_m')]
    operations = [
        migrations.AddField(model_name='item', name='f34', field=models.IntegerField(null=True)),
    ]
