"""ReplayFollower: an open replay grown batch by batch has the figures of the whole replay read at once."""

from __future__ import annotations

from typing import Any

import pytest

from replay_core import read_recording, summarize
from replay_core.following import ReplayFollower
from replay_core.reader import Recording
from replay_core.timeline import activity_timeline
from tests.core.test_timeline import CONSOLE_NETWORK, read_capture
from tests.paths import RRWEB_FIXTURES


def cuts(recording: Recording) -> list[int]:
    """Places to split the events: a third, two thirds, just before the last page load's Meta, the end."""
    events = recording.events
    metas = [i for i, e in enumerate(events) if e["type"] == 4]
    places = {len(events) // 3, 2 * len(events) // 3, metas[-1] if metas[-1] > 0 else 1, len(events) - 1}
    # a batch never ends inside a group of equal timestamps (the follower takes only later events)
    return sorted(p for p in places if 0 < p < len(events) and events[p]["timestamp"] > events[p - 1]["timestamp"])


def grown(recording: Recording, places: list[int], analytics: list[dict[str, Any]]) -> ReplayFollower:
    events = recording.events
    follower = ReplayFollower(Recording(events[: places[0]], recording.name))
    for start, end in zip(places, [*places[1:], len(events)], strict=True):
        follower.activity(analytics)  # asked for on the way, as the app does after each batch
        assert follower.append(events[start:end]) == events[start:end]
    return follower


@pytest.mark.parametrize("path", [*RRWEB_FIXTURES[:6], CONSOLE_NETWORK], ids=lambda p: p.name)
def test_a_replay_grown_in_batches_has_the_summary_timeline_and_outline_of_the_whole(path: Any) -> None:
    if path == CONSOLE_NETWORK:
        recording, analytics = read_capture(path)
    else:
        recording, analytics = read_recording(path), []
    follower = grown(recording, cuts(recording), analytics)
    assert follower.summary() == summarize(recording)
    assert follower.activity(analytics) == activity_timeline(recording.events, analytics)
    assert follower.outline == recording.outline()


def test_events_earlier_than_those_it_has_wait_for_the_next_opening() -> None:
    recording, analytics = read_capture(CONSOLE_NETWORK)
    events = recording.events
    half = len(events) // 2
    follower = ReplayFollower(Recording(events[:half], recording.name))
    late = dict(events[half - 1], timestamp=events[half - 2]["timestamp"])
    assert follower.append([late, *events[half:]]) == events[half:]
    assert follower.summary() == summarize(recording)
    assert follower.append(events[half:]) == []  # a batch seen already adds nothing
    assert follower.summary().event_count == len(events)
