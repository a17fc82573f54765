from django.db import migrations

class Migration(migrations.Migration):
    operations = [
        # zdm: requires-backfill
        migrations.RunSQL("SELECT 1"),
    ]
