from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0019_m')]
    operations = [
        migrations.AddField(model_name='item', name='f20', field=models.IntegerField(null=True)),
    ]
