from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0016_m')]
    operations = [
        migrations.AddField(model_name='item', name='f17', field=models.IntegerField(null=True)),
    ]
