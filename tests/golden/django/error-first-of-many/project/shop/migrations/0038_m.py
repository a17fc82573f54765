from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0037_m')]
    operations = [
        migrations.AddField(model_name='item', name='f38', field=models.IntegerField(null=True)),
    ]
