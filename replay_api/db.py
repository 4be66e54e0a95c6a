"""Database access: engines, write transactions that hand out change numbers, read snapshots."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no other process can share the file's turn there, only threads
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Integer,
    String,
    Table,
    Text,
    column,
    create_engine,
    event,
    insert,
    literal,
    select,
    text,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from replay_api.schema import changes, feed_counter
from replay_api.upgrade import upgrade


class Writer:
    """One write transaction. Its changes are numbered at the end, under the feed counter's row lock held
    until commit, so change numbers follow commit order while the rest of the work runs concurrently."""

    def __init__(self, conn: Connection, now_ms: int) -> None:
        self.conn = conn
        self.now_ms = now_ms
        self._pending: list[tuple[int, str, str, dict[str, Any] | None]] = []

    def record_change(self, project_id: int, kind: str, key: str, payload: dict[str, Any] | None) -> None:
        """Make `payload` the entity's entry in the feed (None: a tombstone), replacing its previous one.

        The caller holds the entity's row lock (or created the row), so entries of one entity are recorded
        in the order their transactions commit."""
        self._pending.append((project_id, kind, key, payload))

    def finish(self) -> None:
        """Number and store the changes: the last statements before commit, as the counter lock is held."""
        if not self._pending:
            return
        # An entity changed twice in one transaction has its last change, in the place of that change (its
        # entry would be replaced, and move to the end, anyway).
        latest: dict[tuple[int, str, str], dict[str, Any] | None] = {}
        for project_id, kind, key, payload in self._pending:
            latest.pop((project_id, kind, key), None)
            latest[project_id, kind, key] = payload
        self._pending.clear()
        entries = [
            (project_id, kind, key, "delete" if payload is None else "upsert",
             None if payload is None else json.dumps(payload, separators=(",", ":")), self.now_ms)
            for (project_id, kind, key), payload in latest.items()
        ]  # fmt: skip
        if self.conn.dialect.name == "postgresql":
            # Several statements for many changes (deleting a user with thousands of events): a statement
            # takes at most 65,535 parameters. The first one takes the lock; the numbers run on.
            for start in range(0, len(entries), CHANGES_PER_STATEMENT):
                self.conn.execute(_numbered_changes(entries[start : start + CHANGES_PER_STATEMENT]))
            return
        # SQLite: its writers take turns anyway (BEGIN IMMEDIATE). One statement takes the counter's row
        # lock (held to commit) and numbers the pending changes.
        bumped = update(feed_counter).where(feed_counter.c.id == 1).values(value=feed_counter.c.value + len(entries))
        last = int(self.conn.execute(bumped.returning(feed_counter.c.value)).scalar_one()) - len(entries)
        for number, (project_id, kind, key, op, text_payload, created_at) in enumerate(entries, start=1):
            entry = {"seq": last + number, "op": op, "payload": text_payload, "created_at": created_at}
            # The entity's one entry, replaced: it moves to the end of the feed.
            statement = sqlite_insert(changes).values(project_id=project_id, kind=kind, key=key, **entry)
            self.conn.execute(statement.on_conflict_do_update(index_elements=["project_id", "kind", "key"], set_=entry))


_ENTRY_COLUMNS = ["project_id", "kind", "key", "seq", "op", "payload", "created_at"]
CHANGES_PER_STATEMENT = 1000  # at most 7 parameters each


def _numbered_changes(entries: list[tuple[Any, ...]]) -> Any:
    """PostgreSQL: one statement bumps the feed counter (its row lock is then held to commit), numbers the
    changes from it and makes each its entity's one entry (it moves to the end of the feed).

    One statement, not one per change after the bump: the lock is held from the bump to the commit, and
    every round trip inside it waits for the worker's other threads to let this one run again; measured
    with the SDK's batches, the other writers mostly waited on this lock (issue 15)."""
    counted = len(entries)
    bumped = (
        update(feed_counter).where(feed_counter.c.id == 1).values(value=feed_counter.c.value + counted)
        .returning(feed_counter.c.value).cte("bumped")
    )  # fmt: skip
    rows = values(
        column("project_id", Integer), column("kind", String), column("key", String), column("number", BigInteger),
        column("op", String), column("payload", Text), column("created_at", BigInteger), name="pending",
    ).data([(project_id, kind, key, number, *rest) for number, (project_id, kind, key, *rest) in enumerate(entries, 1)])
    numbered = select(
        rows.c.project_id, rows.c.kind, rows.c.key, (bumped.c.value - counted + rows.c.number).label("seq"),
        rows.c.op, rows.c.payload, rows.c.created_at,
    ).select_from(bumped).join(rows, literal(True))  # fmt: skip
    statement = postgresql_insert(changes).from_select(_ENTRY_COLUMNS, numbered)
    replaced = {name: statement.excluded[name] for name in ("seq", "op", "payload", "created_at")}
    return statement.on_conflict_do_update(index_elements=["project_id", "kind", "key"], set_=replaced).add_cte(bumped)


def insert_if_absent(conn: Connection, table: Table, values: dict[str, Any], unique: list[str]) -> int | None:
    """Insert a row unless one with the same `unique` columns exists (or is being inserted by another
    transaction, which this waits for); the new row's id, or None."""
    dialect_insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(table).values(**values).on_conflict_do_nothing(index_elements=unique)
    found = conn.execute(statement.returning(table.c.id)).scalar()
    return None if found is None else int(found)


class Database:
    """The engines of one database URL. SQLite writers take BEGIN IMMEDIATE and a process-wide lock."""

    def __init__(self, url: str) -> None:
        parsed = driver_url(url)
        url = parsed.render_as_string(hide_password=False)
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        memory = self.is_in_memory(url)
        self._lock = threading.Lock() if self.is_sqlite else None
        self.write_engine = self._make_engine(url, immediate=True, memory=memory)
        self.read_engine = (
            self.write_engine if memory else self._make_engine(url, immediate=False, memory=False)
        )
        with self._locked(), self.write_engine.begin() as conn:
            upgrade(conn)
            if conn.execute(select(feed_counter.c.id)).first() is None:
                conn.execute(insert(feed_counter).values(id=1, value=0))

    @staticmethod
    def is_in_memory(url: str) -> bool:
        parsed = driver_url(url)
        return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")

    def _make_engine(self, url: str, immediate: bool, memory: bool) -> Engine:
        if not self.is_sqlite:
            return create_engine(url, pool_pre_ping=True)
        options: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if memory:
            options["poolclass"] = StaticPool
        engine = create_engine(url, **options)
        _configure_sqlite(engine, immediate)
        return engine

    @contextmanager
    def write(self, now_ms: int) -> Iterator[Writer]:
        """A write transaction, committed when the block ends without an exception."""
        with self._locked(), self.write_engine.begin() as conn:
            writer = Writer(conn, now_ms)
            yield writer
            writer.finish()

    @contextmanager
    def touch(self) -> Iterator[Connection]:
        """A small write that is not a change of the feed (bookkeeping such as a key's last use)."""
        with self._locked(), self.write_engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot of the database."""
        if self.read_engine is self.write_engine:
            with self._locked(), self.read_engine.begin() as conn:
                yield conn
            return
        with self.read_engine.begin() as conn:
            yield conn

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if self._lock is None:
            yield
            return
        with self._lock:
            yield

    @contextmanager
    def turn(self, job: str, wait: bool) -> Iterator[bool]:
        """Whether this worker has the turn to run `job`, held until the block ends; `wait` for it or not.

        Several workers (processes, even machines) share one database: the job runs in one of them at a time.
        PostgreSQL: a session advisory lock. SQLite: an exclusive lock on a file next to the database.
        """
        if not self.is_sqlite:
            with self.write_engine.connect() as conn:
                key = {"key": _lock_number(job)}
                take = "SELECT pg_advisory_lock(:key), true" if wait else "SELECT pg_try_advisory_lock(:key)"
                row = conn.execute(text(take), key).one()
                mine = bool(row[-1])
                conn.commit()
                try:
                    yield mine
                finally:
                    if mine:
                        conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)
                        conn.commit()
            return
        with _file_turn(self._turn_path(job), wait) as mine:
            yield mine

    def _turn_path(self, job: str) -> Path | None:
        database = make_url(self.url).database
        if database in (None, "", ":memory:"):
            return None
        return Path(f"{database}.{job}.lock")

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


_IN_PROCESS_TURNS: dict[Path | None, threading.Lock] = {}
_TURNS_LOCK = threading.Lock()


@contextmanager
def _file_turn(path: Path | None, wait: bool) -> Iterator[bool]:
    with _TURNS_LOCK:
        in_process = _IN_PROCESS_TURNS.setdefault(path, threading.Lock())
    if not in_process.acquire(blocking=wait):
        yield False
        return
    try:
        if path is None or fcntl is None:  # an in-memory database lives in this process alone
            yield True
            return
        with open(path, "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        in_process.release()


def _lock_number(job: str) -> int:
    """A job's advisory lock number: 64 signed bits of a hash of its name, the same in every worker."""
    digest = hashlib.sha256(f"replay-api:{job}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def driver_url(url: str) -> URL:
    """The URL with its driver: `postgresql://` means psycopg 3, the driver the server extra installs."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def _wal_mode(cursor: Any) -> None:
    """Switch the file to WAL. Connections opening a new file at once (workers starting together) race to
    switch it, and SQLite answers the losers "database is locked" at once, without its busy timeout:
    they try again (the switch is quick) for as long as that timeout would have waited."""
    deadline = time.monotonic() + 30
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _configure_sqlite(engine: Engine, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _wal_mode(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
