"""Projects: the public ingest token a page is instrumented with, and the secret key of the query API."""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass

from sqlalchemy import Column, insert, select

from replay_api.db import Database
from replay_api.schema import projects
from replay_core.validate import ID_RULE, is_valid_id

SECRET_PREFIX = "rsk_"


class ProjectExists(ValueError):
    """A project already uses that ingest token."""


class BadToken(ValueError):
    """A token pages could not send, or the server would refuse: the ids' rule (replay_core.validate)."""


@dataclass(frozen=True)
class NewProject:
    id: int
    name: str
    token: str
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_project(db: Database, name: str, now_ms: int, token: str | None = None) -> NewProject:
    """Create a project; `token` reuses the token a site is already instrumented with."""
    token = token or secrets.token_hex(16)
    if not is_valid_id(token):
        raise BadToken(f"a project token must be {ID_RULE}")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with db.write(now_ms) as writer:
        taken = writer.conn.execute(select(projects.c.id).where(projects.c.token == token)).first()
        if taken is not None:
            raise ProjectExists(f"a project with the token {token!r} already exists")
        row = writer.conn.execute(
            insert(projects)
            .values(name=name, token=token, secret_hash=hash_secret(secret), created_at=now_ms)
            .returning(projects.c.id)
        )
        project_id = int(row.scalar_one())
    return NewProject(project_id, name, token, secret)


class ProjectDirectory:
    """Finds the project of an ingest token or a secret key; projects never change, so answers are cached."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._by_token: dict[str, int] = {}
        self._by_secret: dict[str, int] = {}
        self._lock = threading.Lock()

    def by_token(self, token: str) -> int | None:
        return self._find(self._by_token, projects.c.token, token)

    def cached_token(self, token: str) -> int | None:
        """The project of a token already looked up, without touching the database (None: not known yet)."""
        with self._lock:
            return self._by_token.get(token)

    def load(self) -> None:
        """Learn every project's token at start-up, so a page's first requests never wait on the database."""
        with self._db.read() as conn:
            rows = conn.execute(select(projects.c.id, projects.c.token)).all()
        with self._lock:
            self._by_token.update({str(row.token): int(row.id) for row in rows})

    def by_secret(self, secret: str) -> int | None:
        return self._find(self._by_secret, projects.c.secret_hash, hash_secret(secret))

    def _find(self, cache: dict[str, int], column: Column[str], value: str) -> int | None:
        with self._lock:
            if value in cache:
                return cache[value]
        if not value:
            return None
        with self._db.read() as conn:
            found = conn.execute(select(projects.c.id).where(column == value)).scalar()
        if found is None:
            return None
        with self._lock:
            cache[value] = int(found)
        return int(found)
