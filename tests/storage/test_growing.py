"""A replay that grows batch by batch (a sync appending what the SDK sent since) is stored exactly as if
its events had come at once: the same chunks, figures and heatmap rows (issue 11: appending costs the
batch, not the replay). The append neither reads the stored events back into a list nor encodes them
again; a cache opened afresh analyses the stored events once, and late events take the whole path."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from replay_core import read_recording, summarize
from replay_core.events import Event, EventType
from replay_core.following import ReplayFollower
from replay_core.reader import Recording
from tests.paths import RRWEB_FIXTURES
from viewer.storage import ReplayCache, heatmaps, writes
from viewer.storage.models import ReplayBatch
from viewer.storage.schema import event_chunks, heatmap_clicks, heatmap_visits, replays

REPLAY = "growing-1"
IGNORED = {"updated_ms", "id"}


def batches(events: list[Event], count: int, seed: int) -> list[list[Event]]:
    """`events` cut into `count` batches at random places between two timestamps (as the SDK flushes),
    never between a Meta and its FullSnapshot (rrweb emits them together)."""
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(events)), count - 1))
    cuts = [
        c for c in cuts
        if events[c]["timestamp"] > events[c - 1]["timestamp"] and events[c - 1]["type"] != EventType.META
    ]  # fmt: skip
    bounds = [0, *cuts, len(events)]
    return [events[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def stored(cache: ReplayCache) -> dict[str, Any]:
    """Everything the cache holds of the replay: its row, its chunks and its heatmap rows."""
    with cache.reading() as conn:
        row = conn.execute(select(replays).where(replays.c.id == REPLAY)).mappings().one()
        chunks = conn.execute(
            select(event_chunks).where(event_chunks.c.replay_id == REPLAY).order_by(event_chunks.c.idx)
        ).mappings().all()  # fmt: skip
        visits = conn.execute(
            select(heatmap_visits).where(heatmap_visits.c.replay_id == REPLAY).order_by(heatmap_visits.c.started_ms)
        ).mappings().all()  # fmt: skip
        clicks = conn.execute(
            select(heatmap_clicks).where(heatmap_clicks.c.replay_id == REPLAY).order_by(heatmap_clicks.c.at_ms)
        ).mappings().all()  # fmt: skip
    def plain(rows: Any) -> list[dict[str, Any]]:
        return [{k: v for k, v in dict(r).items() if k not in IGNORED | {"visit_id", "page_id"}} for r in rows]
    return {
        "row": {k: v for k, v in dict(row).items() if k not in IGNORED},
        "chunks": plain(chunks),
        "visits": plain(visits),
        "clicks": plain(clicks),
    }


def at_once(path: Path, events: list[Event]) -> dict[str, Any]:
    with ReplayCache.open(path) as cache:
        cache.add_batch(ReplayBatch(REPLAY, "all", events, user_id="u1"))
        return stored(cache)


@pytest.mark.parametrize("fixture", RRWEB_FIXTURES, ids=lambda p: p.stem)
def test_a_replay_grown_batch_by_batch_is_stored_as_if_whole(
    fixture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = read_recording(fixture).events
    whole = at_once(tmp_path / "whole.sqlite3", events)
    parts = batches(events, 12, seed=len(events))
    assert len(parts) > 3
    path = tmp_path / "grown.sqlite3"
    with ReplayCache.open(path) as cache:
        cache.add_batch(ReplayBatch(REPLAY, "seq:0", parts[0], user_id="u1"))

    def read_back(*_: Any) -> Any:
        raise AssertionError("an append read the stored events back to encode them again")

    monkeypatch.setattr(writes, "stored_events", read_back)
    half = len(parts) // 2
    with ReplayCache.open(path) as cache:  # opened afresh: the first append analyses the stored events once
        for number, part in enumerate(parts[1:half], start=1):
            cache.add_batch(ReplayBatch(REPLAY, f"seq:{number}", part, user_id="u1"))
        assert len(cache.growing) == 1
    with ReplayCache.open(path) as cache:
        for number, part in enumerate(parts[half:], start=half):
            cache.add_batch(ReplayBatch(REPLAY, f"seq:{number}", part, user_id="u1"))
        assert stored(cache) == whole


def test_late_events_take_the_whole_path_and_the_replay_is_still_right(tmp_path: Path) -> None:
    events = read_recording(max(RRWEB_FIXTURES, key=lambda p: p.stat().st_size)).events
    whole = at_once(tmp_path / "whole.sqlite3", events)
    first, second, third = batches(events, 3, seed=7)
    with ReplayCache.open(tmp_path / "grown.sqlite3") as cache:
        cache.add_batch(ReplayBatch(REPLAY, "seq:0", first, user_id="u1"))
        cache.add_batch(ReplayBatch(REPLAY, "seq:2", third, user_id="u1"))
        cache.add_batch(ReplayBatch(REPLAY, "seq:1", second, user_id="u1"))  # arrives late: earlier events
        cache.add_batch(ReplayBatch(REPLAY, "seq:1", second, user_id="u1"))  # again: nothing changes
        assert stored(cache) == whole


def stretched(events: list[Event], factor: int) -> list[Event]:
    """The recording played `factor` times slower: minutes long, so that an append leaves the earlier
    visits, and the earlier clicks of the page still open, as they are stored."""
    origin = events[0]["timestamp"]
    return [{**e, "timestamp": origin + (e["timestamp"] - origin) * factor} for e in events]


def fixture_events(name: str) -> list[Event]:
    return read_recording(next(p for p in RRWEB_FIXTURES if name in p.name)).events


def two_pages() -> list[Event]:
    """One recording, then a page load of another site's page 2 s after it ended (a navigation)."""
    first, second = stretched(fixture_events("checkout-sampling"), 6), stretched(fixture_events("vue_idle-gap"), 4)
    shift = first[-1]["timestamp"] + 2000 - second[0]["timestamp"]
    return first + [{**e, "timestamp": e["timestamp"] + shift} for e in second]


@pytest.mark.parametrize("name", ["two-pages", "long-mutations"])
def test_a_long_replay_grown_keeps_what_its_new_events_cannot_change(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = two_pages() if name == "two-pages" else stretched(fixture_events(name), 6)
    whole = at_once(tmp_path / "whole.sqlite3", events)
    kept: list[tuple[int, int]] = []
    store = heatmaps.store

    def counting(conn: Any, replay_id: str, visits: Any, keep: int = 0, kept_clicks: int = 0, *rest: Any) -> None:
        kept.append((keep, kept_clicks))
        store(conn, replay_id, visits, keep, kept_clicks, *rest)

    monkeypatch.setattr(heatmaps, "store", counting)
    with ReplayCache.open(tmp_path / "grown.sqlite3") as cache:
        for number, part in enumerate(batches(events, 15, seed=3)):
            cache.add_batch(ReplayBatch(REPLAY, f"seq:{number}", part, user_id="u1"))
        assert stored(cache) == whole
    assert any(clicks for _, clicks in kept), "some appends kept clicks of the open visit as stored"
    if name == "two-pages":
        assert any(visits for visits, _ in kept), "some appends kept earlier visits as stored"


@pytest.mark.parametrize("path_taken", ["append", "whole"])
def test_a_page_load_split_from_its_snapshot_across_two_batches_keeps_its_meta(
    path_taken: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK may flush a page load's Meta in one batch and its FullSnapshot in the next. The Meta was
    dropped as an orphan when its batch was stored, and the page load then never had it (its address,
    its window size). Now the cache keeps it and the player is not given it until the page comes."""
    fixture = next(p for p in RRWEB_FIXTURES if "checkout-sampling" in p.name)  # four page loads
    events = read_recording(fixture).events
    meta = next(i for i, e in enumerate(events) if i > 0 and e["type"] == EventType.META)
    assert events[meta + 1]["type"] == EventType.FULL_SNAPSHOT
    if path_taken == "whole":
        monkeypatch.setattr(writes, "append_events", lambda *_: False)
    whole = at_once(tmp_path / "whole.sqlite3", events)
    with ReplayCache.open(tmp_path / "split.sqlite3") as cache:
        cache.add_batch(ReplayBatch(REPLAY, "seq:0", events[: meta + 1], user_id="u1"))
        assert cache.events(REPLAY) == events[:meta]  # the page has not come: the player ends before it
        cache.add_batch(ReplayBatch(REPLAY, "seq:1", events[meta + 1 :], user_id="u1"))
        assert cache.events(REPLAY) == events
        assert stored(cache) == whole


def test_the_replay_shown_gets_each_batch_from_the_chunks_that_hold_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the app reads when a sync grows the replay it shows (viewer.ui.replay_loading.grow_replay):
    every event once, in order, read from the chunks that hold the batch (not the whole replay)."""
    from viewer.storage import cache as cache_module

    events = stretched(fixture_events("long-mutations"), 6)
    parts = batches(events, 15, seed=5)
    decoded: list[int] = []
    decode = cache_module.decode_chunk

    def counting(data: bytes) -> list[Event]:
        chunk = decode(data)
        decoded.append(len(chunk))
        return chunk

    with ReplayCache.open(tmp_path / "grown.sqlite3") as cache:
        cache.add_batch(ReplayBatch(REPLAY, "seq:0", parts[0], user_id="u1"))
        shown = cache.events(REPLAY)
        follower = ReplayFollower(Recording(list(shown), REPLAY))
        monkeypatch.setattr(cache_module, "decode_chunk", counting)
        for number, part in enumerate(parts[1:], start=1):
            cache.add_batch(ReplayBatch(REPLAY, f"seq:{number}", part, user_id="u1"))
            decoded.clear()
            fresh = follower.append(cache.events_from(REPLAY, follower.end_ts))
            assert fresh == part
            assert sum(decoded) - len(fresh) <= max(decoded), f"batch {number}: more than one chunk of events read again"
            shown += fresh
        assert len(stored(cache)["chunks"]) > 4
    assert shown == events
    assert follower.summary() == summarize(Recording(events, REPLAY))


def test_a_page_load_split_from_the_last_events_millisecond_is_read_once_its_page_came(tmp_path: Path) -> None:
    """checkout-sampling's second page load has its Meta on the millisecond of the event before it: a
    batch that ends before the Meta, then the Meta alone, then its page."""
    fixture = next(p for p in RRWEB_FIXTURES if "checkout-sampling" in p.name)  # four page loads
    events = read_recording(fixture).events
    meta = next(i for i, e in enumerate(events) if i > 0 and e["type"] == EventType.META)
    assert events[meta]["timestamp"] == events[meta - 1]["timestamp"]
    with ReplayCache.open(tmp_path / "split.sqlite3") as cache:
        cache.add_batch(ReplayBatch(REPLAY, "seq:0", events[:meta], user_id="u1"))
        follower = ReplayFollower(Recording(cache.events(REPLAY), REPLAY))
        cache.add_batch(ReplayBatch(REPLAY, "seq:1", events[meta : meta + 1], user_id="u1"))  # the Meta alone
        assert follower.append(cache.events_from(REPLAY, follower.end_ts)) == []  # its page has not come
        cache.add_batch(ReplayBatch(REPLAY, "seq:2", events[meta + 1 :], user_id="u1"))
        assert follower.append(cache.events_from(REPLAY, follower.end_ts)) == events[meta:]
    assert follower.summary() == summarize(Recording(events, REPLAY))
