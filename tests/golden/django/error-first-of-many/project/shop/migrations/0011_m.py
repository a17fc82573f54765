from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0010_m')]
    operations = [
        migrations.AddField(model_name='item', name='f11', field=models.IntegerField(null=True)),
    ]
