"""Open the cache file: SQLite in WAL mode, invalid files moved aside, schema migrated to the head."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection

HEAD_REVISION = "0003"
_SQLITE_HEADER = b"SQLite format 3\x00"
_SIDE_FILES = ("-wal", "-shm", "-journal")


class CacheError(Exception):
    """The cache cannot be used; the message is one line a user can act on."""


@dataclass(frozen=True)
class MovedAside:
    """An invalid cache file that was renamed so that a new cache could be made in its place."""

    original: Path
    moved_to: Path
    reason: str

    def message(self) -> str:
        return f"{self.original} is not a valid cache ({self.reason}); moved it to {self.moved_to.name}"


def open_engine(path: Path) -> tuple[Engine, MovedAside | None]:
    """An engine on the cache at `path`, migrated to the current schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    reason = invalid_reason(path)
    moved = _move_aside(path, reason) if reason else None
    engine = make_engine(path)
    try:
        with engine.connect() as conn:
            migrate(conn)
    except Exception:
        engine.dispose()
        raise
    return engine, moved


def invalid_reason(path: Path) -> str | None:
    """Why the file at `path` is not a cache we can open, or None (also when there is no file yet)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return None
    if not header:
        return None
    if header != _SQLITE_HEADER:
        return "not an SQLite database"
    try:
        return _schema_problem(path)
    except sqlite3.DatabaseError as exc:
        return f"unreadable: {exc}"


def _schema_problem(path: Path) -> str | None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return None
        if "alembic_version" not in tables:
            return "it holds tables but no schema version"
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        connection.close()
    if row is None:
        return "its schema version is empty"
    if row[0] not in _known_revisions():
        raise CacheError(f"{path} was made by a newer Replay Viewer (schema {row[0]}); update the app")
    return None


def _known_revisions() -> set[str]:
    return {f"{n:04d}" for n in range(1, int(HEAD_REVISION) + 1)}


def _move_aside(path: Path, reason: str) -> MovedAside:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.invalid-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.invalid-{stamp}-{counter}")
    path.rename(target)
    # A stale WAL beside a new database must not be replayed into it: it goes along with its file.
    for suffix in _SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return MovedAside(original=path, moved_to=target, reason=reason)


def make_engine(path: Path) -> Engine:
    """An engine on `path` with the cache's connection settings, without checks or migrations."""
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself, so reads and writes share one transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",  # in WAL mode a killed process loses nothing committed
        "foreign_keys=ON",
        "busy_timeout=10000",
        "temp_store=MEMORY",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _on_begin(conn: Connection) -> None:
    # Writers take the write lock up front: a deferred transaction that reads then writes can fail busy.
    mode = "IMMEDIATE" if conn.get_execution_options().get("cache_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


_MIGRATION_LOCK = threading.Lock()


def current_revision(conn: Connection) -> str | None:
    has_table = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
    ).first()
    if has_table is None:
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(conn: Connection, revision: str = "head") -> None:
    """Upgrade the schema to `revision` (the head by default) in one transaction."""
    if revision == "head" and current_revision(conn) == HEAD_REVISION:
        conn.rollback()
        return
    conn.rollback()
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "viewer.storage:migrations")
    config.attributes["connection"] = conn
    # Alembic keeps its running context in module globals: two threads migrating at once break it.
    with _MIGRATION_LOCK:
        command.upgrade(config, revision)
    if conn.in_transaction():
        conn.commit()
