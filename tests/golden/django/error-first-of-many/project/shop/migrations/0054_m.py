from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0053_m')]
    operations = [
        migrations.AddField(model_name='item', name='f54', field=models.IntegerField(null=True)),
    ]
