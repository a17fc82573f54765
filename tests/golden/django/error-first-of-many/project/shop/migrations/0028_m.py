from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0027_m')]
    operations = [
        migrations.AddField(model_name='item', name='f28', field=models.IntegerField(null=True)),
    ]
