from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0041_m')]
    operations = [
        migrations.AddField(model_name='item', name='f42', field=models.IntegerField(null=True)),
    ]
