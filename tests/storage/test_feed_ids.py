"""The feed's id list is the same replays in the same order as its pages; rows come back by id."""

from __future__ import annotations

from pathlib import Path

from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES
from viewer.storage import ReplayCache, ReplayQuery, ReplaySort
from viewer.storage.importer import import_paths


def test_ids_match_the_pages_for_every_sort_and_search(tmp_path: Path) -> None:
    cache = ReplayCache.open(tmp_path / "c.sqlite3")
    list(import_paths(cache, [*RRWEB_FIXTURES, *MIXPANEL_CAPTURES]))
    for query in (
        ReplayQuery(),
        ReplayQuery(sort=ReplaySort.DURATION),
        ReplayQuery(sort=ReplaySort.ACTIVITY),
        ReplayQuery(search="user-123"),
        ReplayQuery(event_name="Add To Cart"),
    ):
        ids = cache.replay_ids(query)
        assert ids == [row.id for row in cache.all_replays(query)]
    every = cache.replay_ids()
    picked = [every[3], every[0], "no-such-replay", every[5]]
    assert [row.id for row in cache.rows_by_id(picked)] == [every[3], every[0], every[5]]
    cache.close()
