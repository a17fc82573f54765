# Classes whose db_type() is a PostgreSQL type no built-in field gives:
# baserow's SerialField ("serial": Django makes the sequence when a field
# becomes one) and nautobot's MACAddressField ("macaddr").
from django.db import migrations, models
import baserow.contrib.database.fields.fields
import nautobot.dcim.fields


class Migration(migrations.Migration):

    dependencies = [('shop', '0004_imported')]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='number',
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.AlterField(
            model_name='customer',
            name='number',
            field=baserow.contrib.database.fields.fields.SerialField(null=True),
        ),
        migrations.AddField(
            model_name='customer',
            name='hw',
            field=nautobot.dcim.fields.MACAddressField(blank=True, null=True),
        ),
    ]
