from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0052_m')]
    operations = [
        migrations.AddField(model_name='item', name='f53', field=models.IntegerField(null=True)),
    ]
