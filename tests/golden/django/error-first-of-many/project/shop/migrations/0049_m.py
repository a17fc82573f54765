from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0048_m')]
    operations = [
        migrations.AddField(model_name='item', name='f49', field=models.IntegerField(null=True)),
    ]
