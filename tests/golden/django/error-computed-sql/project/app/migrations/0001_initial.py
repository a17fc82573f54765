from django.db import migrations

SQL = "SELECT 1"

class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL(SQL),
    ]
