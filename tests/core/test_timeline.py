"""The activity timeline and its frustration signals, on the console/network capture and crafted recordings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from replay_core import read_recording, summarize
from replay_core.analytics import parse_track_events
from replay_core.frustration import DEAD_CLICK_MS, RAGE_CLICKS, RAGE_RADIUS_PX, RAGE_WINDOW_MS
from replay_core.ingest import parse_captured_request, parse_record_batch
from replay_core.plain_text import DETAILS_CHARS, SUMMARY_CHARS
from replay_core.reader import Recording, prepare_events
from replay_core.timeline import ActivityEntry, EntryKind, activity_timeline, counts_of
from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES

CONSOLE_NETWORK = next(p for p in MIXPANEL_CAPTURES if p.name.endswith("console-network"))
T0 = 1_795_000_000_000


def read_capture(folder: Path) -> tuple[Recording, list[dict[str, Any]]]:
    """The capture's replay and its analytics events, decoded by the same rules as an import."""
    events: list[dict[str, Any]] = []
    analytics: list[dict[str, Any]] = []
    for file in sorted(folder.glob("*.req")):
        request = parse_captured_request(orjson.loads(file.read_bytes()))
        if request.method != "POST":
            continue
        if request.path.startswith("/record"):
            events += parse_record_batch(request.params, request.body).events
        elif request.path.startswith("/track"):
            tracked = parse_track_events(request.body, request.received_ms, request.params.get("data"))
            analytics += [{"name": t.name, "time_ms": t.time_ms, "properties": t.properties} for t in tracked]
    return prepare_events(events), analytics


@pytest.fixture(scope="module")
def capture() -> tuple[Recording, list[dict[str, Any]], list[ActivityEntry]]:
    recording, analytics = read_capture(CONSOLE_NETWORK)
    return recording, analytics, activity_timeline(recording.events, analytics)


def test_the_three_console_messages_at_their_recorded_moments(capture: Any) -> None:
    recording, _, entries = capture
    start = recording.events[0]["timestamp"]
    recorded = [
        (e["timestamp"] - start, e["data"]["payload"]["level"])
        for e in recording.events
        if e["type"] == 6 and e["data"]["plugin"] == "rrweb/console@1"
    ]
    console = [e for e in entries if e.kind == EntryKind.CONSOLE]
    assert [e.level for e in console] == ["info", "warn", "error"] == [level for _, level in recorded]
    for entry, (at, _) in zip(console, recorded, strict=True):
        assert abs(entry.at_ms - at) <= 50
    assert "cart: 3 items" in console[0].summary  # the argument unquoted, as the page logged it
    assert console[2].is_error and "Payment widget failed to load" in console[2].summary
    assert "Stack:" in console[2].details and "UtilityScript.evaluate" in console[2].details


def test_the_learn_json_request_with_method_status_and_duration(capture: Any) -> None:
    _, _, entries = capture
    network = [e for e in entries if e.kind == EntryKind.NETWORK]
    learn = [e for e in network if "/todomvc/learn.json" in e.summary]
    assert len(learn) == 1
    assert learn[0].summary.startswith("GET 200 ")
    assert "Initiator: fetch" in learn[0].details and "Duration: 5 ms" in learn[0].details
    # The SDK's own /track/ calls are requests of the page too; none of them failed.
    assert any("/track/" in e.summary for e in network)
    assert counts_of(entries).failed_requests == 0 and not any("failed" in e.flags for e in network)


def test_clicks_on_the_heading_that_does_nothing_are_dead_and_answered_clicks_are_not(capture: Any) -> None:
    _, _, entries = capture
    clicks = [e for e in entries if e.kind == EntryKind.CLICK]
    dead = [e for e in entries if e.kind == EntryKind.FRUSTRATION and e.level == "dead"]
    heading_clicks = [c for c in clicks if c.summary.endswith("> h1")]
    assert len(heading_clicks) == 4
    assert [d.at_ms for d in dead] == [c.at_ms for c in heading_clicks]
    # The filter links change the list; the checkbox ticks a todo; fields get typed into.
    answered = [c for c in clicks if "href" in c.summary or "toggle" in c.summary or "field" in c.summary]
    assert answered and not {c.at_ms for c in answered} & {d.at_ms for d in dead}


def test_analytics_events_are_entries_with_their_properties(capture: Any) -> None:
    _, analytics, entries = capture
    events = [e for e in entries if e.kind == EntryKind.EVENT]
    names = {a["name"] for a in analytics}
    assert "Purchase" in names and any(e.summary == "Event “Purchase”" for e in events)
    # The SDK's page views are the hash-route changes rrweb does not see: URL changes, among the pages.
    pages = [e for e in entries if e.kind == EntryKind.PAGE]
    assert pages[0].summary.startswith("Page load http://127.0.0.1:8780/todomvc/")
    assert [e.summary.rsplit("dist/", 1)[-1] for e in pages[1:]] == ["index.html#/completed", "index.html#/"]
    purchase = next(e for e in events if e.summary == "Event “Purchase”")
    assert "$current_url: " in purchase.details


def test_error_count_is_the_summarys_error_count_on_every_fixture() -> None:
    for path in RRWEB_FIXTURES:
        recording = read_recording(path)
        assert counts_of(activity_timeline(recording.events)).errors == summarize(recording).error_count
    recording, _ = read_capture(CONSOLE_NETWORK)
    assert counts_of(activity_timeline(recording.events)).errors == summarize(recording).error_count == 1


# Crafted recordings: a page with a button, a heading, a password field and a masked note.


def ev(at: float, kind: int = 3, **data: Any) -> dict[str, Any]:
    return {"type": kind, "timestamp": T0 + at, "data": data}


def el(node_id: int, tag: str, children: list[Any] | None = None, **attributes: Any) -> dict[str, Any]:
    return {"type": 2, "id": node_id, "tagName": tag, "attributes": attributes, "childNodes": children or []}


def text(node_id: int, value: str) -> dict[str, Any]:
    return {"type": 3, "id": node_id, "textContent": value}


PAGE = {
    "type": 0,
    "id": 1,
    "childNodes": [
        el(2, "html", [el(3, "body", [
            el(10, "button", [text(11, "Add to cart")], id="add"),
            el(12, "h1", [text(13, "Shop")]),
            el(14, "input", type="password", id="pw"),
            el(15, "div", [el(16, "input", id="note")], **{"class": "rr-mask"}),
            el(17, "span", [text(18, "Card 4111 1111")], **{"class": "rr-mask"}, id="card"),
            el(19, "input", id="plain", placeholder="Your city"),
            el(20, "label", [text(21, "Email address")], **{"for": "mail"}),
            el(22, "input", id="mail", type="email"),
            el(23, "select", [el(24, "option", [text(25, "S")]), el(26, "option", [text(27, "L")])], id="size"),
        ])]),
    ],
}  # fmt: skip


def page(*events: dict[str, Any]) -> list[dict[str, Any]]:
    return [ev(0, 4, href="https://shop.example/", width=1280, height=800), ev(1, 2, node=PAGE), *events]


def click(at: float, node: int, x: float = 100, y: float = 100) -> dict[str, Any]:
    return ev(at, source=2, type=2, id=node, x=x, y=y)


def timeline(events: list[dict[str, Any]], analytics: list[dict[str, Any]] | None = None) -> list[ActivityEntry]:
    return activity_timeline(prepare_events(events).events, analytics or [])


def signals(entries: list[ActivityEntry], level: str) -> list[ActivityEntry]:
    return [e for e in entries if e.kind == EntryKind.FRUSTRATION and e.level == level]


def test_five_quick_clicks_on_one_spot_are_one_rage_click() -> None:
    step = RAGE_WINDOW_MS / 6
    entries = timeline(page(*(click(1000 + i * step, 12, 200 + i, 50) for i in range(5)), ev(9000, source=1)))
    rage = signals(entries, "rage")
    assert len(rage) == 1 and rage[0].at_ms == 1000
    assert rage[0].summary == "Rage click on “Shop” (5 clicks)"
    assert signals(entries, "dead") == []  # the clicks of a rage click are not dead clicks as well
    assert counts_of(entries).rage == 1


def test_quick_clicks_far_apart_or_too_few_are_not_a_rage_click() -> None:
    spread = [click(1000 + i * 100, 12, 100 + i * (RAGE_RADIUS_PX + 1), 50) for i in range(5)]
    assert signals(timeline(page(*spread)), "rage") == []
    few = [click(1000 + i * 100, 12) for i in range(RAGE_CLICKS - 1)]
    assert signals(timeline(page(*few)), "rage") == []


def test_a_click_with_nothing_after_it_is_a_dead_click() -> None:
    entries = timeline(page(click(1000, 12), ev(1000 + DEAD_CLICK_MS + 1, source=0, adds=[], removes=[], texts=[{"id": 13, "value": "late"}], attributes=[])))
    dead = signals(entries, "dead")
    assert [d.summary for d in dead] == ["Dead click on “Shop”"]
    assert counts_of(entries).dead == 1


def test_a_click_that_changes_the_page_or_navigates_is_not_dead() -> None:
    changes = ev(1100, source=0, adds=[{"parentId": 3, "nextId": None, "node": el(30, "p")}], removes=[], texts=[], attributes=[])
    assert signals(timeline(page(click(1000, 10), changes)), "dead") == []
    navigates = ev(1300, 4, href="https://shop.example/cart", width=1280, height=800)
    entries = timeline(page(click(1000, 10), navigates, ev(1301, 2, node=PAGE)))
    assert signals(entries, "dead") == []
    assert [e.summary for e in entries if e.kind == EntryKind.PAGE][-1] == "Navigated to https://shop.example/cart"


def test_a_click_followed_by_an_error_or_a_failed_request_is_an_error_click() -> None:
    error = ev(1500, 6, plugin="rrweb/console@1", payload={"level": "error", "payload": ['"boom"'], "trace": []})
    entries = timeline(page(click(1000, 10), error))
    assert [s.summary for s in signals(entries, "error")] == ["Error click on “Add to cart” button: error: boom"]
    failed = ev(1200, 6, plugin="rrweb/network@1.mp", payload={"requests": [
        {"url": "https://shop.example/api/missing", "method": "GET", "initiatorType": "fetch", "status": 404,
         "startTime": 1100, "endTime": 1130, "timeOrigin": T0},
    ]})  # fmt: skip
    entries = timeline(page(click(1000, 10), failed))
    request = next(e for e in entries if e.kind == EntryKind.NETWORK)
    assert request.summary == "GET 404 https://shop.example/api/missing (30 ms) [failed]"
    assert request.at_ms == 1100 and request.is_error
    assert len(signals(entries, "error")) == 1 and counts_of(entries).failed_requests == 1
    assert signals(entries, "dead") == []  # the request was the page's answer


def test_sdk_rage_click_merges_with_the_detected_one_and_stands_alone_otherwise() -> None:
    clicks = [click(1000 + i * 100, 12) for i in range(5)]
    sdk = [
        {"name": "$mp_rage_click", "time_ms": T0 + 1350, "properties": {}},
        {"name": "$mp_dead_click", "time_ms": T0 + 5000, "properties": {"$el_text": "Checkout"}},
    ]
    entries = timeline(page(*clicks, ev(8000, source=1)), sdk)
    rage = signals(entries, "rage")
    assert len(rage) == 1 and set(rage[0].flags) == {"detected", "sdk"}
    dead = signals(entries, "dead")
    assert len(dead) == 1 and dead[0].flags == ("sdk",) and "Checkout" in dead[0].summary
    assert not any(e.kind == EntryKind.EVENT for e in entries)  # not a second copy as an event


def test_clicked_elements_are_named_by_text_label_id_never_masked_text() -> None:
    entries = timeline(page(click(1000, 11), click(3000, 17), click(5000, 19), click(7000, 14), click(9000, 22)))
    names = [e.summary for e in entries if e.kind == EntryKind.CLICK]
    assert names == [
        "Click on “Add to cart” button",  # a click on the button's text names the button
        "Click on #card",  # its text is masked: the id instead
        "Click on “Your city” field",
        "Click on #pw",
        "Click on “Email address” field",  # its <label for=…>
    ]


def test_typed_values_never_appear_masked_or_not() -> None:
    secrets = ["hunter2-Secret!", "my card is 4111", "Lisbon Street 5"]
    typing = [
        ev(1000, source=5, text=secrets[0], isChecked=False, id=14),
        ev(4000, source=5, text=secrets[1], isChecked=False, id=16),
        ev(8000, source=5, text=secrets[2], isChecked=False, id=19),
        ev(12000, source=5, text="*****", isChecked=False, id=19),
    ]
    entries = timeline(page(*typing))
    shown = " ".join(e.summary + " " + e.details for e in entries)
    assert not any(secret in shown for secret in secrets) and "4111" not in shown
    inputs = [e for e in entries if e.kind == EntryKind.INPUT]
    assert [e.summary for e in inputs] == [
        "Typed in #pw (masked)",
        "Typed in #note",
        "Typed in “Your city” field",
        "Typed in “Your city” field (masked)",
    ]


def test_an_option_picked_in_a_list_is_not_typing_and_its_value_is_not_shown() -> None:
    entries = timeline(page(ev(2000, source=5, text="L", isChecked=False, id=23)))
    [picked] = [e for e in entries if e.kind == EntryKind.INPUT]
    assert picked.summary == "Picked an option in #size"
    assert "L" not in picked.details.replace("Field:", "").replace("Value:", "")


def test_values_typed_on_the_fixtures_never_appear_in_input_entries() -> None:
    for path in [*RRWEB_FIXTURES]:
        recording = read_recording(path)
        typed = {
            e["data"]["text"]
            for e in recording.events
            if e["type"] == 3 and e["data"].get("source") == 5 and isinstance(e["data"].get("text"), str)
        }
        typed = {t for t in typed if len(t) >= 6 and set(t) != {"*"}}
        inputs = [e for e in activity_timeline(recording.events) if e.kind == EntryKind.INPUT]
        assert inputs, path.name
        shown = " ".join(e.summary + " " + e.details for e in inputs)
        assert not [t for t in typed if t in shown], path.name


def test_scrolls_are_coalesced_and_resizes_too() -> None:
    scrolls = [ev(1000 + i * 100, source=3, id=1, x=0, y=i * 50) for i in range(10)]
    resizes = [ev(5000 + i * 50, source=4, width=900 + i, height=700) for i in range(5)]
    entries = timeline(page(*scrolls, ev(4000, source=3, id=1, x=0, y=10), *resizes))
    assert [e.summary for e in entries if e.kind == EntryKind.SCROLL] == [
        "Scrolled the page to 450 px", "Scrolled the page to 10 px",
    ]  # fmt: skip
    assert [e.summary for e in entries if e.kind == EntryKind.VIEWPORT] == ["Window resized to 904×700"]


def test_hostile_console_payloads_are_bounded_plain_text() -> None:
    huge = '"' + "x" * 10_000_000 + '"'
    deep: Any = "bottom"
    for _ in range(150):
        deep = [deep]
    html = '"<img src=x onerror=alert(1)><b>bold</b>\x1b[31mred\x1b[0m"'
    logs = [
        ev(1000, 6, plugin="rrweb/console@1", payload={"level": "log", "payload": [huge], "trace": []}),
        ev(2000, 6, plugin="rrweb/console@1", payload={"level": "warn", "payload": [deep], "trace": []}),
        ev(3000, 6, plugin="rrweb/console@1", payload={"level": "log", "payload": [html], "trace": []}),
    ]
    entries = [e for e in timeline(page(*logs)) if e.kind == EntryKind.CONSOLE]
    assert len(entries) == 3
    for entry in entries:
        assert len(entry.summary) <= SUMMARY_CHARS and len(entry.details) <= DETAILS_CHARS
        assert "\n" not in entry.summary and "\x1b" not in entry.summary + entry.details
    assert entries[0].summary.endswith("…")
    assert "[[[[" in entries[1].details and "bottom" not in entries[1].details  # cut at the depth bound
    assert "<b>bold</b>" in entries[2].summary  # kept as the text the page logged, for a text widget


def test_names_follow_the_page_through_mutations() -> None:
    def mutation(at: float, **parts: Any) -> dict[str, Any]:
        return ev(at, source=0, **({"adds": [], "removes": [], "texts": [], "attributes": []} | parts))

    button = el(40, "button", [text(41, "Pay now")])
    entries = timeline(page(
        mutation(500, adds=[{"parentId": 3, "nextId": None, "node": button}]),
        click(1000, 40),
        mutation(2000, texts=[{"id": 41, "value": "Paid"}], attributes=[{"id": 40, "attributes": {"id": "pay"}}]),
        click(3000, 41),
        mutation(4000, removes=[{"parentId": 3, "id": 40}]),
        click(5000, 40),
    ))  # fmt: skip
    assert [e.summary for e in entries if e.kind == EntryKind.CLICK] == [
        "Click on “Pay now” button",
        "Click on “Paid” button",
        "Click on an element no longer on the page",
    ]

