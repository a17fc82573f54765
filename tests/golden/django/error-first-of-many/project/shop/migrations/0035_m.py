from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0034_m')]
    operations = [
        migrations.AddField(model_name='item', name='f35', field=models.IntegerField(null=True)),
    ]
