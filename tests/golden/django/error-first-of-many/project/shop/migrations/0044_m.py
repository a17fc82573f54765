from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0043_m')]
    operations = [
        migrations.AddField(model_name='item', name='f44', field=models.IntegerField(null=True)),
    ]
