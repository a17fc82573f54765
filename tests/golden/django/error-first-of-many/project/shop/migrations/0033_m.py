from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0032_m')]
    operations = [
        migrations.AddField(model_name='item', name='f33', field=models.IntegerField(null=True)),
    ]
