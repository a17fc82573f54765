from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('shop', '0028_m')]
    operations = [
        migrations.AddField(model_name='item', name='f29', field=models.IntegerField(null=True)),
    ]
