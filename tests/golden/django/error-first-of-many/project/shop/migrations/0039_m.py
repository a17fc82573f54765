from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0038_m')]
    operations = [
        migrations.AddField(model_name='item', name='f39', field=models.IntegerField(null=True)),
    ]
