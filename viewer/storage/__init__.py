"""The local replay cache: SQLAlchemy schema and repository, no Qt."""
