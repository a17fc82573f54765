from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0012_m')]
    operations = [
        migrations.AddField(model_name='item', name='f13', field=models.IntegerField(null=True)),
    ]
