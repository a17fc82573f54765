from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0061_m')]
    operations = [
        migrations.AddField(model_name='item', name='f62', field=models.IntegerField(null=True)),
    ]
