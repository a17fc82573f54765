from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0059_m')]
    operations = [
        migrations.AddField(model_name='item', name='f60', field=models.IntegerField(null=True)),
    ]
