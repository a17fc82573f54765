from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0021_m')]
    operations = [
        migrations.AddField(model_name='item', name='f22', field=models.IntegerField(null=True)),
    ]
