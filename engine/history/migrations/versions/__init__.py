"""One script per change of the PostgreSQL history's schema, oldest first (Alembic revisions)."""
