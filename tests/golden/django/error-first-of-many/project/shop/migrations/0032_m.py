from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0031_m')]
    operations = [
        migrations.AddField(model_name='item', name='f32', field=models.IntegerField(null=True)),
    ]
