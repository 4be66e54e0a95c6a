"""The first-run demo: loading the committed demo replays, users and analytics events into a fresh cache."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from replay_core import EventType, IncrementalSource, inactive_spans, parse_recording
from viewer import demo, resources
from viewer.storage import ReplayCache
from viewer.storage.schema import analytics_events

NOW_MS = round(time.time() * 1000)
DAY_MS = 86_400_000
TYPED_SECRETS = [b"correct horse", b"4242 4242", b"alice.martin@", b"rue de la Paix", b"Alice", b"Erin"]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return demo.read_demo()


@pytest.fixture
def cache() -> Iterator[ReplayCache]:
    with ReplayCache.open() as opened:
        assert demo.load_demo(opened, now_ms=NOW_MS) > 0
        yield opened


def stored_events(cache: ReplayCache) -> list[Any]:
    with cache.reading() as conn:
        return list(conn.execute(select(analytics_events)))


def test_the_demo_is_installed_and_small() -> None:
    assert demo.demo_available()
    assert resources.demo_file().stat().st_size < 2_000_000


def test_loading_stores_the_replays_users_and_events_of_the_file(
    cache: ReplayCache, document: dict[str, Any]
) -> None:
    rows = cache.all_replays()
    assert {row.id for row in rows} == {replay["id"] for replay in document["replays"]}
    assert {row.user_id for row in rows} == {replay["user_id"] for replay in document["replays"]}
    assert len(document["replays"]) >= 6
    for user in document["users"]:
        profile = cache.get_user(user["id"])
        assert profile is not None and profile.replay_count > 0
        assert (profile.name, profile.email) == (user["properties"]["$name"], user["properties"]["$email"])
    assert len(stored_events(cache)) == len(document["events"])
    assert {"Sign Up", "Search", "Add To Cart", "Checkout Started", "Purchase"} <= {
        event["name"] for event in document["events"]
    }


def test_each_replay_reads_with_the_recording_reader_and_masks_what_users_typed(cache: ReplayCache) -> None:
    for row in cache.all_replays():
        raw = orjson.dumps(cache.events(row.id))
        recording = parse_recording(raw, name=row.id)
        assert recording.warnings == []
        kinds = [event["type"] for event in recording.events]
        assert kinds.count(EventType.META) == kinds.count(EventType.FULL_SNAPSHOT) >= 1  # one per page load
        assert kinds.index(EventType.FULL_SNAPSHOT) < kinds.index(EventType.INCREMENTAL_SNAPSHOT)
        assert 30_000 <= recording.duration_ms <= 150_000
        assert row.start_url.startswith("https://demo-shop.example/")
        assert not [secret for secret in TYPED_SECRETS if secret in raw], row.id


def test_input_values_are_recorded_masked(cache: ReplayCache) -> None:
    inputs = [
        event["data"]["text"]
        for row in cache.all_replays()
        for event in cache.events(row.id)
        if event["type"] == EventType.INCREMENTAL_SNAPSHOT and event["data"]["source"] == IncrementalSource.INPUT
    ]
    assert len(inputs) > 50
    assert all(text and set(text) == {"*"} for text in inputs)


def test_the_promo_banner_is_blocked(cache: ReplayCache) -> None:
    raws = [orjson.dumps(cache.events(row.id)) for row in cache.all_replays()]
    assert not any(b"Autumn sale" in raw for raw in raws)
    assert all(b"rr_width" in raw for raw in raws)  # rrweb's placeholder for a blocked element keeps its size


def test_some_replays_have_idle_spans_to_skip(cache: ReplayCache) -> None:
    longest = [
        max((span.duration_ms for span in inactive_spans(cache.events(row.id))), default=0.0)
        for row in cache.all_replays()
    ]
    assert sum(1 for ms in longest if ms > 5000) >= 3
    assert any(20_000 <= ms <= 45_000 for ms in longest)


def test_analytics_events_point_into_their_replays(cache: ReplayCache) -> None:
    rows = {row.id: row for row in cache.all_replays()}
    for event in stored_events(cache):
        row = rows[event.replay_id]
        assert row.start_ms <= event.time_ms <= row.end_ms, event.name
        assert event.user_id == row.user_id
        assert orjson.loads(event.properties)["$mp_replay_id"] == row.id


def test_loading_twice_changes_nothing(cache: ReplayCache) -> None:
    counts = cache.row_counts()
    users = [cache.get_user(row.user_id or "") for row in cache.all_replays()]
    assert demo.load_demo(cache, now_ms=NOW_MS + DAY_MS) == 0
    assert cache.row_counts() == counts
    assert [cache.get_user(row.user_id or "") for row in cache.all_replays()] == users


def test_times_are_moved_to_just_before_now(cache: ReplayCache, document: dict[str, Any]) -> None:
    rows = cache.all_replays()
    assert max(row.end_ms for row in rows) == pytest.approx(NOW_MS - demo.END_BEFORE_NOW_MS, abs=1)
    assert min(row.start_ms for row in rows) > NOW_MS - 14 * DAY_MS
    recorded = {r["id"]: min(e["timestamp"] for e in r["events"]) for r in document["replays"]}
    shifts = {row.start_ms - round(recorded[row.id]) for row in rows}
    assert max(shifts) - min(shifts) <= 1  # one offset for all: times between replays are kept


def test_a_missing_demo_file_says_so(tmp_path: Any) -> None:
    assert not demo.demo_available(tmp_path / "none.json.gz")
    with ReplayCache.open() as opened, pytest.raises(demo.DemoUnavailable, match="not installed"):
        demo.load_demo(opened, path=tmp_path / "none.json.gz")


@pytest.mark.webengine
def test_a_demo_moment_shows_the_shop(cache: ReplayCache, qapp: Any) -> None:
    from viewer.player.moment import MomentRenderer

    first = min(cache.all_replays(), key=lambda row: row.start_ms)
    recording = parse_recording(orjson.dumps(cache.events(first.id)))
    renderer = MomentRenderer.start(remote_assets=False)
    try:
        renderer.show(recording)
        renderer.seek(3000)
        text = renderer.text()
    finally:
        renderer.close()
    assert "Demo Shop" in text.visible
    assert "Everything for a better cup" in text.visible


def test_the_demo_loader_does_not_import_qt() -> None:
    code = "import sys, viewer.demo; print(any(m.startswith(('PySide6', 'shiboken6')) for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr
