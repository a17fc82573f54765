# Adding fields whose classes set null or a default in __init__, which
# makemigrations does not write: Django's SQL has them all the same.
from django.db import migrations
import baserow.core.fields
import baserow.core.formula.field
import oscar.models.fields


class Migration(migrations.Migration):

    dependencies = [('shop', '0001_initial')]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='code2',
            field=oscar.models.fields.NullCharField(max_length=32, unique=True),
        ),
        migrations.AddField(
            model_name='customer',
            name='formula',
            field=baserow.core.formula.field.FormulaField(),
        ),
        migrations.AddField(
            model_name='customer',
            name='flags',
            field=baserow.core.fields.MultipleFlagField(num_flags=4),
        ),
    ]
