from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = []
    operations = [
        migrations.CreateModel(name='Item', fields=[('id', models.AutoField(primary_key=True))]),
    ]
