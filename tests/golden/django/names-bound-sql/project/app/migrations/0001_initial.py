from django.conf import settings
from django.db import connection, migrations, models
import swapper

# Names bound to literals, and what plain Python makes of them
TABLE = "app_item"
COLUMNS = ("a", "b") + ("c",)
FORWARD_SQL = "CREATE INDEX item_a ON {} (a)".format(TABLE)
REVERSE_SQL = f"DROP INDEX item_a"
PREFIX = settings.SHOP_TABLE_PREFIX.upper()
COMMENT = "COMMENT ON TABLE %s IS '%s'" % (TABLE, PREFIX)
PRICE_OPS = [
    migrations.CreateModel(
        name="Item",
        fields=[("id", models.AutoField(primary_key=True))] + [(c, models.IntegerField(null=True)) for c in COLUMNS],
    ),
]
OWNER = swapper.get_model_name("accounts", "User").lower()


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = PRICE_OPS + [
        migrations.RunSQL(FORWARD_SQL, REVERSE_SQL),
        migrations.RunSQL([COMMENT]),
    ]
    operations += [migrations.RunSQL(" ; ".join(["SELECT %d" % n for n in range(2)]))]
    if connection.vendor == "postgresql":
        operations.append(migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    elif connection.vendor == "sqlite":
        operations.append(migrations.RunSQL("this is not PostgreSQL"))
    else:
        operations.append(migrations.RunSQL("nor this"))
    if not swapper.is_swapped("accounts", "User"):
        operations.insert(1, migrations.RunSQL("SELECT '%s'" % OWNER.replace(".", "_")))
