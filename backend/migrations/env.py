"""Alembic's entry point: migrations run on the connection `backend.store.upgrade` hands over."""

from alembic import context

from backend.store import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
