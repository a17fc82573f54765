from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0044_m')]
    operations = [
        migrations.AddField(model_name='item', name='f45', field=models.IntegerField(null=True)),
    ]
