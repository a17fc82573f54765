from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0063_m')]
    operations = [
        migrations.AddField(model_name='item', name='f64', field=models.IntegerField(null=True)),
    ]
