"""Removing data: a user's deletion, and the retention job that purges replays and events past their age."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, select

from replay_api.analytics import EVENT, USER, delete_profile
from replay_api.assets import forget_replays
from replay_api.collab import delete_replay_comments
from replay_api.config import DAY_SECONDS
from replay_api.db import Database, Writer
from replay_api.replays import REPLAY
from replay_api.schema import events, replay_batches, replays

# Retention deletes in slices so that ingest never waits long behind one huge transaction.
_SLICE = 500
# The job several workers take turns at (Database.turn).
RETENTION = "retention"
_Remover = Callable[[Writer, int, list[tuple[int, str]]], None]


@dataclass(frozen=True)
class Removed:
    replays: int = 0
    events: int = 0
    user: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"replays": self.replays, "events": self.events, "user": self.user}


def delete_user(writer: Writer, project_id: int, distinct_id: str) -> Removed:
    """Delete a user's profile, replays (with their comments) and analytics events, leaving a tombstone for
    each in the feed."""
    mine_r = (replays.c.project_id == project_id) & (
        (replays.c.distinct_id == distinct_id) | (replays.c.user_id == distinct_id)
    )
    mine_e = (events.c.project_id == project_id) & (
        (events.c.distinct_id == distinct_id) | (events.c.user_id == distinct_id)
    )
    replay_rows = writer.conn.execute(select(replays.c.id, replays.c.replay_id).where(mine_r)).all()
    _delete_replays(writer, project_id, [(int(r.id), str(r.replay_id)) for r in replay_rows])
    event_rows = writer.conn.execute(select(events.c.id, events.c.insert_id).where(mine_e)).all()
    _delete_events(writer, project_id, [(int(r.id), str(r.insert_id)) for r in event_rows])
    had_profile = delete_profile(writer, project_id, distinct_id)
    if not had_profile:
        # Caches may know the user from replays alone: the tombstone tells them to forget it too.
        writer.record_change(project_id, USER, distinct_id, None)
    return Removed(len(replay_rows), len(event_rows), had_profile)


def _delete_replays(writer: Writer, project_id: int, rows: list[tuple[int, str]]) -> None:
    if not rows:
        return
    pks = [pk for pk, _ in rows]
    delete_replay_comments(writer, project_id, [replay_id for _, replay_id in rows])
    forget_replays(writer, project_id, [replay_id for _, replay_id in rows])
    writer.conn.execute(delete(replay_batches).where(replay_batches.c.replay_pk.in_(pks)))
    writer.conn.execute(delete(replays).where(replays.c.id.in_(pks)))
    for _, replay_id in rows:
        writer.record_change(project_id, REPLAY, replay_id, None)


def _delete_events(writer: Writer, project_id: int, rows: list[tuple[int, str]]) -> None:
    if not rows:
        return
    writer.conn.execute(delete(events).where(events.c.id.in_([pk for pk, _ in rows])))
    for _, insert_id in rows:
        writer.record_change(project_id, EVENT, insert_id, None)


def purge_expired(db: Database, now_ms: int, retention_days: float) -> Removed:
    """Delete replays first received, and events received, more than `retention_days` before `now_ms`.

    Waits while another worker purges the same database.
    """
    with db.turn(RETENTION, wait=True):
        return _purge_all(db, now_ms, retention_days)


def purge_expired_unless_running(db: Database, now_ms: int, retention_days: float) -> Removed | None:
    """`purge_expired`, or None at once when another worker is purging (the periodic job of each worker)."""
    with db.turn(RETENTION, wait=False) as mine:
        return _purge_all(db, now_ms, retention_days) if mine else None


def _purge_all(db: Database, now_ms: int, retention_days: float) -> Removed:
    cutoff = now_ms - int(retention_days * DAY_SECONDS * 1000)
    old_replays = select(replays.c.id, replays.c.project_id, replays.c.replay_id.label("key")).where(
        replays.c.created_at < cutoff
    )
    old_events = select(events.c.id, events.c.project_id, events.c.insert_id.label("key")).where(
        events.c.received_at < cutoff
    )
    return Removed(
        replays=_purge(db, now_ms, old_replays, _delete_replays),
        events=_purge(db, now_ms, old_events, _delete_events),
    )


def _purge(db: Database, now_ms: int, query: Select[Any], remove: _Remover) -> int:
    total = 0
    while True:
        with db.write(now_ms) as writer:
            found = writer.conn.execute(query.limit(_SLICE)).all()
            for row in found:
                remove(writer, int(row.project_id), [(int(row.id), str(row.key))])
        total += len(found)
        if len(found) < _SLICE:
            return total
