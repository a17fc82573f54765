from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0047_m')]
    operations = [
        migrations.AddField(model_name='item', name='f48', field=models.IntegerField(null=True)),
    ]
