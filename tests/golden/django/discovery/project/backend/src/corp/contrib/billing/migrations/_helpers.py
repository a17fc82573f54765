raise ImportError("not a migration: Django skips modules starting with _")
