"""Heatmaps in the cache: written at import and sync, queried per page, removed with replays, backfilled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from replay_core import read_recording
from replay_core.heatmap import Viewport, page_visits
from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES
from tests.storage.test_migrations import _cache_at_revision_0001, _downgrade
from viewer.storage import AnalyticsEvent, CacheUpdate, ReplayBatch, ReplayCache
from viewer.storage.database import HEAD_REVISION, current_revision, make_engine, migrate
from viewer.storage.heatmaps import DEPTH_STEP_PERCENT, HeatmapFilter
from viewer.storage.importer import import_path
from viewer.storage.schema import heatmap_clicks, heatmap_pages, heatmap_visits

T0 = 1_795_000_000_000
DAY = 86_400_000
SHOP = {
    "type": 0,
    "id": 1,
    "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "body", "attributes": {}, "childNodes": [
                {"type": 2, "id": 10, "tagName": "button", "attributes": {"id": "buy"}, "childNodes": []},
                {"type": 2, "id": 11, "tagName": "a", "attributes": {"class": "help"}, "childNodes": []},
            ]},
        ]},
    ],
}  # fmt: skip


def visit(start: int, href: str, clicks: list[int], width: int = 1280, scroll: int = 0) -> list[dict[str, Any]]:
    """A replay of one page: its clicks (node ids, a second apart, each answered) and one scroll."""
    events: list[dict[str, Any]] = [
        {"type": 4, "timestamp": start, "data": {"href": href, "width": width, "height": 800}},
        {"type": 2, "timestamp": start + 1, "data": {"node": SHOP, "initialOffset": {"top": 0, "left": 0}}},
        {"type": 3, "timestamp": start + 500, "data": {"source": 3, "id": 1, "x": 0, "y": scroll}},
    ]
    for n, node in enumerate(clicks, 1):
        at = start + n * 1000
        events.append({"type": 3, "timestamp": at, "data": {"source": 2, "type": 2, "id": node, "x": 5, "y": 5}})
        events.append({"type": 3, "timestamp": at + 50, "data": {"source": 0, "texts": [{"id": 3, "value": ""}],
                                                                 "adds": [], "removes": [], "attributes": []}})  # fmt: skip
    return events


@pytest.fixture
def cache(tmp_path: Path) -> ReplayCache:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3")
    batches = [
        ReplayBatch("r1", "seq:0", visit(T0, "https://shop.test/orders/1?tab=x", [10, 10, 11], scroll=800), "u1"),
        ReplayBatch("r2", "seq:0", visit(T0 + DAY, "https://shop.test/orders/2", [10], scroll=0), "u2"),
        ReplayBatch("r3", "seq:0", visit(T0 + 2 * DAY, "https://shop.test/orders/2#x", [11], width=390), "u2"),
        ReplayBatch("r4", "seq:0", visit(T0 + 3 * DAY, "https://shop.test/cart", [10, 10]), "u3"),
    ]
    cache.apply(CacheUpdate(source="prod", source_kind="sync", batches=batches))
    return cache


def rows(cache: ReplayCache, table: Any) -> int:
    with cache.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def test_the_page_list_counts_visits_clicks_and_replays_and_groups_by_pattern(cache: ReplayCache) -> None:
    pages = {p.page: (p.visits, p.clicks, p.replays) for p in cache.heatmap_pages()}
    assert pages == {
        "https://shop.test/orders/1": (1, 3, 1),
        "https://shop.test/orders/2": (2, 2, 2),
        "https://shop.test/cart": (1, 2, 1),
    }
    grouped = {p.page: (p.visits, p.clicks, p.replays) for p in cache.heatmap_pages(patterns=["/orders/*"])}
    assert grouped == {"/orders/*": (3, 5, 3), "https://shop.test/cart": (1, 2, 1)}
    mobile = cache.heatmap_pages(HeatmapFilter(viewport=Viewport.MOBILE))
    assert [(p.page, p.visits) for p in mobile] == [("https://shop.test/orders/2", 1)]
    later = cache.heatmap_pages(HeatmapFilter(since_ms=T0 + DAY, until_ms=T0 + 2 * DAY))
    assert [(p.page, p.visits) for p in later] == [("https://shop.test/orders/2", 1)]


def test_a_pages_elements_and_the_replays_behind_one(cache: ReplayCache) -> None:
    heatmap = cache.heatmap("/orders/*")
    assert heatmap.pages == ["https://shop.test/orders/1", "https://shop.test/orders/2"]
    assert (heatmap.visits, heatmap.replays, heatmap.clicks) == (3, 3, 5)
    by_selector = {e.selector: (e.clicks, e.visits, e.replays) for e in heatmap.elements}
    assert by_selector == {"button#buy": (3, 2, 2), "html > body > a.help": (2, 2, 2)}
    moments = cache.heatmap_clicks("/orders/*", "button#buy")
    assert [(m.replay_id, m.offset_ms) for m in moments] == [("r2", 1000), ("r1", 2000), ("r1", 1000)]
    desktop = cache.heatmap("/orders/*", HeatmapFilter(viewport=Viewport.DESKTOP))
    assert {e.selector: e.clicks for e in desktop.elements} == {"button#buy": 3, "html > body > a.help": 1}
    # A URL names its page whatever its query or fragment; a path names it on any host.
    assert cache.heatmap("https://shop.test/orders/2?a=1").visits == 2
    assert cache.heatmap("/cart").clicks == 2 and cache.heatmap("/nowhere").visits == 0


def test_the_heatmap_view_has_the_click_spots_and_a_recent_desktop_visit_to_rebuild_the_page_from(
    cache: ReplayCache,
) -> None:
    view = cache.heatmap_view("/orders/*")
    assert view.heatmap == cache.heatmap("/orders/*")
    # Every click was at viewport (5, 5); r1 had scrolled 800 px down: page positions, in 8 px squares.
    spots = {(s.selector, s.page_x, s.page_y): s.clicks for s in view.spots}
    assert spots == {("button#buy", 4.0, 804.0): 2, ("html > body > a.help", 4.0, 804.0): 1,
                     ("button#buy", 4.0, 4.0): 1, ("html > body > a.help", 4.0, 4.0): 1}  # fmt: skip
    # r3 (mobile) is the latest visit, but without a viewport filter the page is rebuilt from a desktop one,
    # just before that visit's first click.
    assert view.snapshot is not None
    assert (view.snapshot.replay_id, view.snapshot.at_offset_ms) == ("r2", 999)
    assert view.snapshot.page == "https://shop.test/orders/2" and view.snapshot.viewport_width == 1280
    mobile = cache.heatmap_view("/orders/*", HeatmapFilter(viewport=Viewport.MOBILE)).snapshot
    assert mobile is not None and (mobile.replay_id, mobile.viewport_width) == ("r3", 390)
    assert cache.heatmap_view("/nowhere").snapshot is None


def test_click_spots_of_a_busy_page_are_a_weighted_sample(cache: ReplayCache, monkeypatch: Any) -> None:
    from viewer.storage import heatmaps

    monkeypatch.setattr(heatmaps, "SPOT_SAMPLE", 2)  # 5 clicks: every 3rd is read, standing for 3
    spots = cache.heatmap_view("/orders/*").spots
    assert 1 <= len(spots) <= 2 and all(s.clicks == 3 for s in spots)


def test_the_scroll_map_says_which_share_of_visits_reached_each_depth(cache: ReplayCache) -> None:
    scroll = cache.heatmap("/orders/*").scroll
    # Deepest reaches 1600 (scrolled 800) and 800 twice; no height known, so 1600 px is 100 %.
    assert (scroll.visits, scroll.page_height_px, scroll.height_known, scroll.fold_px) == (3, 1600, False, 800)
    shares = {d.percent: d.share for d in scroll.depths}
    assert len(scroll.depths) == 100 // DEPTH_STEP_PERCENT + 1
    assert shares[0] == shares[50] == 1.0
    assert shares[55] == shares[100] == pytest.approx(1 / 3)


def test_a_replay_that_grows_is_counted_again_not_twice(cache: ReplayCache) -> None:
    more = [{"type": 3, "timestamp": T0 + 9000, "data": {"source": 2, "type": 2, "id": 11, "x": 1, "y": 1}}]
    cache.apply(CacheUpdate(source="prod", source_kind="sync", batches=[ReplayBatch("r1", "seq:1", more)]))
    elements = {e.selector: e.clicks for e in cache.heatmap("https://shop.test/orders/1").elements}
    assert elements == {"button#buy": 2, "html > body > a.help": 2}
    assert cache.heatmap("https://shop.test/orders/1").visits == 1


def test_the_sdks_page_views_arriving_later_split_the_visits(cache: ReplayCache) -> None:
    view = AnalyticsEvent("pv-1", "$mp_web_page_view", T0 + 1500, "u1", "r1",
                          {"$current_url": "https://shop.test/orders/1/edit"})  # fmt: skip
    cache.apply(CacheUpdate(source="prod", source_kind="sync", events=[view]))
    pages = {p.page: p.clicks for p in cache.heatmap_pages()}
    assert pages["https://shop.test/orders/1"] == 1 and pages["https://shop.test/orders/1/edit"] == 2


def test_heatmap_rows_go_with_their_replays(cache: ReplayCache) -> None:
    before = rows(cache, heatmap_clicks)
    cache.apply(CacheUpdate(source="prod", source_kind="sync", deleted_replays=["r4"]))
    assert "https://shop.test/cart" not in {p.page for p in cache.heatmap_pages()}
    assert rows(cache, heatmap_clicks) == before - 2
    cache.delete_user("u2")
    assert cache.heatmap("/orders/*").replays == 1
    cache.clock = lambda: (T0 + 40 * DAY) / 1000
    cache.purge_expired(retention_days=30)
    assert cache.heatmap_pages() == [] and rows(cache, heatmap_visits) == rows(cache, heatmap_clicks) == 0
    assert rows(cache, heatmap_pages) == 0  # no URL of theirs is left behind


def test_imported_fixtures_store_what_the_core_finds(tmp_path: Path) -> None:
    capture = next(p for p in MIXPANEL_CAPTURES if "preact_heatmap" in p.name)
    fixture = next(p for p in RRWEB_FIXTURES if "vanilla-es5" in p.name)
    with ReplayCache.open(tmp_path / "cache.sqlite3") as cache:
        assert not import_path(cache, capture).failed and not import_path(cache, fixture).failed
        expected = page_visits(read_recording(fixture).events)[0]
        heatmap = cache.heatmap(expected.page)
        assert heatmap.clicks == len(expected.clicks)
        new_todo = next(e for e in heatmap.elements if e.selector.endswith("input.new-todo"))
        assert new_todo.clicks == sum(c.selector == new_todo.selector for c in expected.clicks) == 2
        preact = cache.heatmap("/todomvc/examples/preact/dist/index.html")
        heading = next(e for e in preact.elements if e.selector.endswith("> h1"))
        assert (heading.clicks, heading.dead, heading.replays) == (4, 4, 1)
        assert preact.scroll.height_known  # the SDK's $mp_click events told the page's height


def test_migration_from_0004_backfills_existing_replays_and_goes_back(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    replay_id = _cache_at_revision_0001(path)
    engine = make_engine(path)
    with engine.connect() as conn:
        migrate(conn, "0004_activity")
    engine.dispose()
    expected = page_visits(read_recording(RRWEB_FIXTURES[0]).events)
    with ReplayCache.open(path) as cache:
        with cache.reading() as conn:
            assert current_revision(conn) == HEAD_REVISION
        assert cache.heatmap_pages() == [] and cache.heatmap_backlog() == 1
        # The app's idle step: the activity figures' backfill, then the heatmaps'.
        assert cache.backfill() == 2 and cache.backfill() == 0
        assert cache.heatmap_backlog() == cache.activity_backlog() == 0
        pages = cache.heatmap_pages()
        assert [(p.page, p.clicks) for p in pages] == [(expected[0].page, sum(len(v.clicks) for v in expected))]
    _downgrade(path, "0004_activity")
    engine = make_engine(path)
    with engine.connect() as conn:
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "heatmap_visits" not in tables and "replays" in tables
        assert conn.exec_driver_sql("SELECT id FROM replays").scalars().all() == [replay_id]
    engine.dispose()


def test_the_migration_builds_the_heatmap_tables_schema_py_describes(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from viewer.storage.schema import metadata

    with ReplayCache.open(tmp_path / "cache.sqlite3") as cache, cache.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in differences if "heatmap" in str(d)] == []


def test_a_damaged_replay_does_not_stop_the_backfill(cache: ReplayCache) -> None:
    with cache.writing() as conn:
        conn.exec_driver_sql("DELETE FROM heatmap_replays")
        conn.exec_driver_sql("DELETE FROM heatmap_visits")
        conn.exec_driver_sql("UPDATE event_chunks SET data = x'00ff' WHERE replay_id = 'r4'")
    assert cache.heatmap_backlog() == 4
    assert cache.backfill_heatmaps(limit=3) == 3 and cache.backfill_heatmaps(limit=3) == 1
    assert cache.backfill_heatmaps() == 0
    assert {p.page for p in cache.heatmap_pages()} == {"https://shop.test/orders/1", "https://shop.test/orders/2"}
