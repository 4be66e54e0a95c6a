"""Alembic migrations of the cache schema, run programmatically by viewer.storage.database."""
