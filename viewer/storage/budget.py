"""Replays kept as metadata only: rows without events for the disk budget, and evicting the oldest events."""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, and_, delete, func, insert, select
from sqlalchemy.engine import Connection

from viewer.storage import keyframes
from viewer.storage.activity_counts import metadata_values
from viewer.storage.models import ReplayMetadata
from viewer.storage.schema import event_chunks, replay_batches, replays, sources


def upsert_metadata(conn: Connection, meta: ReplayMetadata, source_id: int, now_ms: int) -> bool:
    """Store or refresh a replay row without events; a replay whose events are cached is left alone."""
    found = conn.execute(select(replays.c.chunk_count).where(replays.c.id == meta.replay_id)).first()
    if found is not None and found[0] > 0:
        return False
    values = {
        "source_id": source_id,
        "user_id": meta.user_id,
        "start_ms": meta.start_ms,
        "end_ms": meta.end_ms,
        "duration_ms": max(0, meta.end_ms - meta.start_ms),
        "active_ms": meta.active_ms,
        "event_count": meta.event_count,
        "click_count": meta.click_count,
        "input_count": meta.input_count,
        "error_count": meta.error_count,
        "start_url": meta.start_url,
        "urls": json.dumps([meta.start_url] if meta.start_url else []),
        "size_bytes": 0,
        "stored_bytes": 0,
        "chunk_count": 0,
        "updated_ms": now_ms,
    } | metadata_values(meta.error_count)
    if found is None:
        conn.execute(insert(replays).values(id=meta.replay_id, **values))
    else:
        conn.execute(replays.update().where(replays.c.id == meta.replay_id).values(**values))
    return True


# Only a replay from a sync source can lose its events: the server serves them again. A replay imported
# from a file (or a demo) exists nowhere else, so it is never evicted, and does not count to the budget.
EVICTABLE_KINDS = ("sync",)


def _evictable() -> ColumnElement[bool]:
    return and_(
        replays.c.chunk_count > 0,
        replays.c.source_id.in_(select(sources.c.id).where(sources.c.kind.in_(EVICTABLE_KINDS))),
    )


def has_events(conn: Connection, replay_id: str) -> bool:
    count = conn.execute(select(replays.c.chunk_count).where(replays.c.id == replay_id)).scalar()
    return bool(count)


def stored_bytes(conn: Connection) -> int:
    """The compressed size of the events the disk budget covers: those of synced replays."""
    found = conn.execute(select(func.coalesce(func.sum(replays.c.stored_bytes), 0)).where(_evictable()))
    return int(found.scalar() or 0)


def oldest_start_with_events(conn: Connection) -> int | None:
    """The start of the oldest synced replay whose events are kept."""
    found = conn.execute(select(func.min(replays.c.start_ms)).where(_evictable())).scalar()
    return None if found is None else int(found)


def evict_oldest(conn: Connection, budget_bytes: int, now_ms: int) -> list[str]:
    """Drop the events of the oldest synced replays until their events fit `budget_bytes`; their ids.
    Replays imported from files are never evicted (nothing could fetch them back)."""
    if isinstance(budget_bytes, bool) or not isinstance(budget_bytes, int):
        raise TypeError(f"the disk budget must be a whole number of bytes, not {budget_bytes!r}")
    excess = stored_bytes(conn) - budget_bytes
    if excess <= 0:
        return []
    rows = conn.execute(
        select(replays.c.id, replays.c.stored_bytes)
        .where(_evictable())
        .order_by(replays.c.start_ms, replays.c.id)
    )
    chosen: list[str] = []
    for replay_id, size in rows:
        if excess <= 0:
            break
        chosen.append(replay_id)
        excess -= size
    drop_events(conn, chosen, now_ms)
    return chosen


def drop_events(conn: Connection, replay_ids: list[str], now_ms: int) -> None:
    """Keep the rows, forget the events and batch keys, so that a later download starts from seq 0."""
    if not replay_ids:
        return
    conn.execute(delete(event_chunks).where(event_chunks.c.replay_id.in_(replay_ids)))
    conn.execute(delete(replay_batches).where(replay_batches.c.replay_id.in_(replay_ids)))
    keyframes.forget(conn, replay_ids)
    conn.execute(
        replays.update()
        .where(replays.c.id.in_(replay_ids))
        .values(chunk_count=0, stored_bytes=0, updated_ms=now_ms)
    )
