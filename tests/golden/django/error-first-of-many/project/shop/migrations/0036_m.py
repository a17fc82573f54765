from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0035_m')]
    operations = [
        migrations.AddField(model_name='item', name='f36', field=models.IntegerField(null=True)),
    ]
