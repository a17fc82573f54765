from django.db import migrations

class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL(sql='SELECT 1' x),
    ]
