from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0056_m')]
    operations = [
        migrations.AddField(model_name='item', name='f57', field=models.IntegerField(null=True)),
    ]
