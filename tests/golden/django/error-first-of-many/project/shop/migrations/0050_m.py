from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0049_m')]
    operations = [
        migrations.AddField(model_name='item', name='f50', field=models.IntegerField(null=True)),
    ]
