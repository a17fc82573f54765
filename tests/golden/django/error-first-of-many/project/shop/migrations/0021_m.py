from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0020_m')]
    operations = [
        migrations.AddField(model_name='item', name='f21', field=models.IntegerField(null=True)),
    ]
