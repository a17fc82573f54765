from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0026_m')]
    operations = [
        migrations.AddField(model_name='item', name='f27', field=models.IntegerField(null=True)),
    ]
