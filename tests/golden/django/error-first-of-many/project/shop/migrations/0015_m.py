from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0014_m')]
    operations = [
        migrations.AddField(model_name='item', name='f15', field=models.IntegerField(null=True)),
    ]
