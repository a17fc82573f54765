from django.db import migrations, models

class Migration(migrations.Migration):
    operations = [
        migrations.AddField(model_name='ghost', name='x', field=models.IntegerField(null=True)),
    ]
