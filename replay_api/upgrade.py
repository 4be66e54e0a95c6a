"""Bringing a database to the newest schema revision: adopting one `create_all` made, locked across workers."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from replay_core.migrating import ALEMBIC_LOCK

# The tables of the baseline revision 0001, which `create_all` made before the server had migrations.
BASELINE = "0001"
BASELINE_TABLES = {"projects", "feed_counter", "changes", "replays", "replay_batches", "users", "events"}
# Every revision, oldest first; the last is the head the server runs on.
REVISIONS = ["0001", "0002", "0003", "0004"]
HEAD = REVISIONS[-1]
# Any 64-bit number the server alone uses: PostgreSQL's advisory locks are named by numbers.
_UPGRADE_LOCK_ID = 0x7265706C61790001



class SchemaProblem(RuntimeError):
    """The database holds something this server cannot upgrade (a newer revision, a partial schema)."""


def upgrade(conn: Connection, revision: str = HEAD) -> None:
    """Upgrade to `revision` (the head) in the open transaction of `conn`, which the caller commits.

    Several workers start at once: on PostgreSQL a transaction-scoped advisory lock makes the others wait
    until the first has committed (SQLite's BEGIN IMMEDIATE does the same), then they find the head.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _signed(_UPGRADE_LOCK_ID)})
    current = current_revision(conn)
    if current == revision:
        return
    if current is not None and current not in REVISIONS:
        raise SchemaProblem(f"the database is at schema revision {current}, newer than this server knows")
    if current is None:
        _adopt_create_all_schema(conn)
    _run_alembic(conn, "upgrade", revision)


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if found is None else str(found)


def _adopt_create_all_schema(conn: Connection) -> None:
    """A database made by `create_all` (no alembic_version, the baseline's tables) is stamped, not rebuilt."""
    tables = set(inspect(conn).get_table_names())
    present = tables & BASELINE_TABLES
    if not present:
        return
    if present != BASELINE_TABLES:
        missing = ", ".join(sorted(BASELINE_TABLES - present))
        raise SchemaProblem(f"the database has some of the server's tables but not {missing}; not touching it")
    _run_alembic(conn, "stamp", BASELINE)


def _run_alembic(conn: Connection, command_name: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "replay_api:migrations")
    config.attributes["connection"] = conn
    with ALEMBIC_LOCK:  # one Alembic migration at a time in a process (replay_core.migrating)
        getattr(command, command_name)(config, revision)


def _signed(number: int) -> int:
    return number - (1 << 64) if number >= 1 << 63 else number
