from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0008_m')]
    operations = [
        migrations.AddField(model_name='item', name='f9', field=models.IntegerField(null=True)),
    ]
