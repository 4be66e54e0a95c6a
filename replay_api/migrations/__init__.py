"""Alembic revisions of the replay API server's schema (the desktop cache has its own, in viewer.storage)."""
