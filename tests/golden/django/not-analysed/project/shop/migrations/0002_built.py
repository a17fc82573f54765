from django.db import migrations, models

from shop.helpers import EXTRA_OPS



class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    # the literal part is analysed, EXTRA_OPS is reported where it is used
    operations = EXTRA_OPS + [
        migrations.AddField("order", "note", models.TextField(null=True)),
    ]
