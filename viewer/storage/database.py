"""Open the cache file: SQLite in WAL mode, invalid files moved aside, schema migrated to the head."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection

from replay_core.migrating import ALEMBIC_LOCK
from viewer.files import name_aside

# Every schema revision in order; a new migration appends its id here.
REVISIONS = (
    "0001", "0002", "0003", "0004_activity", "0005_heatmaps", "0006_collab", "0007_keyframes", "0008_assets",
    "0009_collab_sources",
)
HEAD_REVISION = REVISIONS[-1]
_SQLITE_HEADER = b"SQLite format 3\x00"
_SIDE_FILES = ("-wal", "-shm", "-journal")
_BUSY_TIMEOUT_S = 10.0  # how long a reader or writer waits for another one's lock


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
    """An engine on the cache at `path`, migrated to the current schema.

    Only a file that is definitely not a database is moved aside; a cache that is busy, locked by
    another process, on a full disk, read-only or unreadable is a `CacheError` and stays untouched.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CacheError(f"cannot make the cache folder {path.parent}: {_os_reason(exc)}") from None
    reason = invalid_reason(path)
    moved = _move_aside(path, reason) if reason else None
    engine = make_engine(path)
    try:
        with engine.connect() as conn:
            migrate(conn)
    except Exception as exc:
        engine.dispose()
        problem = cache_problem(exc, path)
        if problem is None:
            raise
        raise CacheError(problem) from None
    return engine, moved


def invalid_reason(path: Path) -> str | None:
    """Why the file at `path` is definitely not a cache (so that it may be moved aside), or None (also
    when there is no file yet). A file that cannot be checked raises `CacheError` instead."""
    try:
        if path.exists() and not path.is_file():
            raise CacheError(f"{path} is not a file (a folder or a device is in the cache's place)")
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CacheError(f"cannot read the cache {path}: {_os_reason(exc)}") from None
    if not header:
        return None
    if header != _SQLITE_HEADER:
        return "not an SQLite database"
    try:
        return _schema_problem(path)
    except sqlite3.DatabaseError as exc:
        if _sqlite_code(exc) in _CORRUPT_CODES:
            return f"unreadable: {exc}"
        raise CacheError(_sqlite_problem(exc, path)) from None


# SQLite's primary result codes (https://sqlite.org/rescode.html) that mean the file itself is damaged;
# every other error (busy, locked, full, read-only, cannot open, I/O) says nothing about the file.
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
_CORRUPT_CODES = (_SQLITE_CORRUPT, _SQLITE_NOTADB)
_SQLITE_IOERR = 10
_SQLITE_FULL = 13
_SQLITE_MESSAGES = {
    3: "permission denied",
    5: "it is locked by another process (another Replay Viewer or sync may be running); try again later",
    6: "it is locked by another connection; try again later",
    8: "it is read-only",
    10: "a disk I/O error",
    13: "the disk is full",
    14: "it cannot be opened (is its folder read-only or missing?)",
    23: "permission denied",
}


def _sqlite_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _sqlite_problem(exc: BaseException, path: Path) -> str:
    code = _sqlite_code(exc)
    detail = _SQLITE_MESSAGES.get(code or -1) or _one_line(str(exc))
    if code in (_SQLITE_IOERR, _SQLITE_FULL) and _disk_full(path):
        detail = _SQLITE_MESSAGES[_SQLITE_FULL]  # SQLite reports a failed write of its -shm as an I/O error
    return f"cannot use the cache {path}: {detail}"


def _disk_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < 64 * 1024
    except OSError:
        return False


def cache_problem(exc: BaseException, path: Path | None = None) -> str | None:
    """One line for an error SQLite raised while using the cache (busy, full, damaged…), else None."""
    from sqlalchemy.exc import DBAPIError

    found: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    if isinstance(found, sqlite3.Error):
        code = _sqlite_code(found)
        if code in _CORRUPT_CODES:
            where = path or "the cache"
            return f"{where} is damaged ({_one_line(str(found))}); move it away to start a new cache"
        if path is not None:
            return _sqlite_problem(found, path)
        return f"cannot use the cache: {_SQLITE_MESSAGES.get(code or -1) or _one_line(str(found))}"
    if isinstance(found, OSError) and path is not None:
        return f"cannot use the cache {path}: {_os_reason(found)}"
    return None


def _os_reason(exc: OSError) -> str:
    return _one_line(exc.strerror or str(exc))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _schema_problem(path: Path) -> str | None:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=_BUSY_TIMEOUT_S)
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
    return set(REVISIONS)


def _move_aside(path: Path, reason: str) -> MovedAside:
    target = name_aside(path, "invalid")
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
        f"busy_timeout={round(_BUSY_TIMEOUT_S * 1000)}",
        "temp_store=MEMORY",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _on_begin(conn: Connection) -> None:
    # Writers take the write lock up front: a deferred transaction that reads then writes can fail busy.
    mode = "IMMEDIATE" if conn.get_execution_options().get("cache_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")




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
    with ALEMBIC_LOCK:  # one Alembic migration at a time in a process (replay_core.migrating)
        command.upgrade(config, revision)
    if conn.in_transaction():
        conn.commit()
