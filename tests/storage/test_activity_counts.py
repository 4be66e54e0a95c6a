"""Frustration figures in the cache: stored at import and sync, `has:` filters, "Most frustrated", backfill."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from replay_core.reader import prepare_events
from replay_core.timeline import activity_timeline, counts_of
from tests.paths import MIXPANEL_CAPTURES
from viewer.storage import (
    AnalyticsEvent,
    CacheUpdate,
    ReplayBatch,
    ReplayCache,
    ReplayMetadata,
    ReplayQuery,
    ReplaySort,
)
from viewer.storage.importer import import_path
from viewer.storage.search import parse_search

T0 = 1_795_000_000_000
PAGE = {
    "type": 0,
    "id": 1,
    "childNodes": [{"type": 2, "id": 2, "tagName": "button", "attributes": {"id": "go"}, "childNodes": []}],
}


def recording(start: int, *events: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"type": 4, "timestamp": start, "data": {"href": "https://shop.example/", "width": 800, "height": 600}},
        {"type": 2, "timestamp": start + 1, "data": {"node": PAGE, "initialOffset": {"top": 0, "left": 0}}},
        *({"type": e.pop("kind", 3), "timestamp": start + e.pop("at"), "data": e} for e in events),
        {"type": 3, "timestamp": start + 20_000, "data": {"source": 1, "positions": []}},
    ]


def click(at: int) -> dict[str, Any]:
    return {"at": at, "source": 2, "type": 2, "id": 2, "x": 10, "y": 10}


def answer(at: int) -> dict[str, Any]:
    node = {"type": 2, "id": 100 + at, "tagName": "p", "attributes": {}, "childNodes": []}
    return {"at": at, "source": 0, "adds": [{"parentId": 1, "nextId": None, "node": node}], "removes": [],
            "texts": [], "attributes": []}  # fmt: skip


def console_error(at: int) -> dict[str, Any]:
    return {"at": at, "kind": 6, "plugin": "rrweb/console@1", "payload": {"level": "error", "payload": ['"x"']}}


def request(at: int, status: int) -> dict[str, Any]:
    call = {"url": "https://shop.example/api", "method": "GET", "status": status, "startTime": 0, "endTime": 5}
    return {"at": at, "kind": 6, "plugin": "rrweb/network@1.mp", "payload": {"requests": [call]}}


# Each replay's events by what they hold; every click but the dead one gets an answer.
REPLAYS = {
    "rage": lambda s: recording(s, *(click(1000 + i * 100) for i in range(5)), answer(1600)),
    "dead": lambda s: recording(s, click(1000), answer(5000)),
    "error": lambda s: recording(s, click(1000), answer(1100), console_error(3000)),
    "failed": lambda s: recording(s, click(1000), request(1100, 503)),
    "calm": lambda s: recording(s, click(1000), answer(1050)),
    "everything": lambda s: recording(
        s, *(click(1000 + i * 100) for i in range(4)), click(6000), console_error(8000), request(9000, 404),
    ),
}  # fmt: skip


@pytest.fixture
def cache(tmp_path: Path) -> ReplayCache:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3")
    batches = [
        ReplayBatch(name, "seq:0", make(T0 + n * 60_000), user_id="user-1" if n % 2 else "user-2")
        for n, (name, make) in enumerate(REPLAYS.items())
    ]
    cache.apply(CacheUpdate(source="prod", source_kind="sync", batches=batches))
    return cache


def found(cache: ReplayCache, search: str, sort: ReplaySort = ReplaySort.RECENT) -> list[str]:
    return [r.id for r in cache.all_replays(ReplayQuery(search=search, sort=sort, limit=2))]


def test_has_filters_find_the_replays_with_that_signal(cache: ReplayCache) -> None:
    assert sorted(found(cache, "has:rage")) == ["everything", "rage"]
    assert sorted(found(cache, "has:dead")) == ["dead", "everything"]
    assert sorted(found(cache, "has:error")) == ["error", "everything"]
    assert sorted(found(cache, "has:failed-request")) == ["everything", "failed"]
    assert found(cache, "has:rage has:failed-request") == ["everything"]
    assert found(cache, "HAS:Dead") == found(cache, "has:dead")
    row = cache.get_replay("everything")
    assert row is not None and (row.rage_count, row.dead_count, row.error_count, row.failed_request_count) == (
        1, 1, 1, 1,
    )  # fmt: skip


def test_has_filters_combine_with_words_and_unknown_ones_are_words() -> None:
    terms = parse_search("jane has:rage has:nothing has:rage")
    assert terms.has == ["rage"] and terms.words == ["jane", "has:nothing"]


def test_most_frustrated_sorts_by_the_score_and_pages_without_shifting(cache: ReplayCache) -> None:
    ordered = found(cache, "", ReplaySort.FRUSTRATION)
    rows = {r.id: r for r in cache.all_replays()}
    scores = [rows[i].frustration for i in ordered]
    assert ordered[0] == "everything" and ordered[-1] == "calm"
    assert scores == sorted(scores, reverse=True) and rows["calm"].frustration == 0
    assert sorted(ordered) == sorted(REPLAYS)  # paged two at a time: every replay once
    assert cache.replay_ids(ReplayQuery(sort=ReplaySort.FRUSTRATION)) == ordered


def test_an_imported_capture_stores_the_figures_its_timeline_shows(tmp_path: Path) -> None:
    capture = next(p for p in MIXPANEL_CAPTURES if p.name.endswith("console-network"))
    with ReplayCache.open(tmp_path / "cache.sqlite3") as cache:
        outcome = import_path(cache, capture)
        assert not outcome.problems
        (replay_id,) = outcome.result.added
        events = cache.events(replay_id)
        expected = counts_of(activity_timeline(events, cache.replay_analytics(replay_id)))
        row = cache.get_replay(replay_id)
        assert row is not None
        assert (row.error_count, row.dead_count, row.rage_count, row.failed_request_count) == (
            expected.errors, expected.dead, expected.rage, expected.failed_requests,
        )  # fmt: skip
        assert row.error_count == 1 and row.dead_count > 0
        assert found(cache, "has:error") == [replay_id] and found(cache, "has:failed-request") == []
        assert cache.activity_backlog() == 0


def test_the_sdks_own_rage_click_counts_once_whenever_it_arrives(cache: ReplayCache) -> None:
    start = cache.get_replay("calm")
    assert start is not None and start.rage_count == 0
    signal = AnalyticsEvent("sdk-rage-1", "$mp_rage_click", start.start_ms + 9000, "user-1", "calm", {})
    cache.apply(CacheUpdate(source="prod", source_kind="sync", events=[signal]))
    assert "calm" in found(cache, "has:rage")
    # Reported again for the replay whose rage click was detected: still one.
    rage = cache.get_replay("rage")
    assert rage is not None
    again = AnalyticsEvent("sdk-rage-2", "$mp_rage_click", rage.start_ms + 1200, "user-1", "rage", {})
    cache.apply(CacheUpdate(source="prod", source_kind="sync", events=[again]))
    after = cache.get_replay("rage")
    assert after is not None and after.rage_count == 1


def test_replays_cached_before_the_figures_are_backfilled_in_batches(cache: ReplayCache) -> None:
    with cache.writing() as conn:  # as migration 0004 leaves an older cache
        conn.exec_driver_sql(
            "UPDATE replays SET rage_count = 0, dead_count = 0, failed_request_count = 0, frustration = 0,"
            " activity_version = NULL"
        )
    assert found(cache, "has:rage") == [] and cache.activity_backlog() == len(REPLAYS)
    done = []
    while batch := cache.backfill_activity(limit=4):
        done.append(batch)
    assert done == [4, len(REPLAYS) - 4] and cache.activity_backlog() == 0
    assert sorted(found(cache, "has:rage")) == ["everything", "rage"]
    assert found(cache, "", ReplaySort.FRUSTRATION)[0] == "everything"


def test_a_replay_kept_without_events_ranks_by_its_errors_and_needs_no_backfill(cache: ReplayCache) -> None:
    meta = ReplayMetadata("remote", "user-9", T0, T0 + 5000, 4000, 30, 2, 1, 3, "https://shop.example/")
    cache.apply(CacheUpdate(source="prod", source_kind="sync", replay_metadata=[meta]))
    row = cache.get_replay("remote")
    assert row is not None and row.frustration == 3 and row.rage_count == 0
    assert "remote" in found(cache, "has:error") and cache.activity_backlog() == 0


def test_figures_follow_a_replay_that_grows_by_later_batches(cache: ReplayCache) -> None:
    start = cache.get_replay("calm")
    assert start is not None
    later = [{"type": 3, "timestamp": start.start_ms + 30_000 + i * 50,
              "data": {"source": 2, "type": 2, "id": 2, "x": 10, "y": 10}} for i in range(5)]  # fmt: skip
    cache.apply(CacheUpdate(source="prod", source_kind="sync", batches=[ReplayBatch("calm", "seq:1", later)]))
    row = cache.get_replay("calm")
    events = prepare_events(cache.events("calm")).events
    assert row is not None and row.rage_count == counts_of(activity_timeline(events)).rage == 1


def test_a_damaged_replay_does_not_stop_the_backfill(cache: ReplayCache) -> None:
    with cache.writing() as conn:
        conn.exec_driver_sql("UPDATE event_chunks SET data = x'00ff' WHERE replay_id = 'rage'")
        conn.exec_driver_sql("UPDATE replays SET rage_count = 0, dead_count = 0, activity_version = NULL")
    assert cache.backfill_activity() == len(REPLAYS) and cache.backfill_activity() == 0
    assert found(cache, "has:rage") == ["everything"]  # the damaged one keeps its unknown figures
    assert sorted(found(cache, "has:dead")) == ["dead", "everything"]
