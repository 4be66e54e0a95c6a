"""Keys per person for the query API: created with a scope, stored hashed, shown once, revoked at once.

The project's secret key (create-project) keeps working as an admin key. Keys are looked up in the
database on every request, never cached, so a revoked key is refused by every worker from its next request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Connection, insert, select, update

from replay_api.db import Database
from replay_api.projects import ProjectDirectory, hash_secret
from replay_api.schema import api_keys, projects
from replay_core.access import SCOPES, Scope

KEY_PREFIX = "rk_"
# last_used_at is written at most this often per key: a sync every minute stays a read.
LAST_USED_STEP_MS = 60_000


class KeyProblem(ValueError):
    """A key command that cannot be done: an unknown project, a name in use, no such key."""


@dataclass(frozen=True)
class NewKey:
    name: str
    scope: Scope
    key: str


@dataclass(frozen=True)
class KeyInfo:
    name: str
    scope: Scope
    created_at: int
    last_used_at: int | None
    revoked_at: int | None


@dataclass(frozen=True)
class Access:
    """Who is asking: their project, their scope, and the key's name ("" for the project's secret)."""

    project_id: int
    scope: Scope
    name: str

    @property
    def is_admin(self) -> bool:
        return self.scope == "admin"


def find_project(db: Database, name_or_token: str | None) -> int:
    """The project a key command is about: named (or by token), or the only one there is."""
    with db.read() as conn:
        rows = conn.execute(select(projects.c.id, projects.c.name, projects.c.token)).all()
    if name_or_token is not None:
        rows = [row for row in rows if name_or_token in (row.name, row.token)]
        if len(rows) != 1:
            found = "no" if not rows else "several"
            raise KeyProblem(f"{found} project named {name_or_token!r} (a name or token)")
    elif not rows:
        raise KeyProblem("no project yet: run create-project")
    elif len(rows) > 1:
        raise KeyProblem("several projects: name one with --project")
    return int(rows[0].id)


def create_key(db: Database, project_id: int, name: str, scope: str, now_ms: int) -> NewKey:
    if scope not in SCOPES:
        raise KeyProblem(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    if not name.strip() or len(name) > 200:
        raise KeyProblem("a key's name is 1 to 200 characters")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with db.write(now_ms) as writer:
        if _active(writer.conn, project_id, name) is not None:
            raise KeyProblem(f"a key named {name!r} exists: revoke it first")
        writer.conn.execute(
            insert(api_keys).values(
                project_id=project_id, name=name, scope=scope, key_hash=hash_secret(key), created_at=now_ms
            )
        )
    return NewKey(name, cast(Scope, scope), key)


def list_keys(db: Database, project_id: int) -> list[KeyInfo]:
    query = select(api_keys).where(api_keys.c.project_id == project_id).order_by(api_keys.c.id)
    with db.read() as conn:
        rows = conn.execute(query).all()
    return [
        KeyInfo(row.name, cast(Scope, row.scope), row.created_at, row.last_used_at, row.revoked_at)
        for row in rows
    ]


def revoke_key(db: Database, project_id: int, name: str, now_ms: int) -> None:
    with db.write(now_ms) as writer:
        key_id = _active(writer.conn, project_id, name)
        if key_id is None:
            raise KeyProblem(f"no key named {name!r} in use")
        writer.conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=now_ms))


def _active(conn: Connection, project_id: int, name: str) -> int | None:
    query = select(api_keys.c.id).where(
        (api_keys.c.project_id == project_id) & (api_keys.c.name == name) & api_keys.c.revoked_at.is_(None)
    )
    found = conn.execute(query).scalar()
    return None if found is None else int(found)


def authenticate(db: Database, directory: ProjectDirectory, key: str, now_ms: int) -> Access | None:
    """Who `key` belongs to, or None; notes when a person's key was used (at most once a minute)."""
    if not key:
        return None
    project_id = directory.by_secret(key)
    if project_id is not None:
        return Access(project_id, "admin", "")
    query = select(api_keys).where((api_keys.c.key_hash == hash_secret(key)) & api_keys.c.revoked_at.is_(None))
    with db.read() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    if row.last_used_at is None or row.last_used_at <= now_ms - LAST_USED_STEP_MS:
        _note_use(db, int(row.id), now_ms)
    return Access(int(row.project_id), cast(Scope, row.scope), str(row.name))


def _note_use(db: Database, key_id: int, now_ms: int) -> None:
    # Not a feed change: a plain write, without the feed counter's lock that ingest waits on.
    stale = api_keys.c.last_used_at.is_(None) | (api_keys.c.last_used_at <= now_ms - LAST_USED_STEP_MS)
    with db.touch() as conn:
        conn.execute(update(api_keys).where((api_keys.c.id == key_id) & stale).values(last_used_at=now_ms))
