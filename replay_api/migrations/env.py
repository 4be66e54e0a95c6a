"""Alembic environment: migrations run on the connection the server hands over, never from a URL."""

from __future__ import annotations

from alembic import context


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    # Batch mode lets later revisions alter tables on SQLite, which cannot drop or change columns in place.
    context.configure(connection=connection, render_as_batch=True, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()


# Alembic's context exists only while it runs this file; a plain import must do nothing.
if hasattr(context, "config"):
    run_migrations()
