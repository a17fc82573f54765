from django.db import migrations, models


def build_operations():
    return [migrations.AddField("order", "paid", models.BooleanField(null=True))]


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_missing")]
    operations = build_operations()
