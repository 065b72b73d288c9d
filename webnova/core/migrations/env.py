"""Alembic environment: WebNova always passes an open connection (see webnova.core.db.upgrade)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
