"""Importing with worker processes stores exactly what importing in one process does."""

from __future__ import annotations

from pathlib import Path

from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES
from viewer.storage import ReplayCache
from viewer.storage.importer import import_paths


def test_workers_store_the_same_replays_in_the_same_order_of_outcomes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    paths = [*RRWEB_FIXTURES[:4], bad, MIXPANEL_CAPTURES[0], *RRWEB_FIXTURES[4:]]
    results = []
    for workers in (1, 2):
        with ReplayCache.open(tmp_path / f"cache-{workers}.sqlite3") as cache:
            outcomes = list(import_paths(cache, paths, workers=workers))
            rows = [(r.id, r.duration_ms, r.event_count, r.active_ms) for r in cache.all_replays()]
            events = {r.id: cache.events(r.id) for r in cache.all_replays()}
        results.append(([(o.name, o.failed, o.event_count) for o in outcomes], rows, events))
    assert results[0] == results[1]
    assert results[0][0][4][1] is True  # the bad file is reported in its place
