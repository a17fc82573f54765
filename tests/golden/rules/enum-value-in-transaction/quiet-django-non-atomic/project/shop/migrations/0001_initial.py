from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.RunSQL(
            "CREATE TYPE order_status AS ENUM ('pending', 'paid')",
            "DROP TYPE order_status",
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.AutoField(primary_key=True)),
                ("note", models.TextField(default="")),
            ],
        ),
        migrations.RunSQL(
            "ALTER TABLE shop_order ADD COLUMN status order_status NOT NULL DEFAULT 'pending'",
            "ALTER TABLE shop_order DROP COLUMN status",
        ),
    ]
