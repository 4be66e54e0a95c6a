"""Adding and extending replays batch by batch, and streaming their events back in chunks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from replay_core import read_recording, summarize
from tests.paths import RRWEB_FIXTURES
from tests.storage.helpers import synthetic_events
from viewer.storage import ReplayBatch, ReplayCache
from viewer.storage.chunks import CHUNK_TARGET_BYTES

START = 1_790_000_000_000


@pytest.fixture
def cache(tmp_path: Path) -> ReplayCache:
    return ReplayCache.open(tmp_path / "cache.sqlite3")


def test_the_same_batch_twice_is_stored_once(cache: ReplayCache) -> None:
    batch = ReplayBatch("r1", "seq:0", synthetic_events(START, moves=5), user_id="u1")
    first = cache.add_batch(batch)
    counts = cache.row_counts()
    second = cache.add_batch(batch)
    assert first.added == ["r1"] and second.unchanged == ["r1"]
    assert cache.row_counts() == counts
    assert cache.get_replay("r1").event_count == 7  # type: ignore[union-attr]


def test_a_later_batch_extends_the_replay_and_events_come_back_in_time_order(cache: ReplayCache) -> None:
    events = synthetic_events(START, moves=40)
    head, tail = events[:20], events[20:]
    # Events a previous page did not upload arrive in a later batch, after newer ones.
    late, early = tail[:10], tail[10:]
    cache.add_batch(ReplayBatch("r1", "seq:0", head, user_id="u1"))
    cache.add_batch(ReplayBatch("r1", "seq:1", early))
    result = cache.add_batch(ReplayBatch("r1", "seq:2", late))
    assert result.extended == ["r1"]
    stored = cache.events("r1")
    assert stored == events
    row = cache.get_replay("r1")
    assert row is not None
    assert (row.event_count, row.duration_ms, row.user_id) == (
        len(events),
        events[-1]["timestamp"] - START,
        "u1",
    )


def test_a_replay_is_summarised_by_the_recording_summary(cache: ReplayCache) -> None:
    path = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)
    recording = read_recording(path)
    cache.add_batch(ReplayBatch("vue", "file", recording.events))
    summary = summarize(recording)
    row = cache.get_replay("vue")
    assert row is not None
    assert row.duration_ms == round(summary.duration_ms)
    assert row.active_ms == round(summary.active_ms) < row.duration_ms  # the recording has a 40 s idle gap
    assert (row.click_count, row.input_count, row.error_count) == (
        summary.click_count,
        summary.input_count,
        summary.error_count,
    )
    assert row.urls == summary.urls and row.start_url == summary.start_url


def test_a_long_replay_streams_in_several_compressed_chunks(cache: ReplayCache) -> None:
    path = max(RRWEB_FIXTURES, key=lambda p: p.stat().st_size)
    recording = read_recording(path)
    cache.add_batch(ReplayBatch("long", "file", recording.events))
    chunks = list(cache.iter_event_chunks("long"))
    assert len(chunks) >= path.stat().st_size // CHUNK_TARGET_BYTES
    assert [e for chunk in chunks for e in chunk] == recording.events
    row = cache.get_replay("long")
    assert row is not None and row.stored_bytes < row.size_bytes * 0.15


def test_a_first_batch_without_a_full_snapshot_is_skipped_with_a_reason(cache: ReplayCache) -> None:
    events = synthetic_events(START, moves=5)[2:]
    result = cache.add_batch(ReplayBatch("r1", "seq:1", events))
    assert result.skipped and "FullSnapshot" in result.skipped[0][1]
    assert cache.get_replay("r1") is None and cache.row_counts()["event_chunks"] == 0


def test_batches_in_any_order_give_the_same_replay(tmp_path: Path) -> None:
    events = synthetic_events(START, moves=30)
    batches = [ReplayBatch("r", f"seq:{n}", events[n * 8 : (n + 1) * 8]) for n in range(4)]
    first = ReplayCache.open(tmp_path / "a.sqlite3")
    for batch in batches:
        first.add_batch(batch)
    second = ReplayCache.open(tmp_path / "b.sqlite3")
    shuffled = batches[:1] + random.Random(3).sample(batches[1:], 3)
    for batch in shuffled + shuffled:
        second.add_batch(batch)
    assert first.events("r") == second.events("r") == events
