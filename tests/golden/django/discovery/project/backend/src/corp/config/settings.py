MIGRATION_MODULES = {"legacy": "legacy.db_migrations"}
