from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corp_billing", "add_total")]
    operations = [migrations.CreateModel(name="Old", fields=[("id", models.AutoField(primary_key=True))])]
