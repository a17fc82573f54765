from django.db import migrations

class Migration(migrations.Migration):
    operations = []

Migration.operations.append(migrations.RunSQL('SELECT 1'))
Migration.operations += [migrations.RunSQL('SELECT 2')]
