# Classes zdm maps whose column still depends on what it cannot see: each
# gets a django-assumed notice saying what zdm took.
from django.db import migrations
import django_countries.fields
import markupfield.fields


class Migration(migrations.Migration):

    dependencies = [('shop', '0002_more')]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='regions',
            field=django_countries.fields.CountryField(blank=True, multiple=True),
        ),
        migrations.AddField(
            model_name='customer',
            name='bio',
            field=markupfield.fields.MarkupField(blank=True),
        ),
    ]
