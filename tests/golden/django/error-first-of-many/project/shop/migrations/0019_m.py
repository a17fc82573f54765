from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0018_m')]
    operations = [
        migrations.AddField(model_name='item', name='f19', field=models.IntegerField(null=True)),
    ]
