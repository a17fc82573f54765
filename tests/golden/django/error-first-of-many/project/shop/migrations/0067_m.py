from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0066_m')]
    operations = [
        migrations.AddField(model_name='item', name='f67', field=models.IntegerField(null=True)),
    ]
