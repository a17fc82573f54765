from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0051_m')]
    operations = [
        migrations.AddField(model_name='item', name='f52', field=models.IntegerField(null=True)),
    ]
