"""mixpanel-browser's wire formats decoded, and profile and event semantics as the cache stores them."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from replay_core import RecordingError
from replay_core.analytics import parse_track_events
from replay_core.ingest import (
    basic_auth_token,
    decode_data_payload,
    parse_query,
    parse_record_batch,
)
from tests.storage.helpers import synthetic_events
from viewer.storage import CacheUpdate, ProfileChange, ReplayCache, ReplayQuery
from viewer.storage.importer import analytics_event, import_path
from viewer.storage.schema import analytics_events

EVENT = {
    "event": "Add To Cart",
    "properties": {"time": 1795906416.5, "distinct_id": "u1", "$insert_id": "abc", "note": "a+b>?"},
}

RECEIVED_MS = 1795906420000


def _b64(payload: object) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "body",
    [
        "data=" + quote(_b64([EVENT]), safe=""),  # what the SDK sends: base64, URI-encoded
        "data=" + _b64([EVENT]),  # base64 whose '+' and '/' were not encoded
        "data=" + quote(json.dumps([EVENT])),  # api_payload_format: 'json'
        json.dumps(EVENT),  # a bare JSON body, one event
    ],
)
def test_track_bodies_in_every_encoding_decode_to_the_same_event(body: str) -> None:
    (event,) = parse_track_events(body.encode(), RECEIVED_MS)
    assert (event.name, event.time_ms, event.distinct_id, event.insert_id) == (
        "Add To Cart",
        1795906416500.0,
        "u1",
        "abc",
    )
    assert event.properties["note"] == "a+b>?"
    assert decode_data_payload(body.encode()) in ([EVENT], EVENT)


def test_record_batches_plain_or_gzip_and_their_token() -> None:
    events = synthetic_events(1_790_000_000_000)
    query = "replay_id=r-1&seq=2&distinct_id=%24device%3Aabc&replay_start_time=1790000000.5"
    plain = parse_record_batch(parse_query(query + "&format=body"), json.dumps(events).encode())
    zipped = parse_record_batch(
        parse_query(query + "&format=gzip"), gzip.compress(json.dumps(events).encode())
    )
    assert plain.events == zipped.events == events
    assert (plain.params.replay_id, plain.params.seq, plain.params.person) == ("r-1", 2, "$device:abc")
    assert basic_auth_token("Basic " + base64.b64encode(b"tok123:").decode()) == "tok123"
    assert basic_auth_token("Bearer x") is None
    with pytest.raises(RecordingError, match="replay_id"):
        parse_record_batch(parse_query("seq=0&format=body"), json.dumps(events).encode())
    with pytest.raises(RecordingError, match="gzip"):
        parse_record_batch(parse_query(query + "&format=gzip"), json.dumps(events).encode())


def test_profile_operations_set_once_unset_and_delete(tmp_path: Path) -> None:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3")
    cache.apply(
        CacheUpdate(
            profiles=[
                ProfileChange(
                    "u1",
                    set={"$name": "Ann Lee", "$email": "ann@x.org", "plan": "trial"},
                    set_once={"first": "a"},
                )
            ]
        )
    )
    cache.apply(
        CacheUpdate(
            profiles=[ProfileChange("u1", set={"plan": "pro"}, set_once={"first": "b"}, unset=["$email"])]
        )
    )
    user = cache.get_user("u1")
    assert user is not None
    assert (user.name, user.email, user.properties) == (
        "Ann Lee",
        None,
        {"$name": "Ann Lee", "first": "a", "plan": "pro"},
    )
    cache.apply(CacheUpdate(profiles=[ProfileChange("u1", delete=True)]))
    gone = cache.get_user("u1")
    assert gone is not None and (gone.name, gone.properties) == (None, {})
    assert cache.all_replays(ReplayQuery(search="ann")) == []


def test_an_event_sent_twice_is_stored_once(tmp_path: Path) -> None:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3")
    body = ("data=" + quote(_b64([EVENT]), safe="")).encode()
    beacon, retry = parse_track_events(body, RECEIVED_MS), parse_track_events(body, RECEIVED_MS + 5000)
    first = cache.apply(CacheUpdate(events=[analytics_event(e) for e in beacon]))
    second = cache.apply(CacheUpdate(events=[analytics_event(e) for e in retry]))
    assert (first.events_added, second.events_added, cache.row_counts()["analytics_events"]) == (1, 0, 1)


def _capture_file(folder: Path, name: str, items: object, **fields: object) -> None:
    body = ("data=" + quote(_b64(items), safe="")).encode()
    document = {"method": "POST", "path": "/track/", "query_string": "verbose=1", "headers": [], **fields}
    document["body_b64"] = base64.b64encode(body).decode()
    (folder / name).write_text(json.dumps(document))


def test_a_captured_request_the_server_would_refuse_is_reported_and_skipped(tmp_path: Path) -> None:
    """A request whose only item is refused is skipped; a refused item in a good request is dropped
    alone, with its reason, and the rest imported (as the server does)."""
    folder = tmp_path / "capture"
    folder.mkdir()
    untimed = {"event": "Sign Up", "properties": {"distinct_id": "u1"}}
    _capture_file(folder, "001-track.req", [untimed], seq=1)  # no receive time to stand for `time`
    _capture_file(folder, "002-track.req", [EVENT, {"event": "", "properties": {}}], seq=2)
    _capture_file(folder, "003-track.req", [untimed], seq=3, received_at_ms=RECEIVED_MS)
    with ReplayCache.open(tmp_path / "cache.sqlite3") as cache:
        outcome = import_path(cache, folder)
        assert outcome.problems == [
            "request 1 to /track/: item 0: no 'time', and no receive time to stand for it",
            "request 2 to /track/: dropped item 1: 'event' must be a non-empty string",
        ]
        assert outcome.result.events_added == 2
        with cache.reading() as conn:
            rows = conn.execute(select(analytics_events.c.name, analytics_events.c.time_ms)).all()
        assert sorted(tuple(row) for row in rows) == [("Add To Cart", 1795906416500.0), ("Sign Up", RECEIVED_MS)]
