from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0036_m')]
    operations = [
        migrations.AddField(model_name='item', name='f37', field=models.IntegerField(null=True)),
    ]
