from django.db import migrations, models


class Migration(migrations.Migration):
    # Django loads every module of the package, named NNNN_ or not
    dependencies = [("corp_billing", "0001_initial")]
    operations = [migrations.AddField("invoice", "total", models.IntegerField(null=True))]
