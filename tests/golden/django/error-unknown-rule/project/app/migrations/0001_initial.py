from django.db import migrations

class Migration(migrations.Migration):
    operations = [
        # zdm: allow no-such-rule because
        migrations.RunSQL("SELECT 1"),
    ]
