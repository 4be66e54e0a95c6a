"""Charts from the analytics events: counts per event over time, and funnel conversion."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, time, timedelta, tzinfo
from itertools import groupby

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from viewer.storage.models import EventCount, EventMoment, FunnelStep
from viewer.storage.schema import analytics_events, replays
from viewer.storage.zones import local_zone

BUCKETS_MS = {"hour": 3_600_000, "day": 86_400_000}  # nominal sizes; a local day may have 23 or 25 hours
# SQLite knows no time zones: it counts per quarter hour (UTC), and Python folds those into local hours
# and days. Every UTC offset in use since the 1980s, and every DST change, falls on a quarter hour.
SLOT_MS = 900_000


def event_counts(
    conn: Connection,
    names: Sequence[str] | None = None,
    bucket: str = "day",
    since_ms: int | None = None,
    until_ms: int | None = None,
    tz: tzinfo | None = None,
) -> list[EventCount]:
    """How many times each event happened per local hour or day in `tz` (the system's zone by default)."""
    zone = tz or local_zone()
    slot = (analytics_events.c.time_ms // SLOT_MS).label("slot")
    stmt = select(analytics_events.c.name, slot, func.count().label("n"))
    if names is not None:
        stmt = stmt.where(analytics_events.c.name.in_(list(names)))
    if since_ms is not None:
        stmt = stmt.where(analytics_events.c.time_ms >= since_ms)
    if until_ms is not None:
        stmt = stmt.where(analytics_events.c.time_ms < until_ms)
    stmt = stmt.group_by(analytics_events.c.name, text("slot"))
    counts: Counter[tuple[str, int]] = Counter()
    starts: dict[int, int] = {}  # slot → its bucket's start, worked out once for all names
    for row in conn.execute(stmt):
        if row.slot not in starts:
            starts[row.slot] = bucket_start(int(row.slot) * SLOT_MS, bucket, zone)
        counts[(row.name, starts[row.slot])] += int(row.n)
    return [EventCount(name=name, bucket_ms=at, count=n) for (name, at), n in sorted(counts.items())]


def bucket_start(at_ms: int, bucket: str, zone: tzinfo) -> int:
    """The start (epoch ms) of the local hour or day in `zone` that the moment `at_ms` falls in."""
    local = datetime.fromtimestamp(at_ms / 1000, zone)
    if bucket == "day":
        start = datetime.combine(local.date(), time(), tzinfo=zone)  # the first midnight, if it repeats
    elif bucket == "hour":
        start = local.replace(minute=0, second=0, microsecond=0)  # keeps `fold`: a repeated hour stays apart
    else:
        raise ValueError(f"unknown bucket {bucket!r}")
    return round(start.timestamp() * 1000)


def next_bucket_start(start_ms: int, bucket: str, zone: tzinfo) -> int:
    """Where the bucket starting at `start_ms` ends: 23 or 25 hours on for the day of a DST change."""
    if bucket == "day":
        day = datetime.fromtimestamp(start_ms / 1000, zone).date() + timedelta(days=1)
        return round(datetime.combine(day, time(), tzinfo=zone).timestamp() * 1000)
    at = start_ms + SLOT_MS
    while bucket_start(at, bucket, zone) == start_ms:  # an hour cut short by a half-hour change ends early
        at += SLOT_MS
    return at


def bucket_starts(first_ms: int, last_ms: int, bucket: str, zone: tzinfo) -> list[int]:
    """The start of every local hour or day from the one holding `first_ms` to the one holding `last_ms`."""
    starts = [bucket_start(first_ms, bucket, zone)]
    while (following := next_bucket_start(starts[-1], bucket, zone)) <= last_ms:
        starts.append(following)
    return starts


def funnel(
    conn: Connection,
    steps: Sequence[str],
    window_ms: int,
    since_ms: int | None = None,
    until_ms: int | None = None,
) -> list[FunnelStep]:
    """Users reaching each step in order, each step within `window_ms` of the user's first step."""
    if not steps:
        return []
    stmt = select(analytics_events.c.user_id, analytics_events.c.name, analytics_events.c.time_ms).where(
        analytics_events.c.name.in_(set(steps)), analytics_events.c.user_id.is_not(None)
    )
    if since_ms is not None:
        stmt = stmt.where(analytics_events.c.time_ms >= since_ms)
    if until_ms is not None:
        stmt = stmt.where(analytics_events.c.time_ms < until_ms)
    stmt = stmt.order_by(analytics_events.c.user_id, analytics_events.c.time_ms, analytics_events.c.id)
    reached = [0] * len(steps)
    for _, rows in groupby(conn.execute(stmt), key=lambda r: r.user_id):
        depth = furthest_step([(r.name, int(r.time_ms)) for r in rows], steps, window_ms)
        for index in range(depth):
            reached[index] += 1
    first = reached[0]
    return [
        FunnelStep(name=name, users=count, conversion=(count / first) if first else 0.0)
        for name, count in zip(steps, reached, strict=True)
    ]


def furthest_step(events: Sequence[tuple[str, int]], steps: Sequence[str], window_ms: int) -> int:
    """How many steps one user completed in order, trying every time they did the first step."""
    best = 0
    for start, (name, began) in enumerate(events):
        if name != steps[0]:
            continue
        depth = 1
        for later_name, at in events[start + 1 :]:
            if depth == len(steps) or at - began > window_ms:
                break
            if later_name == steps[depth]:
                depth += 1
        best = max(best, depth)
        if best == len(steps):
            break
    return best


def event_names(conn: Connection) -> list[tuple[str, int]]:
    """Every analytics event name with how often it happened, most frequent first."""
    stmt = (
        select(analytics_events.c.name, func.count().label("n"))
        .group_by(analytics_events.c.name)
        .order_by(text("n DESC"), analytics_events.c.name)
    )
    return [(r.name, int(r.n)) for r in conn.execute(stmt)]


def event_moments(conn: Connection, name: str, since_ms: int, until_ms: int) -> list[EventMoment]:
    """Each time `name` happened in [since, until) inside a replay that is in the cache, in time order."""
    stmt = (
        select(analytics_events.c.replay_id, analytics_events.c.time_ms, analytics_events.c.user_id)
        .join(replays, replays.c.id == analytics_events.c.replay_id)
        .where(
            analytics_events.c.name == name,
            analytics_events.c.time_ms >= since_ms,
            analytics_events.c.time_ms < until_ms,
        )
        .order_by(analytics_events.c.time_ms, analytics_events.c.id)
    )
    return [EventMoment(r.replay_id, int(r.time_ms), r.user_id) for r in conn.execute(stmt)]


def funnel_users(
    conn: Connection, steps: Sequence[str], window_ms: int, step: int, reached: bool, **period: int | None
) -> list[str]:
    """Users who reached step `step` (0-based) in order, or who reached the one before and stopped there."""
    stmt = select(analytics_events.c.user_id, analytics_events.c.name, analytics_events.c.time_ms).where(
        analytics_events.c.name.in_(set(steps)), analytics_events.c.user_id.is_not(None)
    )
    if period.get("since_ms") is not None:
        stmt = stmt.where(analytics_events.c.time_ms >= period["since_ms"])
    if period.get("until_ms") is not None:
        stmt = stmt.where(analytics_events.c.time_ms < period["until_ms"])
    stmt = stmt.order_by(analytics_events.c.user_id, analytics_events.c.time_ms, analytics_events.c.id)
    found: list[str] = []
    for user_id, rows in groupby(conn.execute(stmt), key=lambda r: r.user_id):
        depth = furthest_step([(r.name, int(r.time_ms)) for r in rows], steps, window_ms)
        if (reached and depth > step) or (not reached and depth == step):
            found.append(user_id)
    return found
