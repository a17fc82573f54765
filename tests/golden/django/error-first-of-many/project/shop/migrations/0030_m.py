from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0029_m')]
    operations = [
        migrations.AddField(model_name='item', name='f30', field=models.IntegerField(null=True)),
    ]
