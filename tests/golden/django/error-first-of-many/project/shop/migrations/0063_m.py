from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0062_m')]
    operations = [
        migrations.AddField(model_name='item', name='f63', field=models.IntegerField(null=True)),
    ]
