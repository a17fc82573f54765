from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0017_m')]
    operations = [
        migrations.AddField(model_name='item', name='f18', field=models.IntegerField(null=True)),
    ]
