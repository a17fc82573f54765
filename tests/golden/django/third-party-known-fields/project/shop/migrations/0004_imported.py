# Classes imported by name, as hand-written migrations do: a name two
# packages share is taken when they agree (PhoneNumberField: phonenumber_field's
# and oscar's, both varchar(128)), and not when they differ (StatusField:
# django-model-utils' CharField, nautobot's ForeignKey), which falls back on
# what the call shows, with a notice.
from django.db import migrations
import django.db.models.deletion
from phonenumber_field.modelfields import PhoneNumberField
from model_utils.fields import StatusField
from timezone_field import TimeZoneField


class Migration(migrations.Migration):

    dependencies = [('shop', '0003_assumed')]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='mobile',
            field=PhoneNumberField(blank=True, region=None),
        ),
        migrations.AddField(
            model_name='customer',
            name='zone',
            field=TimeZoneField(null=True),
        ),
        migrations.AddField(
            model_name='customer',
            name='state',
            field=StatusField(null=True, on_delete=django.db.models.deletion.PROTECT, to='shop.customer'),
        ),
    ]
