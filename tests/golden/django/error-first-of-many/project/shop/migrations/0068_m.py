from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0067_m')]
    operations = [
        migrations.AddField(model_name='item', name='f68', field=models.IntegerField(null=True)),
    ]
