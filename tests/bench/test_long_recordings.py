"""The long-recording script, run for a few minutes of page time: a valid recording that matches its script."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.check_recording import check_idle_gap, checkpoints
from bench.make_long_recordings import Plan, record, timeline_of
from replay_core import EventType, read_recording

pytestmark = pytest.mark.e2e


def test_a_short_recording_is_valid_and_holds_its_idle_gap(tmp_path: Path) -> None:
    path = record(Plan("short", minutes=2, idle_at_minute=0.5, idle_minutes=1, seed=1), tmp_path)

    recording = read_recording(path)
    timeline = timeline_of(path)

    assert recording.warnings == []
    assert recording.duration_ms >= 2 * 60_000  # fake time: two minutes pass in seconds
    assert [e["type"] for e in recording.events[:2]] == [EventType.META, EventType.FULL_SNAPSHOT]
    check_idle_gap(recording, timeline)
    assert checkpoints(timeline)[0]["expect"].startswith("Order 1 for ")
