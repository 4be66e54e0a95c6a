"""Appending a synced batch to a cached replay (issue 11): the time should follow the batch, not the replay.

The 2-hour busy recording without checkouts (bench/make_long_recordings.py) is cut where a sync would
find it: its first 10 minutes, and all of it but the last batches. To each, BATCHES batches of
BATCH_EVENTS events are appended through `ReplayCache.add_batch`, as a sync stores them:

- **cold**: the first append after the cache was opened (its stored events are analysed once, not
  encoded or written again);
- **warm**: the appends after it (the analysis kept in memory goes on);
- **whole** (the reference, measured in the same run): the same appends with the proportional path
  turned off, which encodes and writes the whole replay again, as every append did before.

Goal: a warm append to the 2-hour replay takes about as long as one to the 10-minute replay (ratio ≤ 1.5),
and well under the whole path's.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from bench.make_long_recordings import RECORDINGS, ensure_recordings
from replay_core import read_recording
from replay_core.events import Event, EventType
from viewer.storage import ReplayCache, writes
from viewer.storage.models import ReplayBatch

NAME = "busy-2h-no-checkout"
BATCH_EVENTS = 100
BATCHES = 8
REPLAY = "growing"
GOALS = {"warm_2h_over_warm_10min": 1.5}


def _cut(events: list[Event], index: int) -> int:
    """The nearest place at or after `index` between two timestamps and not after a Meta."""
    while index < len(events) and (
        events[index]["timestamp"] == events[index - 1]["timestamp"] or events[index - 1]["type"] == EventType.META
    ):
        index += 1
    return index


def _appends(events: list[Event], base_end: int, whole_path: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cache.sqlite3"
        with ReplayCache.open(path) as cache:
            cache.add_batch(ReplayBatch(REPLAY, "seq:0", events[:base_end]))
        times = []
        start = base_end
        with ReplayCache.open(path) as cache:  # opened afresh: the first append is a cold one
            for number in range(1, BATCHES + 1):
                end = _cut(events, start + BATCH_EVENTS)
                batch = ReplayBatch(REPLAY, f"seq:{number}", events[start:end])
                began = time.perf_counter()
                if whole_path:
                    with mock.patch.object(writes, "append_events", return_value=False):
                        cache.add_batch(batch)
                else:
                    cache.add_batch(batch)
                times.append((time.perf_counter() - began) * 1000)
                start = end
            row = cache.get_replay(REPLAY)
            assert row is not None and row.event_count == start
    return {"cold_ms": round(times[0], 1), "warm_ms_p50": round(statistics.median(times[1:]), 1), "events": start}


def main() -> dict[str, Any]:
    ensure_recordings(names={NAME})
    events = read_recording(RECORDINGS / f"{NAME}.json").events
    origin = float(events[0]["timestamp"])
    ten_minutes = _cut(events, next(i for i, e in enumerate(events) if e["timestamp"] - origin > 600_000))
    two_hours = _cut(events, len(events) - BATCHES * BATCH_EVENTS * 2)
    figures: dict[str, Any] = {"batch_events": BATCH_EVENTS}
    for label, base in (("10min", ten_minutes), ("2h", two_hours)):
        figures[label] = {"ours": _appends(events, base, whole_path=False)}
        figures[label]["whole"] = _appends(events, base, whole_path=True)
        print(f"  {label} ({base} events stored): {figures[label]}", flush=True)
    ours_2h, ours_10 = figures["2h"]["ours"], figures["10min"]["ours"]
    figures["ratio"] = {
        "warm_2h_over_warm_10min": round(ours_2h["warm_ms_p50"] / ours_10["warm_ms_p50"], 2),
        "warm_2h_over_whole_2h": round(ours_2h["warm_ms_p50"] / figures["2h"]["whole"]["warm_ms_p50"], 3),
        "cold_2h_over_whole_2h": round(ours_2h["cold_ms"] / figures["2h"]["whole"]["warm_ms_p50"], 3),
    }
    figures["goals"] = GOALS
    print(f"  ratios: {figures['ratio']}", flush=True)
    return figures
