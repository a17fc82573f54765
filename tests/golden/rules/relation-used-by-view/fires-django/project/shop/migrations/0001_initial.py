from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.AutoField(primary_key=True)),
                ("reference", models.CharField(max_length=32)),
            ],
        ),
        migrations.RunSQL(
            "CREATE VIEW order_references AS SELECT id, reference FROM shop_order",
            "DROP VIEW order_references",
        ),
    ]
