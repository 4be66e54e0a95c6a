"""Removing data: a user and everything of theirs, and replays past the retention period."""

from __future__ import annotations

from sqlalchemy import delete, or_, select
from sqlalchemy.engine import Connection

from viewer.storage.models import Removal
from viewer.storage.schema import analytics_events, replays, users

DEFAULT_RETENTION_DAYS = 30
DAY_MS = 86_400_000


def delete_user(conn: Connection, user_id: str) -> Removal:
    """Delete the profile, replays (their chunks go by cascade) and analytics events of `user_id`."""
    their_replays = select(replays.c.id).where(replays.c.user_id == user_id)
    events = conn.execute(
        delete(analytics_events).where(
            or_(analytics_events.c.user_id == user_id, analytics_events.c.replay_id.in_(their_replays))
        )
    ).rowcount
    removed = conn.execute(delete(replays).where(replays.c.user_id == user_id)).rowcount
    people = conn.execute(delete(users).where(users.c.id == user_id)).rowcount
    return Removal(replays=removed, analytics_events=events, users=people)


def purge_expired(conn: Connection, now_ms: int, retention_days: float = DEFAULT_RETENTION_DAYS) -> Removal:
    """Delete replays that started before the retention period, their chunks and their events."""
    cutoff = now_ms - round(retention_days * DAY_MS)
    old_replays = select(replays.c.id).where(replays.c.start_ms < cutoff)
    events = conn.execute(
        delete(analytics_events).where(
            or_(analytics_events.c.time_ms < cutoff, analytics_events.c.replay_id.in_(old_replays))
        )
    ).rowcount
    removed = conn.execute(delete(replays).where(replays.c.start_ms < cutoff)).rowcount
    return Removal(replays=removed, analytics_events=events)


def delete_replays(conn: Connection, replay_ids: list[str]) -> int:
    """Delete replays by id (their chunks and batch keys go by cascade); their analytics events stay."""
    if not replay_ids:
        return 0
    return int(conn.execute(delete(replays).where(replays.c.id.in_(replay_ids))).rowcount)


def delete_events(conn: Connection, insert_ids: list[str]) -> int:
    if not insert_ids:
        return 0
    return int(
        conn.execute(delete(analytics_events).where(analytics_events.c.insert_id.in_(insert_ids))).rowcount
    )


def apply_tombstones(
    conn: Connection, replay_ids: list[str], user_ids: list[str], insert_ids: list[str]
) -> Removal:
    """Deletions a server reported: users first (with everything of theirs), then replays and events."""
    gone = [delete_user(conn, user_id) for user_id in user_ids]
    return Removal(
        replays=sum(r.replays for r in gone) + delete_replays(conn, replay_ids),
        analytics_events=sum(r.analytics_events for r in gone) + delete_events(conn, insert_ids),
        users=sum(r.users for r in gone),
    )
