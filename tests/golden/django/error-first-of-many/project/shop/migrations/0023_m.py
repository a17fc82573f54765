from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0022_m')]
    operations = [
        migrations.AddField(model_name='item', name='f23', field=models.IntegerField(null=True)),
    ]
