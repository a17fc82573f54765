"""Not a migration: no class Migration."""
from django.db import migrations

x = 1
