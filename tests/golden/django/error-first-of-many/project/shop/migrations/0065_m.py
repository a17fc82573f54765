from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0064_m')]
    operations = [
        migrations.AddField(model_name='item', name='f65', field=models.IntegerField(null=True)),
    ]
