from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0045_m')]
    operations = [
        migrations.AddField(model_name='item', name='f46', field=models.IntegerField(null=True)),
    ]
