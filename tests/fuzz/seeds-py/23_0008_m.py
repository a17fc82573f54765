from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0007_m')]
    operations = [
        migrations.AddField(model_name='item', name='f8', field=models.IntegerField(null=True)),
    ]
