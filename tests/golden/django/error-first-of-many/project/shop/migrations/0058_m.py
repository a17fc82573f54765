from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0057_m')]
    operations = [
        migrations.AddField(model_name='item', name='f58', field=models.IntegerField(null=True)),
    ]
