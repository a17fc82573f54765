from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0030_m')]
    operations = [
        migrations.AddField(model_name='item', name='f31', field=models.IntegerField(null=True)),
    ]
