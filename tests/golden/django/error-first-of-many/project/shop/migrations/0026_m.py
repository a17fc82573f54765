from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0025_m')]
    operations = [
        migrations.AddField(model_name='item', name='f26', field=models.IntegerField(null=True)),
    ]
