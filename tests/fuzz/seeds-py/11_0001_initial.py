this folder is not the legacy app's migrations: MIGRATION_MODULES moves them
