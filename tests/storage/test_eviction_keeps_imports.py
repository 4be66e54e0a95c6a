"""The disk budget only ever drops events a server can serve again: never those of an imported file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.storage.helpers import synthetic_events
from viewer.storage import CacheUpdate, ReplayBatch, ReplayCache

START_MS = 1_700_000_000_000


def fill(cache: ReplayCache) -> None:
    # The imported and demo replays are the oldest: an eviction by age alone would take them first.
    cache.add_batch(ReplayBatch("imported", "file", synthetic_events(START_MS, moves=50)))
    demo = [ReplayBatch("demo", "file", synthetic_events(START_MS + 1000, moves=50))]
    cache.apply(CacheUpdate(source="demo", source_kind="demo", batches=demo))
    for n in range(3):
        synced = [ReplayBatch(f"synced-{n}", "seq:0", synthetic_events(START_MS + 10_000 * (n + 1), moves=50))]
        cache.apply(CacheUpdate(source="prod", source_kind="sync", batches=synced))


@pytest.mark.parametrize("budget", [0, 1, 10])
def test_a_tiny_budget_evicts_every_synced_replay_and_no_imported_one(tmp_path: Path, budget: int) -> None:
    with ReplayCache.open(tmp_path / "cache.sqlite3") as cache:
        fill(cache)
        imported = cache.events("imported")
        evicted = cache.evict_oldest(budget)
        assert sorted(evicted) == ["synced-0", "synced-1", "synced-2"]
        assert cache.has_events("imported") and cache.has_events("demo")
        assert cache.events("imported") == imported
        assert cache.events_stored_bytes() == 0
        assert cache.evict_oldest(budget) == []


def test_the_budget_counts_only_synced_events(tmp_path: Path) -> None:
    with ReplayCache.open(tmp_path / "cache.sqlite3") as cache:
        fill(cache)
        synced = cache.events_stored_bytes()
        one = synced // 3
        # Room for the synced replays alone: the imported ones' bytes do not push any of them out.
        assert cache.evict_oldest(synced) == []
        assert cache.evict_oldest(synced - one // 2) == ["synced-0"]
        assert cache.oldest_start_with_events() == START_MS + 20_000


def test_a_bool_budget_is_refused_rather_than_read_as_one_byte(tmp_path: Path) -> None:
    with ReplayCache.open(tmp_path / "cache.sqlite3") as cache:
        fill(cache)
        with pytest.raises(TypeError):
            cache.evict_oldest(True)
        assert all(cache.has_events(f"synced-{n}") for n in range(3))
