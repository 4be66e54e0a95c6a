"""What Reports lists under its charts, read on the cache thread: a bucket's replays with their moments,
a funnel step's users with their latest replay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from viewer.storage import EventMoment, ReplayCache, ReplayQuery
from viewer.ui.feed_model import absolute_time, display_name


@dataclass(frozen=True)
class ReplayMoments:
    """One replay of a chart's bucket and the times (epoch ms, in order) the event happened in it."""

    replay_id: str
    who: str
    times_ms: list[int]


def replay_moments(cache: ReplayCache, moments: list[EventMoment]) -> list[ReplayMoments]:
    """The moments grouped by replay, replays in the order of their first moment."""
    times: dict[str, list[int]] = {}
    for moment in moments:
        times.setdefault(moment.replay_id, []).append(moment.time_ms)
    found = []
    for replay_id, at in times.items():
        row = cache.get_replay(replay_id)
        if row is not None:
            found.append(ReplayMoments(replay_id, display_name(row), at))
    return found


def moment_times(times_ms: list[int]) -> str:
    """'Tue 24 Nov 2026, 14:02:11' or, for several, '…14:02:11, then 14:05:03, 14:09:10'."""
    first = absolute_time(times_ms[0])
    rest = [datetime.fromtimestamp(at / 1000).strftime("%H:%M:%S") for at in times_ms[1:]]
    return f"{first}, then {', '.join(rest)}" if rest else first


def count_of(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def step_users(
    cache: ReplayCache, steps: list[str], window: int, index: int, period: dict[str, int | None]
) -> list[tuple[str, str, str, float]]:
    groups = [("Reached", True)] + ([("Dropped before it", False)] if index > 0 else [])
    found = []
    for group, reached in groups:
        for user_id in cache.funnel_users(steps, window, index, reached, **period):
            rows = cache.list_replays(ReplayQuery(user_id=user_id, limit=1)).rows
            if rows:
                found.append((group, display_name(rows[0]), rows[0].id, float(rows[0].start_ms)))
    return found
