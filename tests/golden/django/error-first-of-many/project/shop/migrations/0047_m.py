from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0046_m')]
    operations = [
        migrations.AddField(model_name='item', name='f47', field=models.IntegerField(null=True)),
    ]
