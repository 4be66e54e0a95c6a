"""Heatmap visits: clicks on stably named elements, positions, viewport classes, scroll depth, frustration marks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from replay_core import read_recording
from replay_core.frustration import DEAD_CLICK_MS, RAGE_CLICKS, RAGE_WINDOW_MS
from replay_core.heatmap import (
    DESKTOP_MIN_PX,
    TABLET_MIN_PX,
    HeatmapClick,
    PageVisit,
    Viewport,
    group_page,
    matches_pattern,
    page_of,
    page_visits,
    viewport_class,
    visits_and_counts,
)
from replay_core.timeline import activity_timeline, counts_of
from tests.core.test_timeline import T0, el, ev, read_capture, text
from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES

URL = "http://127.0.0.1:8780/todomvc/examples"


def fixture(name: str) -> Path:
    return next(p for p in RRWEB_FIXTURES if p.name.startswith(name))


def capture(name: str) -> Path:
    return next(p for p in MIXPANEL_CAPTURES if name in p.name)


def clicks_of(visits: list[PageVisit]) -> list[HeatmapClick]:
    return [c for v in visits for c in v.clicks]


def new_todo(clicks: list[HeatmapClick]) -> str:
    return next(c.selector for c in clicks if "new-todo" in c.selector)


@pytest.mark.parametrize("name", ["todomvc-vanilla-es5", "todomvc-jquery"])
def test_todomvc_clicks_land_on_the_controls_the_driver_clicked(name: str) -> None:
    visits = page_visits(read_recording(fixture(name)).events)
    assert len(visits) == 1 and visits[0].page.endswith("/dist/index.html")  # hash routes are one page
    clicks = visits[0].clicks
    # The driver's first click is the new-todo field, then toggles, then the three filter links in order.
    assert clicks[0].selector.endswith(("input.new-todo", "input#new-todo"))
    assert clicks[1].selector.endswith("input.toggle")
    filters = [c for c in clicks if "filters" in c.selector]
    assert [c.label for c in filters] == ["“Active” link", "“Completed” link", "“All” link"]
    assert len({c.selector for c in filters}) == 3  # three links, told apart by their place
    sent = [c for c in clicks if c.selector.endswith("#fb-send")]
    assert len(sent) == 1 and sent[0].page_y is not None and sent[0].y is not None
    assert sent[0].page_y > sent[0].y  # clicked after scrolling down: lower on the page than on screen


def test_a_recording_without_masking_and_one_with_it_name_a_control_the_same() -> None:
    masked = clicks_of(page_visits(read_recording(fixture("todomvc-react_masked")).events))
    recording, analytics = read_capture(capture("react_stop-restart"))
    sdk = clicks_of(page_visits(recording.events, analytics))
    assert new_todo(masked) == new_todo(sdk)
    active = [c.selector for c in masked if c.label.endswith('"#/active"]')]
    assert active and active[0] in {c.selector for c in sdk}


@pytest.mark.parametrize(("rrweb", "wire"), [("todomvc-preact", "preact"), ("todomvc-vue", "vue")])
def test_selectors_are_equal_across_two_sessions_of_the_same_app(rrweb: str, wire: str) -> None:
    one = clicks_of(page_visits(read_recording(fixture(rrweb)).events))
    recording, analytics = read_capture(capture(wire))
    other = clicks_of(page_visits(recording.events, analytics))
    assert new_todo(one) == new_todo(other)
    # The sessions ticked different todos: the same checkbox of the list, at another row.
    toggles = {
        re.sub(r":nth-of-type\(\d+\)", "", c.selector) for c in one if c.selector.endswith("input.toggle")
    }
    assert len(toggles) == 1
    assert toggles == {
        re.sub(r":nth-of-type\(\d+\)", "", c.selector) for c in other if "toggle" in c.selector
    }
    assert not any(str(c.x) in c.selector for c in one + other)  # no rrweb ids or positions in them


def test_the_counts_read_along_are_the_activity_timelines() -> None:
    for path in RRWEB_FIXTURES:
        events = read_recording(path).events
        assert visits_and_counts(events)[1] == counts_of(activity_timeline(events))
    recording, _ = read_capture(capture("preact_heatmap"))
    counts = visits_and_counts(recording.events)[1]
    assert counts == counts_of(activity_timeline(recording.events)) and counts.dead == 4


def test_masked_text_is_never_in_a_selector_or_a_label() -> None:
    typed = ["Book flights", "Renew passport", "Pack sunscreen", "4111", "rui@example.org", "hunter2"]
    for path in (fixture("todomvc-react_masked"), fixture("todomvc-webcomponents")):
        clicks = clicks_of(page_visits(read_recording(path).events))
        assert clicks
        for click in clicks:
            assert "*" not in click.selector + click.label
            assert not any(word in click.selector + click.label for word in typed)


def test_clicks_on_the_heading_that_does_nothing_are_dead_and_the_page_height_comes_from_the_sdk() -> None:
    recording, analytics = read_capture(capture("preact_heatmap"))
    visits = page_visits(recording.events, analytics)
    assert len(visits) == 1
    clicks = visits[0].clicks
    heading = [c for c in clicks if c.selector.endswith("> h1")]
    assert len(heading) == 4 and all(c.dead and not c.rage for c in heading)
    assert not any(c.dead for c in clicks if "filters" in c.selector or "toggle" in c.selector)
    page_heights = {a["properties"]["$pageHeight"] for a in analytics if a["name"] == "$mp_click"}
    assert visits[0].page_height == max(page_heights)
    assert visits[0].depth_share is not None and 0 < visits[0].depth_share <= 1


# Crafted recordings.


def page(*children: Any) -> dict[str, Any]:
    return {"type": 0, "id": 1, "childNodes": [el(2, "html", [el(3, "body", list(children))])]}


def start(href: str, width: int = 1280, height: int = 800, root: dict[str, Any] | None = None) -> list[Any]:
    return [
        ev(0, 4, href=href, width=width, height=height),
        ev(1, 2, node=root or SHOP, initialOffset={"top": 0}),
    ]


def click(at: float, node_id: int, x: float = 100, y: float = 50) -> dict[str, Any]:
    return ev(at, source=2, type=2, id=node_id, x=x, y=y)


SHOP = page(
    el(10, "div", [
        el(11, "button", [text(12, "Buy")], **{"class": "btn css-1x2y3z primary active"}, id="ember123"),
        el(13, "button", [text(14, "Card 4111 1111")], **{"class": "rr-mask btn"}),
    ], **{"class": "actions"}),
    el(20, "section", [el(21, "a", [text(22, "Next")], href="/orders/2")]),
)  # fmt: skip


def test_a_selector_keeps_stable_classes_and_places_and_drops_generated_ids_state_classes_and_text() -> None:
    events = start("https://shop.test/orders/1?tab=2#top") + [
        click(100, 12),
        click(3000, 14),
        click(6000, 21),
    ]
    (visit,) = page_visits(events)
    assert visit.page == "https://shop.test/orders/1"
    buy, masked, link = visit.clicks
    assert buy.selector == "html > body > div.actions > button.btn.primary"  # a click on its text: the button
    assert buy.label == "“Buy” button"
    assert masked.selector == "html > body > div.actions > button.btn:nth-of-type(2)"
    assert "4111" not in masked.selector + masked.label
    assert link.selector == "html > body > section > a"


def test_viewport_classes_and_a_resize_during_the_visit() -> None:
    assert viewport_class(DESKTOP_MIN_PX) == Viewport.DESKTOP
    assert viewport_class(DESKTOP_MIN_PX - 1) == viewport_class(TABLET_MIN_PX) == Viewport.TABLET
    assert viewport_class(TABLET_MIN_PX - 1) == Viewport.MOBILE
    events = start("https://shop.test/", width=390) + [
        click(100, 11),
        ev(200, source=4, width=800, height=1000),
        click(2000, 11),
    ]
    (visit,) = page_visits(events)
    assert visit.viewport == Viewport.MOBILE
    assert [c.viewport for c in visit.clicks] == [Viewport.MOBILE, Viewport.TABLET]


def test_the_deepest_scroll_of_each_visit_and_page_positions() -> None:
    events = start("https://shop.test/a") + [
        ev(100, source=3, id=1, x=0, y=1200),
        click(200, 11, x=10, y=30),
        ev(300, source=3, id=1, x=0, y=300),
        ev(400, source=3, id=10, x=0, y=5000),  # an element scrolling inside the page: not the page's depth
        ev(1000, 4, href="https://shop.test/b", width=1280, height=700),
        ev(1001, 2, node=SHOP, initialOffset={"top": 0}),
        ev(1100, source=3, id=1, x=0, y=100),
    ]
    first, second = page_visits(events)
    assert (first.page, first.deepest_px) == ("https://shop.test/a", 1200 + 800)
    assert (first.clicks[0].page_x, first.clicks[0].page_y) == (10, 1230)
    assert (second.page, second.deepest_px) == ("https://shop.test/b", 100 + 700)
    assert first.page_height is None and first.depth_share is None
    assert second.offset_ms == 1000 and second.started_ms == T0 + 1000


def test_rage_clicks_are_marked_rage_and_a_click_nothing_answers_is_dead() -> None:
    step = RAGE_WINDOW_MS / RAGE_CLICKS / 2
    rage = [click(1000 + i * step, 11) for i in range(RAGE_CLICKS)]
    answered = [click(5000, 21), ev(5000 + DEAD_CLICK_MS / 2, source=0, texts=[{"id": 22, "value": "Next!"}])]
    events = start("https://shop.test/") + rage + [click(3000, 11, x=600)] + answered
    (visit,) = page_visits(events)
    flags = [(c.rage, c.dead) for c in visit.clicks]
    assert flags == [(True, False)] * RAGE_CLICKS + [(False, True), (False, False)]


def test_the_sdks_page_views_start_visits_of_a_single_page_app() -> None:
    events = start("https://app.test/home") + [click(500, 11), click(4000, 11)]
    views = [
        {
            "name": "$mp_web_page_view",
            "time_ms": T0 + 2000,
            "properties": {"$current_url": "https://app.test/orders/7?x=1"},
        }
    ]
    home, order = page_visits(events, views)
    assert (home.page, len(home.clicks)) == ("https://app.test/home", 1)
    assert (order.page, len(order.clicks), order.offset_ms) == ("https://app.test/orders/7", 1, 2000)
    assert order.clicks[0].offset_ms == 4000 and order.clicks[0].at_ms == T0 + 4000


def test_url_patterns_group_pages() -> None:
    assert page_of("HTTPS://Shop.test/orders/12?x=1#y") == "https://shop.test/orders/12"
    assert matches_pattern("https://shop.test/orders/12", "/orders/*")
    assert not matches_pattern("https://shop.test/orders/12/items", "/orders/*")
    assert matches_pattern("https://shop.test/orders/12/items", "/orders/**")
    assert matches_pattern("https://shop.test/orders/12", "https://shop.test/orders/*")
    assert not matches_pattern("https://other.test/orders/12", "https://shop.test/orders/*")
    assert group_page("https://shop.test/orders/3", ["/cart", "/orders/*"]) == "/orders/*"
    assert group_page("https://shop.test/about", ["/orders/*"]) == "https://shop.test/about"


def test_recorded_text_in_tags_ids_classes_and_urls_stays_out_of_selectors_and_one_line() -> None:
    hostile = page(el(10, "div\n<script>", [el(11, "button", [], id="x" * 500, **{"class": "ok b\x07d"})]))
    events = start("https://shop.test/a\nb\x00c?q=1", root=hostile) + [click(100, 11)]
    (visit,) = page_visits(events)
    assert "\n" not in visit.page and "\x00" not in visit.page and visit.page.startswith("https://shop.test/")
    assert visit.clicks[0].selector == "html > body > * > button.ok"
