"""Alembic's entry point: run the migrations on the connection `schema.upgrade` put in the config's
attributes (no alembic.ini, no URL of its own: the password never leaves the caller)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
