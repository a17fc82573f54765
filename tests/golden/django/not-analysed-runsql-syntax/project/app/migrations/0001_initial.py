from django.db import migrations

class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL("SELECT 1"),
        migrations.RunSQL("ALTER TABLE t ADD COLUM x int"),
    ]
