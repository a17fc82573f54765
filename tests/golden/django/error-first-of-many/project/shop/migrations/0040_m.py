from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0039_m')]
    operations = [
        migrations.AddField(model_name='item', name='f40', field=models.IntegerField(null=True)),
    ]
