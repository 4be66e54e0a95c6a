"""The one set of ingest rules: event times, the dedupe key, valid items and profile operations."""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any
from urllib.parse import quote

import pytest

from replay_core.analytics import (
    ProfileUpdate,
    dedupe_key,
    event_time_ms,
    parse_engage_items,
    parse_track_events,
    parse_track_items,
)
from replay_core.epoch import SECONDS_LIMIT, epoch_ms, looks_like_seconds
from replay_core.ingest import (
    IngestError,
    parse_captured_request,
    parse_record_batch,
    parse_record_params,
    text_value,
)

RECEIVED_MS = 1_795_906_560_116.0


def _item(name: str = "Sign Up", **properties: Any) -> dict[str, Any]:
    return {"event": name, "properties": {"distinct_id": "u1", **properties}}


def test_seconds_and_milliseconds_are_told_apart_by_one_limit() -> None:
    assert epoch_ms(1795906557.64) == pytest.approx(1795906557640.0)
    assert epoch_ms(1795906557640) == 1795906557640.0
    assert looks_like_seconds(SECONDS_LIMIT - 1) and not looks_like_seconds(SECONDS_LIMIT)
    assert epoch_ms(SECONDS_LIMIT) == SECONDS_LIMIT


def test_a_missing_time_is_the_time_the_request_was_received() -> None:
    assert event_time_ms(None, RECEIVED_MS) == RECEIVED_MS
    (event,) = parse_track_items([_item()], RECEIVED_MS)
    assert event.time_ms == RECEIVED_MS
    (timed,) = parse_track_items([_item(time=1795906557.5)], RECEIVED_MS)
    assert timed.time_ms == 1795906557500.0


def test_a_missing_time_without_a_receive_time_is_refused() -> None:
    with pytest.raises(IngestError, match="item 0: no 'time'"):
        parse_track_items([_item()], None)


@pytest.mark.parametrize("value", ["1795906557", "yesterday", True, -1, math.inf, math.nan, [1], {}])
def test_a_time_that_is_not_a_number_of_seconds_or_milliseconds_is_refused(value: Any) -> None:
    with pytest.raises(IngestError, match="'time' must be a number"):
        event_time_ms(value, RECEIVED_MS)


def test_the_dedupe_key_is_the_sdk_insert_id() -> None:
    assert dedupe_key("Sign Up", {"$insert_id": "9k931x1ng748mdoy"}) == "9k931x1ng748mdoy"
    # Not an id by replay_core.validate.ID_PATTERN: the key is a digest instead.
    assert dedupe_key("x", {"$insert_id": "nul\x00id"}).startswith("h:")
    assert dedupe_key("x", {"$insert_id": ".."}).startswith("h:")


@pytest.mark.parametrize("insert_id", [None, "", 12, "x" * 201, "a/b", "a b", "\ud800"])
def test_without_a_usable_insert_id_the_key_is_a_digest_of_the_content(insert_id: Any) -> None:
    properties = {"time": 1795906557.5, "distinct_id": "u1", "$insert_id": insert_id}
    key = dedupe_key("Sign Up", properties)
    assert key.startswith("h:") and len(key) == 34 and int(key[2:], 16) >= 0
    assert dedupe_key("Sign Up", dict(reversed(properties.items()))) == key  # key order does not matter
    assert dedupe_key("Sign In", properties) != key
    assert dedupe_key("Sign Up", {**properties, "time": 1795906557.6}) != key


def test_an_event_without_insert_id_or_time_sent_twice_has_one_key_and_each_its_receive_time() -> None:
    body = ("data=" + quote(base64.b64encode(json.dumps([_item()]).encode()).decode(), safe="")).encode()
    (beacon,) = parse_track_events(body, RECEIVED_MS)
    (retry,) = parse_track_events(json.dumps(_item()).encode(), RECEIVED_MS + 5000)
    assert beacon.insert_id == retry.insert_id
    assert (beacon.time_ms, retry.time_ms) == (RECEIVED_MS, RECEIVED_MS + 5000)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"properties": {}}, "item 0: 'event' must be a non-empty string"),
        ({"event": "  "}, "item 0: 'event' must be a non-empty string"),
        ({"event": "x", "properties": ["token"]}, "item 0: 'properties' must be an object"),
        (_item(time="now"), "item 0: 'time' must be a number"),
    ],
)
def test_a_bad_track_item_refuses_the_request(item: dict[str, Any], message: str) -> None:
    with pytest.raises(IngestError, match=message):
        parse_track_items([item], RECEIVED_MS)


def test_ids_are_text_or_numbers_cleaned_and_bounded() -> None:
    (event,) = parse_track_items(
        [_item("Odd\ud800\x00", distinct_id=42, **{"$user_id": True, "$mp_replay_id": "r" * 300})],
        RECEIVED_MS,
    )
    assert (event.name, event.distinct_id, event.user_id, event.replay_id) == ("Odd?", "42", "", "r" * 200)
    assert text_value({"a": 1}) == "" and text_value(None) == ""


def test_profile_operations_apply_in_one_order_and_delete_wins() -> None:
    (first, second, gone) = parse_engage_items(
        [
            {"$distinct_id": "u1", "$set": {"plan": "trial"}, "$set_once": {"first": "a", "plan": "x"}},
            {"$distinct_id": "u1", "$set": {"plan": "pro"}, "$set_once": {"first": "b"}, "$unset": ["gone"]},
            {"$distinct_id": "u1", "$delete": "", "$set": {"plan": "kept?"}},
        ]
    )
    after_first = first.applied_to({"gone": 1})
    assert after_first == {"gone": 1, "first": "a", "plan": "trial"}
    assert second.applied_to(after_first) == {"first": "a", "plan": "pro"}
    assert gone == ProfileUpdate("u1", delete=True) and gone.applied_to({"plan": "pro"}) is None


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"$set": {}}, "'\\$distinct_id' must be a non-empty string"),
        ({"$distinct_id": 7}, "'\\$distinct_id' must be a non-empty string"),
        ({"$distinct_id": "u", "$set": 3}, "'\\$set' must be an object"),
        ({"$distinct_id": "u", "$set_once": []}, "'\\$set_once' must be an object"),
        ({"$distinct_id": "u", "$unset": "plan"}, "'\\$unset' must be a list"),
    ],
)
def test_a_bad_engage_item_is_dropped_alone_and_refuses_a_request_of_its_own(
    item: dict[str, Any], message: str
) -> None:
    dropped: list[str] = []
    (kept,) = parse_engage_items([{"$distinct_id": "ok"}, item], dropped)
    assert kept.distinct_id == "ok"
    assert len(dropped) == 1 and re.search("item 1: " + message, dropped[0])
    with pytest.raises(IngestError, match="item 0: " + message):
        parse_engage_items([item])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"seq": "0"}, "missing query parameter 'replay_id'"),
        ({"replay_id": "a b", "seq": "0"}, "'replay_id' must be"),
        ({"replay_id": "r"}, "missing query parameter 'seq'"),
        ({"replay_id": "r", "seq": "-1"}, "'seq' must be a whole number"),
        ({"replay_id": "r", "seq": "\u00b2"}, "'seq' must be a whole number"),
        ({"replay_id": "r", "seq": "1000000001"}, "'seq' must be a whole number"),
    ],
)
def test_bad_record_parameters_are_refused(query: dict[str, str], message: str) -> None:
    with pytest.raises(IngestError, match=message):
        parse_record_params(query)


def test_the_person_of_a_batch_is_the_user_else_the_distinct_id_else_the_device() -> None:
    assert parse_record_params({"replay_id": "r", "seq": "3", "$device_id": "d"}).person == "d"
    both = parse_record_params({"replay_id": "r", "seq": "3", "distinct_id": "x", "$user_id": "u"})
    assert (both.seq, both.person) == (3, "u")


def test_a_record_body_is_checked_alike_everywhere() -> None:
    move = {"type": 3, "data": {"source": 1, "positions": []}, "timestamp": 1_795_906_413_570}
    query = {"replay_id": "r", "seq": "0"}
    with pytest.raises(IngestError, match="seq=0 has no FullSnapshot"):
        parse_record_batch(query, json.dumps([move]).encode())
    with pytest.raises(IngestError, match="look like seconds"):
        parse_record_batch({**query, "seq": "1"}, json.dumps([{**move, "timestamp": 1_795_906_413}]).encode())
    with pytest.raises(IngestError, match="format=gzip but the body is not gzip"):
        parse_record_batch({**query, "format": "gzip"}, b"[]")
    assert parse_record_batch({**query, "seq": "1"}, json.dumps([move]).encode()).events == [move]


def test_a_captured_request_says_when_it_was_received() -> None:
    document = {"method": "POST", "path": "/track/", "body_b64": "", "received_at_ms": 1795906560116}
    assert parse_captured_request(document).received_ms == 1795906560116.0
    older = {**document, "received_at_ms": None, "received_at": "2026-11-28T22:56:00.116+00:00"}
    assert parse_captured_request(older).received_ms == pytest.approx(1795906560116.0)
    naive = {**older, "received_at": "2026-11-28T22:56:00.116"}
    assert parse_captured_request(naive).received_ms is None
