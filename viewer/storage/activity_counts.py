"""Each replay's frustration figures in the replays table: computed when it is stored, backfilled for
replays cached before they existed, and refreshed when the SDK's own signals arrive after the replay.

The figures come from `replay_core.timeline` (the rules are `replay_core.frustration`'s); a replay's
`activity_version` says which version of the rules computed them (NULL: not yet). `backfill_batch` does
one small batch in its own transaction, so a caller (the cache worker, between other jobs) can run it
repeatedly in the background until it returns 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.engine import Connection

from replay_core.frustration import SDK_SIGNAL_EVENTS, frustration_score
from replay_core.timeline import TIMELINE_VERSION, ActivityCounts, activity_timeline, counts_of
from viewer.storage.chunks import DamagedReplay, decode_chunk
from viewer.storage.feed import json_or
from viewer.storage.schema import analytics_events, event_chunks, replays

BACKFILL_BATCH = 20  # replays per transaction: a few hundred ms of work at most, then the writer lock is free


def count_values(counts: ActivityCounts, error_count: int) -> dict[str, Any]:
    """The replays table's columns for `counts`; `error_count` is the row's own (the summary's) count."""
    return {
        "rage_count": counts.rage,
        "dead_count": counts.dead,
        "failed_request_count": counts.failed_requests,
        "frustration": frustration_score(counts.rage, counts.dead, error_count, counts.failed_requests),
        "activity_version": TIMELINE_VERSION,
    }


def metadata_values(error_count: int) -> dict[str, Any]:
    """For a replay kept without events: only its error count is known (the server's); the rest is
    computed when its events are stored."""
    return {
        "rage_count": 0,
        "dead_count": 0,
        "failed_request_count": 0,
        "frustration": frustration_score(0, 0, error_count, 0),
        "activity_version": TIMELINE_VERSION,
    }


def replay_analytics(conn: Connection, replay_id: str, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The replay's analytics events as the timeline takes them: `{"name", "time_ms", "properties"}`."""
    stmt = select(analytics_events.c.name, analytics_events.c.time_ms, analytics_events.c.properties).where(
        analytics_events.c.replay_id == replay_id
    )
    if names is not None:
        stmt = stmt.where(analytics_events.c.name.in_(list(names)))
    rows = conn.execute(stmt.order_by(analytics_events.c.time_ms, analytics_events.c.id))
    return [
        {"name": r.name, "time_ms": r.time_ms, "properties": json_or(r.properties, {}, f"event of {replay_id}")}
        for r in rows
    ]


def has_sdk_signals(conn: Connection, replay_id: str) -> bool:
    stmt = select(analytics_events.c.id).where(
        analytics_events.c.replay_id == replay_id, analytics_events.c.name.in_(list(SDK_SIGNAL_EVENTS))
    )
    return conn.execute(stmt.limit(1)).first() is not None


def refresh(conn: Connection, replay_id: str) -> bool:
    """Recompute one replay's figures from its stored events and SDK signals; False if it has no events
    or they are damaged (its figures are left as they are, its version too, and it is not retried)."""
    row = conn.execute(select(replays.c.error_count, replays.c.chunk_count).where(replays.c.id == replay_id)).first()
    if row is None:
        return False
    if not row.chunk_count:
        values = metadata_values(row.error_count)
        conn.execute(replays.update().where(replays.c.id == replay_id).values(**values))
        return False
    chunks = conn.execute(
        select(event_chunks.c.data).where(event_chunks.c.replay_id == replay_id).order_by(event_chunks.c.idx)
    )
    try:
        events = [event for (data,) in chunks for event in decode_chunk(data)]
    except DamagedReplay:
        conn.execute(replays.update().where(replays.c.id == replay_id).values(activity_version=TIMELINE_VERSION))
        return False
    counts = counts_of(activity_timeline(events, replay_analytics(conn, replay_id, SDK_SIGNAL_EVENTS)))
    conn.execute(replays.update().where(replays.c.id == replay_id).values(**count_values(counts, row.error_count)))
    return True


def _stale() -> ColumnElement[bool]:
    return or_(replays.c.activity_version.is_(None), replays.c.activity_version < TIMELINE_VERSION)


def stale_replays(conn: Connection, limit: int) -> list[str]:
    """Replays whose figures were computed by older rules or not at all, newest first (the feed's top)."""
    stmt = select(replays.c.id).where(_stale()).order_by(replays.c.start_ms.desc(), replays.c.id.desc())
    return list(conn.execute(stmt.limit(limit)).scalars())


def stale_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(replays).where(_stale())).scalar() or 0)


def backfill_batch(conn: Connection, limit: int = BACKFILL_BATCH) -> int:
    """Compute the figures of up to `limit` stale replays on `conn` (the caller's write transaction);
    the number of replays looked at, 0 when none is left."""
    found = stale_replays(conn, limit)
    for replay_id in found:
        refresh(conn, replay_id)
    return len(found)
