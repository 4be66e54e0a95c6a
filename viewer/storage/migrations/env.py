"""Alembic environment: migrations run on the connection the cache hands over, never from a URL."""

from __future__ import annotations

from alembic import context


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


# Alembic's context exists only while it runs this file; a plain import (a test walking the package)
# must do nothing.
if hasattr(context, "config"):
    run_migrations()
