from django.db import migrations

OPS = []
for name in load_names():
    OPS.append(migrations.RunSQL("SELECT 1"))


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_built")]
    operations = OPS
