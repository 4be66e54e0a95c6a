"""The replays a sync could not download: recorded with a growing delay, cleared when they arrive or go."""

from __future__ import annotations

from pathlib import Path

from tests.storage.helpers import synthetic_events
from viewer.storage import CacheUpdate, ReplayBatch, ReplayCache, RetryBackoff

START_S = 1_790_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START_S

    def __call__(self) -> float:
        return self.now


def sync_update(**parts: object) -> CacheUpdate:
    return CacheUpdate(source="prod", source_kind="sync", retry=RetryBackoff(), **parts)  # type: ignore[arg-type]


def test_each_failure_doubles_the_delay_up_to_a_day(tmp_path: Path) -> None:
    clock = Clock()
    with ReplayCache.open(tmp_path / "c.sqlite3", clock=clock) as cache:
        delays = []
        for attempt in range(1, 14):
            (fault,) = cache.apply(sync_update(failed_replays=[("r1", f"boom {attempt}")])).faults
            assert (fault.attempts, fault.reason) == (attempt, f"boom {attempt}")
            delays.append((fault.next_retry_ms - cache.now_ms()) // 60_000)
            clock.now += 30
        assert delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1440, 1440]
        (kept,) = cache.replay_faults("prod")
        assert kept.first_failed_ms == round(START_S * 1000) and kept.attempts == 13
        assert cache.replay_faults("prod", due_by_ms=kept.next_retry_ms - 1) == []
        assert cache.replay_faults("prod", due_by_ms=kept.next_retry_ms) == [kept]
        assert cache.replay_faults("other") == []
        cache.apply(sync_update(resolved_replays=["r1"]))
        assert cache.replay_faults() == []


def test_events_that_do_not_make_a_replay_are_a_failure_of_a_sync_only(tmp_path: Path) -> None:
    with ReplayCache.open(tmp_path / "c.sqlite3") as cache:
        no_snapshot = synthetic_events(1_790_000_000_000)[2:]  # mouse moves without Meta or FullSnapshot
        batch = ReplayBatch("r2", "seq:0", no_snapshot)
        imported = cache.apply(CacheUpdate(batches=[batch]))
        assert imported.skipped and not imported.faults and cache.replay_faults() == []
        # A sync that downloaded it resolves it, but the batch does not validate: recorded all the same.
        synced = cache.apply(sync_update(batches=[batch], resolved_replays=["r2"], sync_cursor="7"))
        assert [(f.replay_id, f.attempts) for f in synced.faults] == [("r2", 1)]
        assert "FullSnapshot" in synced.faults[0].reason and cache.sync_cursor("prod") == "7"


def test_a_tombstone_clears_the_failure(tmp_path: Path) -> None:
    with ReplayCache.open(tmp_path / "c.sqlite3") as cache:
        cache.apply(sync_update(failed_replays=[("r3", "boom"), ("r4", "bang")]))
        cache.apply(sync_update(deleted_replays=["r3"]))
        assert [f.replay_id for f in cache.replay_faults()] == ["r4"]
