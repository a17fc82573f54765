from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0069_m')]
    operations = [
        migrations.AddField(model_name='item', name='f70', field=models.IntegerField(null=True)),
    ]
