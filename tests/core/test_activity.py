"""Inactive spans, active time and markers, on synthetic events and on the real fixtures."""

from __future__ import annotations

from replay_core import MarkerKind, inactive_spans, read_recording, summarize
from replay_core.activity import InactiveSpan, is_user_interaction
from tests.paths import RRWEB_FIXTURES

T0 = 1_700_000_000_000


def ev(at: int, kind: int = 3, **data: object) -> dict:
    return {"type": kind, "timestamp": T0 + at, "data": data}


def test_gaps_between_interactions_at_the_threshold_are_inactive() -> None:
    events = [
        ev(0, 4, href="http://a/", width=800, height=600),
        ev(1, 2, node={}),
        ev(1000, source=1, positions=[]),
        ev(7000, source=0, adds=[], removes=[], texts=[], attributes=[]),  # a mutation is not the user
        ev(9000, source=2, type=2, id=5),
        ev(13000, source=5, text="a", id=7),
        ev(30000, source=0, adds=[], removes=[], texts=[], attributes=[]),
    ]
    assert inactive_spans(events) == [InactiveSpan(1000, 9000), InactiveSpan(13000, 30000)]
    assert inactive_spans(events, threshold_ms=10000) == [InactiveSpan(13000, 30000)]
    summary = summarize_events(events)
    assert summary.active_ms == 30000 - 8000 - 17000


def summarize_events(events: list[dict]):  # type: ignore[no-untyped-def]
    from replay_core.reader import prepare_events

    return summarize(prepare_events(events))


def test_iframe_mouse_moves_recorded_as_touchmove_count_as_interaction() -> None:
    assert is_user_interaction(ev(0, source=6, positions=[]))
    assert not is_user_interaction(ev(0, source=9, id=1))


def test_scripted_idle_in_the_fixtures_is_one_inactive_span() -> None:
    # Scripted idle windows as the fixtures' MANIFEST describes them (ms from the first event).
    scripted = {"todomvc-vue_idle-gap": (12702, 52717), "todomvc-lit_iframe-idle": (18893, 48905)}
    for path in RRWEB_FIXTURES:
        spans = summarize(read_recording(path)).inactive_spans
        long_spans = [s for s in spans if s.duration_ms > 20000]
        if path.stem in scripted:
            start, end = scripted[path.stem]
            assert len(long_spans) == 1 and long_spans[0].start_ms <= start and long_spans[0].end_ms >= end
        else:
            assert long_spans == [], path.stem


def test_markers_follow_the_events() -> None:
    es5 = next(p for p in RRWEB_FIXTURES if "vanilla-es5" in p.name)
    recording = read_recording(es5)
    summary = summarize(recording)
    clicks = [e for e in recording.events if e["type"] == 3 and e["data"]["source"] == 2 and e["data"]["type"] in (2, 4)]
    assert summary.click_count == len(clicks)
    custom = [m for m in summary.markers if m.kind == MarkerKind.CUSTOM]
    assert [m.label for m in custom] == ["todos-done"]
    pages = [m for m in summary.markers if m.kind == MarkerKind.PAGE]
    assert pages[0].at_ms == 0 and pages[0].label.endswith("/javascript-es5/dist/index.html")
    times = [m.at_ms for m in summary.markers]
    assert times == sorted(times)


def test_checkout_snapshots_of_the_same_url_are_not_page_changes() -> None:
    jquery = next(p for p in RRWEB_FIXTURES if "jquery" in p.name)
    pages = [m for m in summarize(read_recording(jquery)).markers if m.kind == MarkerKind.PAGE]
    # Four Metas: index.html, #/completed, #/all, #/all again (a checkout) -> three URL changes.
    assert [m.label.split("dist/")[-1] for m in pages] == ["index.html", "index.html#/completed", "index.html#/all"]
