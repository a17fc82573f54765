from django.db import migrations


class Migration(migrations.Migration):
    # each operation commits on its own
    atomic = False
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RunSQL("ALTER TYPE order_status ADD VALUE 'refunded'", migrations.RunSQL.noop),
        migrations.RunSQL(
            "UPDATE shop_order SET status = 'refunded' WHERE note = 'refund'",
            migrations.RunSQL.noop,
        ),
    ]
