"""Replays a sync could not download: recorded with the cursor that skips them, cleared when they arrive."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from viewer.storage.models import ReplayFault, RetryBackoff
from viewer.storage.schema import replay_faults, sources

_FIELDS = ("reason", "attempts", "first_failed_ms", "last_failed_ms", "next_retry_ms")


def record(
    conn: Connection, source_id: int, replay_id: str, reason: str, now_ms: int, retry: RetryBackoff
) -> ReplayFault:
    """One more failure of `replay_id`: the attempts grow, and the delay before the next try with them."""
    key = (replay_faults.c.source_id == source_id) & (replay_faults.c.replay_id == replay_id)
    found = conn.execute(select(replay_faults.c.attempts, replay_faults.c.first_failed_ms).where(key)).first()
    attempts = (found.attempts if found else 0) + 1
    source = conn.execute(select(sources.c.name).where(sources.c.id == source_id)).scalar_one()
    fault = ReplayFault(
        source=source,
        replay_id=replay_id,
        reason=reason,
        attempts=attempts,
        first_failed_ms=found.first_failed_ms if found else now_ms,
        last_failed_ms=now_ms,
        next_retry_ms=now_ms + retry.delay_ms(attempts),
    )
    values = {name: getattr(fault, name) for name in _FIELDS}
    stmt = sqlite_insert(replay_faults).values(source_id=source_id, replay_id=replay_id, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["source_id", "replay_id"], set_=values))
    return fault


def clear(conn: Connection, source_id: int | None, replay_ids: Iterable[str]) -> None:
    """Forget the failures of replays that arrived (or were deleted: of any source when `source_id` is None)."""
    ids = list(replay_ids)
    if not ids:
        return
    stmt = delete(replay_faults).where(replay_faults.c.replay_id.in_(ids))
    if source_id is not None:
        stmt = stmt.where(replay_faults.c.source_id == source_id)
    conn.execute(stmt)


def listed(conn: Connection, source: str | None = None, due_by_ms: int | None = None) -> list[ReplayFault]:
    """The recorded failures (of one source; only those due for a retry by `due_by_ms`), soonest first."""
    stmt = select(sources.c.name, replay_faults).join(sources, sources.c.id == replay_faults.c.source_id)
    if source is not None:
        stmt = stmt.where(sources.c.name == source)
    if due_by_ms is not None:
        stmt = stmt.where(replay_faults.c.next_retry_ms <= due_by_ms)
    stmt = stmt.order_by(replay_faults.c.next_retry_ms, replay_faults.c.replay_id)
    return [
        ReplayFault(row.name, row.replay_id, **{name: getattr(row, name) for name in _FIELDS})
        for row in conn.execute(stmt)
    ]
