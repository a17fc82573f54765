from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0024_m')]
    operations = [
        migrations.AddField(model_name='item', name='f25', field=models.IntegerField(null=True)),
    ]
