"""Minimal Django settings for the Customer example (zdm examples/customer).

Only what makemigrations and sqlmigrate need. The database connection is read
from environment variables with harmless local defaults; there are no secrets
here. sqlmigrate connects to PostgreSQL to read the migration history, so point
PGHOST at a running server (a unix-socket directory or a host name); the
other libpq variables (PGPORT, PGUSER, PGDATABASE, PGPASSWORD) are honoured too.
"""
import os

SECRET_KEY = "not-a-secret-example-only"
DEBUG = True

INSTALLED_APPS = [
    "customers",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("PGDATABASE", "postgres"),
        "USER": os.environ.get("PGUSER", "postgres"),
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
        "HOST": os.environ.get("PGHOST", ""),
        "PORT": os.environ.get("PGPORT", ""),
    }
}

USE_TZ = True
