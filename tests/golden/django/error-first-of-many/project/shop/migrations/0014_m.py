from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0013_m')]
    operations = [
        migrations.AddField(model_name='item', name='f14', field=models.IntegerField(null=True)),
    ]
