"""Storing a CacheUpdate: replays with their chunks, batch keys, profiles and analytics events."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from replay_core import RecordingError
from replay_core.analytics import ProfileUpdate
from replay_core.events import Event
from replay_core.frustration import SDK_SIGNAL_EVENTS
from replay_core.reader import prepare_events
from viewer.storage import activity_counts, budget, faults, heatmaps, removal
from viewer.storage.chunks import EncodedReplay, analysed_replay, chunk_row, decode_chunk
from viewer.storage.growing import GrowingReplays, append_events, stored_state
from viewer.storage.models import CacheUpdate, ProfileChange, ReplayBatch, RetryBackoff, UpdateResult
from viewer.storage.schema import (
    analytics_events,
    event_chunks,
    replay_batches,
    replays,
    sources,
    sync_state,
    users,
)

log = logging.getLogger(__name__)


def apply_update(
    conn: Connection, update: CacheUpdate, now_ms: int, growing: GrowingReplays | None = None
) -> UpdateResult:
    """Store everything in `update` on `conn`; the caller owns the transaction. `growing`: the analyses of
    replays appended to lately, to append the next batch in time proportional to it (viewer.storage.growing)."""
    growing = growing if growing is not None else GrowingReplays(limit=0)
    result = UpdateResult()
    source_id = ensure_source(conn, update.source, update.source_kind, now_ms)
    if update.deleted_replays or update.deleted_users or update.deleted_events:
        result.removed = removal.apply_tombstones(
            conn, update.deleted_replays, update.deleted_users, update.deleted_events
        )
    for change in update.profiles:
        apply_profile(conn, change, now_ms)
        result.profiles_changed += 1
    for new in update.new_replays:
        if replay_exists(conn, new.replay_id):
            result.unchanged.append(new.replay_id)
            continue
        write_replay(conn, new.replay_id, source_id, new.user_id, new.encoded, now_ms, replace=False)
        _record_keys(conn, new.replay_id, [new.key], now_ms)
        result.added.append(new.replay_id)
    for replay_id, group in _by_replay(update.batches).items():
        _store_batches(conn, source_id, replay_id, group, now_ms, result, growing)
    result.events_added += _insert_events(conn, update)
    _refresh_signalled(conn, update)
    heatmaps.refresh_for_events(conn, update.events)
    for meta in update.replay_metadata:
        budget.upsert_metadata(conn, meta, source_id, now_ms)
    people = {b.user_id for b in update.batches} | {n.user_id for n in update.new_replays}
    people |= {m.user_id for m in update.replay_metadata}
    ensure_users(conn, (p for p in people | {e.user_id for e in update.events} if p), now_ms)
    _note_faults(conn, update, source_id, result, now_ms)
    if update.sync_cursor is not None:
        save_cursor(conn, source_id, update.sync_cursor, None, now_ms)
    return result


def _note_faults(
    conn: Connection, update: CacheUpdate, source_id: int, result: UpdateResult, now_ms: int
) -> None:
    """Record the replays a sync skips in the transaction that moves its cursor past them: never lost."""
    failed = dict(update.failed_replays)
    if update.retry is not None:
        failed.update(result.skipped)  # downloaded, but its events do not make a replay: try again later
    gone = update.deleted_replays + [r for r in update.resolved_replays if r not in failed]
    faults.clear(conn, source_id, gone)
    retry = update.retry or RetryBackoff()
    for replay_id, reason in failed.items():
        result.faults.append(faults.record(conn, source_id, replay_id, reason, now_ms, retry))


def _refresh_signalled(conn: Connection, update: CacheUpdate) -> None:
    """Replays the SDK reported rage or dead clicks for: their figures merge those signals now (rare:
    only pages with the SDK's autocapture send them)."""
    signalled = {e.replay_id for e in update.events if e.name in SDK_SIGNAL_EVENTS and e.replay_id}
    for replay_id in sorted(signalled):
        activity_counts.refresh(conn, replay_id)


def save_cursor(conn: Connection, source_id: int, cursor: str | None, error: str | None, now_ms: int) -> None:
    """Where a source's sync stands; written in the transaction of the data it covers.

    `synced_ms` is the last time data or a clean end of sync was stored; an error leaves it as it was.
    """
    values: dict[str, Any] = {"cursor": cursor, "last_error": error}
    if error is None:
        values["synced_ms"] = now_ms
    stmt = sqlite_insert(sync_state).values(source_id=source_id, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["source_id"], set_=values))


def ensure_source(conn: Connection, name: str, kind: str, now_ms: int) -> int:
    found = conn.execute(select(sources.c.id).where(sources.c.name == name)).scalar()
    if found is not None:
        return int(found)
    inserted = conn.execute(insert(sources).values(name=name, kind=kind, created_ms=now_ms))
    return int(inserted.inserted_primary_key[0])  # type: ignore[index]


def replay_exists(conn: Connection, replay_id: str) -> bool:
    return conn.execute(select(replays.c.id).where(replays.c.id == replay_id)).first() is not None


def _by_replay(batches: Iterable[ReplayBatch]) -> dict[str, list[ReplayBatch]]:
    grouped: dict[str, list[ReplayBatch]] = {}
    for batch in batches:
        grouped.setdefault(batch.replay_id, []).append(batch)
    return grouped


def _store_batches(
    conn: Connection,
    source_id: int,
    replay_id: str,
    group: list[ReplayBatch],
    now_ms: int,
    result: UpdateResult,
    growing: GrowingReplays,
) -> None:
    known = set(
        conn.execute(
            select(replay_batches.c.batch_key).where(replay_batches.c.replay_id == replay_id)
        ).scalars()
    )
    fresh = {b.key: b for b in group if b.key not in known}
    if not fresh:
        result.unchanged.append(replay_id)
        return
    existed = bool(known) or replay_exists(conn, replay_id)
    user_id = next((b.user_id for b in fresh.values() if b.user_id), None)
    added = [event for batch in fresh.values() for event in batch.events]
    if existed:
        try:
            values: dict[str, Any] = {"source_id": source_id, "updated_ms": now_ms}
            if user_id:
                values["user_id"] = user_id
            appended = append_events(conn, growing, replay_id, added, values)
        except RecordingError as exc:
            result.skipped.append((replay_id, str(exc)))
            return
        if appended:
            _record_keys(conn, replay_id, list(fresh), now_ms)
            result.extended.append(replay_id)
            return
    events: list[Event] = list(stored_events(conn, replay_id)) if existed else []
    events.extend(added)
    try:
        encoded, analysis = analysed_replay(prepare_events(events, name=replay_id, still_recording=True))
    except RecordingError as exc:
        result.skipped.append((replay_id, str(exc)))
        return
    write_replay(conn, replay_id, source_id, user_id, encoded, now_ms, replace=existed)
    _record_keys(conn, replay_id, list(fresh), now_ms)
    (result.extended if existed else result.added).append(replay_id)
    stored = stored_state(conn, replay_id)
    if stored is not None:
        growing.keep(replay_id, stored, analysis)


def stored_events(conn: Connection, replay_id: str) -> Iterable[Event]:
    rows = conn.execute(
        select(event_chunks.c.data).where(event_chunks.c.replay_id == replay_id).order_by(event_chunks.c.idx)
    )
    for (data,) in rows:
        yield from decode_chunk(data)


def write_replay(
    conn: Connection,
    replay_id: str,
    source_id: int,
    user_id: str | None,
    encoded: EncodedReplay,
    now_ms: int,
    replace: bool,
) -> None:
    """Write the replay row and its chunks; within the caller's transaction, so never half visible."""
    values = _replay_values(encoded, source_id, now_ms)
    if replace:
        conn.execute(delete(event_chunks).where(event_chunks.c.replay_id == replay_id))
        if user_id:
            values["user_id"] = user_id
        conn.execute(replays.update().where(replays.c.id == replay_id).values(**values))
    else:
        conn.execute(insert(replays).values(id=replay_id, user_id=user_id, **values))
    conn.execute(insert(event_chunks), _chunk_rows(replay_id, encoded))
    if encoded.activity is None or activity_counts.has_sdk_signals(conn, replay_id):
        activity_counts.refresh(conn, replay_id)  # merge the SDK's signals, or compute what was not
    heatmaps.store_encoded(conn, replay_id, encoded)


def _replay_values(encoded: EncodedReplay, source_id: int, now_ms: int) -> dict[str, Any]:
    summary = encoded.summary
    values: dict[str, Any] = {
        "source_id": source_id,
        "start_ms": round(summary.start_ts),
        "end_ms": round(encoded.end_ts),
        "duration_ms": round(summary.duration_ms),
        "active_ms": round(summary.active_ms),
        "event_count": summary.event_count,
        "click_count": summary.click_count,
        "input_count": summary.input_count,
        "error_count": summary.error_count,
        "start_url": summary.start_url,
        "urls": json.dumps(summary.urls),
        "size_bytes": encoded.size_bytes,
        "stored_bytes": encoded.stored_bytes,
        "chunk_count": len(encoded.chunks),
        "updated_ms": now_ms,
    }
    if encoded.activity is not None:
        values |= activity_counts.count_values(encoded.activity, summary.error_count)
    return values


def _chunk_rows(replay_id: str, encoded: EncodedReplay) -> list[dict[str, Any]]:
    return [chunk_row(replay_id, chunk) for chunk in encoded.chunks]


def _record_keys(conn: Connection, replay_id: str, keys: list[str], now_ms: int) -> None:
    rows = [{"replay_id": replay_id, "batch_key": key, "stored_ms": now_ms} for key in keys]
    conn.execute(sqlite_insert(replay_batches).on_conflict_do_nothing(), rows)


def ensure_users(conn: Connection, user_ids: Iterable[str], now_ms: int) -> None:
    """A row for every user a replay or event names, so that search by user id finds them."""
    rows = [{"id": user_id, "properties": "{}", "updated_ms": now_ms} for user_id in sorted(set(user_ids))]
    if rows:
        conn.execute(sqlite_insert(users).on_conflict_do_nothing(index_elements=["id"]), rows)


def apply_profile(conn: Connection, change: ProfileChange, now_ms: int) -> None:
    """`change.delete` starts from an empty profile; the operations apply in the ingest rules' order."""
    row = conn.execute(select(users.c.properties).where(users.c.id == change.user_id)).first()
    stored = {} if change.delete or not row else stored_properties(row[0], change.user_id)
    operations = ProfileUpdate(change.user_id, change.set, change.set_once, change.unset)
    properties = operations.applied_to(stored) or {}
    values = {
        "name": _text(properties.get("$name")),
        "email": _text(properties.get("$email")),
        "properties": json.dumps(properties, sort_keys=True),
        "updated_ms": now_ms,
    }
    if row:
        conn.execute(users.update().where(users.c.id == change.user_id).values(**values))
    else:
        conn.execute(insert(users).values(id=change.user_id, **values))


def stored_properties(text: Any, user_id: str) -> dict[str, Any]:
    """A profile's stored properties; a damaged value (not JSON, not an object) reads as empty and is
    logged, so that one damaged row never stops an import or a sync."""
    try:
        properties = json.loads(text)
    except (TypeError, ValueError):
        properties = None
    if isinstance(properties, dict):
        return properties
    log.warning("user %r: stored properties are damaged (%.60r); they are replaced", user_id, text)
    return {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _insert_events(conn: Connection, update: CacheUpdate) -> int:
    rows = [
        {
            "insert_id": event.insert_id,
            "name": event.name,
            "time_ms": round(event.time_ms),
            "user_id": event.user_id,
            "replay_id": event.replay_id,
            "properties": json.dumps(event.properties, sort_keys=True),
        }
        for event in update.events
    ]
    if not rows:
        return 0
    before = _changes_so_far(conn)
    # The same event arrives twice (a beacon, then the next page's retry): its insert_id is the key.
    conn.execute(sqlite_insert(analytics_events).on_conflict_do_nothing(index_elements=["insert_id"]), rows)
    return _changes_so_far(conn) - before


def _changes_so_far(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT total_changes()").scalar() or 0)
