"""The one validation at the edge (replay_core.validate), case by case: each case fuzzing found (issue 19)
is refused with one line, or cleaned, by the reader and the ingest rules alike."""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

import orjson
import pytest

from replay_core import RecordingError, parse_recording
from replay_core.analytics import (
    event_time_ms,
    parse_engage_items,
    parse_profile_updates,
    parse_track_events,
    parse_track_items,
)
from replay_core.ingest import IngestError, parse_captured_request, parse_record_batch, parse_record_params
from replay_core.validate import (
    ID_PATTERN,
    MAX_EVENT_DEPTH,
    MAX_PROPERTY_DEPTH,
    TIME_MAX_MS,
    TIME_MIN_MS,
    id_problem,
    in_time_range,
    json_problem,
    replace_lone_surrogates,
)
from tests.paths import RRWEB_FIXTURES

T0 = 1_795_906_413_570
RECEIVED_MS = 1_795_906_420_000
VUE = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)


def _fixture() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(VUE.read_bytes())
    return events


def _nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def _one_line_refusal(raw: bytes, *words: str) -> str:
    with pytest.raises(RecordingError) as caught:
        parse_recording(raw)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    for word in words:
        assert word.lower() in message.lower(), message
    return message


# --- ids ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [".", "..", "a/b", "/", "a\\b", "a b", "x\n", "\x00", "\x85", "\ud800", "a" * 201, ""])
def test_an_id_outside_the_pattern_is_refused(bad: str) -> None:
    assert id_problem(bad, "replay_id") is not None and not ID_PATTERN.match(bad)


@pytest.mark.parametrize("good", ["...", ".a", "r1", "$device:18f-3a", "user@example.com", "Jürgen", "a" * 200])
def test_opaque_ids_match_the_pattern(good: str) -> None:
    assert id_problem(good, "replay_id") is None


@pytest.mark.parametrize("replay_id", [".", "..", "a/b", "%2e%2e"[:0] or "../x"])
def test_record_refuses_a_replay_id_that_is_a_path(replay_id: str) -> None:
    with pytest.raises(IngestError, match="'replay_id' must be"):
        parse_record_params({"replay_id": replay_id, "seq": "0"})


# --- times -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stamp", [1e300, 2**63, 2**64, 10**400, 1e15, TIME_MAX_MS, TIME_MIN_MS - 1, -1, 0, float("inf"), True]
)
def test_an_rrweb_timestamp_outside_2000_to_2100_is_refused_by_the_reader(stamp: Any) -> None:
    events = _fixture()
    events[5]["timestamp"] = stamp
    raw = json.dumps(events).encode() if stamp != float("inf") else orjson.dumps(events)
    # orjson refuses a 401-digit number (or infinity) while parsing, without naming the event.
    _one_line_refusal(raw, *(("event",) if isinstance(stamp, bool) or abs(stamp) < 1e301 else ()))


def test_timestamps_in_seconds_are_named_as_such() -> None:
    events = [{**e, "timestamp": e["timestamp"] // 1000} for e in _fixture()]
    _one_line_refusal(json.dumps(events).encode(), "seconds")


@pytest.mark.parametrize("time", [1e300, 2**64, 10**400, -1, 1e15])
def test_a_track_time_outside_the_range_is_refused_in_one_line(time: Any) -> None:
    with pytest.raises(IngestError) as caught:
        event_time_ms(time, RECEIVED_MS)
    assert "'time'" in str(caught.value) and "\n" not in str(caught.value) and len(str(caught.value)) < 200


def test_a_401_digit_time_in_a_track_body_is_one_line_not_an_overflow() -> None:
    body = b'[{"event":"x","properties":{"time":' + b"9" * 401 + b"}}]"
    with pytest.raises(IngestError, match="'time'"):
        parse_track_events(body, RECEIVED_MS)


def test_a_receive_time_outside_the_range_does_not_stand_for_a_missing_time() -> None:
    with pytest.raises(IngestError, match="receive time"):
        event_time_ms(None, 1e300)
    assert parse_captured_request({"body_b64": "", "received_at_ms": 2**64}).received_ms is None


@pytest.mark.parametrize("start", ["1e300", "nan", "inf", "99999999999999999", "-5", "12", "x"])
def test_a_replay_start_time_outside_the_range_is_refused(start: str) -> None:
    with pytest.raises(IngestError, match="replay_start_time"):
        parse_record_params({"replay_id": "r", "seq": "0", "replay_start_time": start})


def test_a_replay_start_time_in_seconds_or_ms_is_read() -> None:
    params = parse_record_params({"replay_id": "r", "seq": "0", "replay_start_time": "1795906413.57"})
    assert params.start_time_ms == pytest.approx(T0)
    assert in_time_range(params.start_time_ms)


# --- event shapes --------------------------------------------------------------------------------------


def _meta(events: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e for e in events if e["type"] == 4)


@pytest.mark.parametrize("width", ["wide", "abc", [1], 0, -5, True, 1.5, 10**6, None])
def test_a_meta_viewport_that_is_not_positive_whole_pixels_is_refused(width: Any) -> None:
    events = _fixture()
    _meta(events)["data"]["width"] = width
    _one_line_refusal(json.dumps(events).encode(), "width")


def test_a_mouse_interaction_type_must_be_an_integer() -> None:
    events = _fixture()
    click = next(e for e in events if e["type"] == 3 and e["data"]["source"] == 2)
    click["data"]["type"] = True
    _one_line_refusal(json.dumps(events).encode(), "MouseInteraction")


@pytest.mark.parametrize("children", ["x", 5, {"a": 1}, ["text"]])
def test_full_snapshot_child_nodes_must_be_a_list_of_nodes(children: Any) -> None:
    events = _fixture()
    snapshot = next(e for e in events if e["type"] == 2)
    snapshot["data"]["node"]["childNodes"][-1]["childNodes"] = children
    _one_line_refusal(json.dumps(events).encode(), "FullSnapshot")


def test_a_mutation_adding_a_node_with_broken_children_is_refused() -> None:
    events = _fixture()
    node = {"type": 2, "tagName": "div", "attributes": {}, "childNodes": "x", "id": 9999}
    events.append(
        {
            "type": 3,
            "timestamp": events[-1]["timestamp"] + 1,
            "data": {"source": 0, "adds": [{"parentId": 1, "nextId": None, "node": node}], "removes": []},
        }
    )
    _one_line_refusal(json.dumps(events).encode(), "Mutation")


# --- nesting and numbers --------------------------------------------------------------------------------


def test_many_events_at_one_timestamp_nested_150_deep_are_read_without_recursion_errors() -> None:
    events = _fixture()
    at = events[-1]["timestamp"] + 1
    # > 8 events at one timestamp are deduplicated by their JSON: 150 levels is within the bound.
    events += [{"type": 5, "timestamp": at, "data": {"tag": f"t{i}", "payload": _nested(150)}} for i in range(12)]
    assert len(parse_recording(json.dumps(events).encode()).events) == len(_fixture()) + 12
    # 150 DOM levels are 300 JSON levels: past the bound, one line.
    deep_node: dict[str, Any] = {"type": 3, "textContent": "x", "id": 5000}
    for level in range(150):
        deep_node = {"type": 2, "tagName": "div", "attributes": {}, "childNodes": [deep_node], "id": 6000 + level}
    events += [{"type": 5, "timestamp": at, "data": {"tag": f"d{i}", "payload": deep_node}} for i in range(12)]
    _one_line_refusal(json.dumps(events).encode(), f"deeper than {MAX_EVENT_DEPTH}")


@pytest.mark.parametrize("depth", [1100, 5000])
def test_json_nested_past_the_bound_is_refused_by_reader_and_ingest(depth: int) -> None:
    events = _fixture()
    events.append({"type": 5, "timestamp": events[-1]["timestamp"], "data": {"tag": "x", "payload": 0}})
    text = json.dumps(events)
    raw = text.replace('"payload": 0', '"payload": ' + "[" * depth + "]" * depth).encode()
    _one_line_refusal(raw)
    with pytest.raises(RecordingError) as caught:
        parse_record_batch({"replay_id": "r", "seq": "0"}, gzip.compress(raw))
    assert "\n" not in str(caught.value)


def test_every_real_fixture_is_within_the_bounds() -> None:
    for path in RRWEB_FIXTURES:
        events = json.loads(path.read_bytes())
        events = events if isinstance(events, list) else events["events"]
        assert json_problem(events, MAX_EVENT_DEPTH + 1) is None, path.name
        assert parse_recording(path.read_bytes()).events


def test_an_integer_past_64_bits_inside_an_event_is_refused_by_ingest() -> None:
    events = _fixture()
    events[-1]["data"]["id"] = 2**64
    with pytest.raises(IngestError, match="64-bit"):
        parse_record_batch({"replay_id": "r", "seq": "0"}, json.dumps(events).encode())
    # orjson reads it as a float: representable, accepted.
    assert parse_recording(json.dumps(events).encode()).events


# --- text and encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig", "utf-32"])
def test_utf16_or_bom_json_inside_gzip_is_refused_in_one_line(encoding: str) -> None:
    text = json.dumps(_fixture())
    raw = gzip.compress(text.encode(encoding))
    _one_line_refusal(raw)
    with pytest.raises(IngestError) as caught:
        parse_record_batch({"replay_id": "r", "seq": "0", "format": "gzip"}, raw)
    assert "\n" not in str(caught.value)


def test_lone_surrogates_in_a_record_body_are_replaced() -> None:
    events = _fixture()
    _meta(events)["data"]["href"] = "http://x/\ud800"
    batch = parse_record_batch({"replay_id": "r", "seq": "0"}, json.dumps(events).encode())
    assert _meta(batch.events)["data"]["href"] == "http://x/?"
    orjson.dumps(batch.events)


def test_an_engage_set_with_lone_surrogates_is_stored_cleaned() -> None:
    body = b'{"$distinct_id": "user-123", "$set": {"\\ud800": "\\udc00"}}'
    # Items decoded elsewhere and handed over uncleaned: refused, never stored.
    with pytest.raises(IngestError, match="lone surrogate"):
        parse_engage_items([json.loads(body)])
    (cleaned,) = parse_profile_updates(body)
    assert cleaned.set == {"?": "?"}
    json.dumps(cleaned.set).encode("utf-8")


def test_replacing_surrogates_copes_with_deep_values() -> None:
    deep = _nested(5000, "\udfff")
    cleaned = replace_lone_surrogates(deep)
    for _ in range(5000):
        cleaned = cleaned[0]
    assert cleaned == "?"


# --- one refused item drops itself, not the batch ------------------------------------------------------


def _item(**properties: Any) -> dict[str, Any]:
    return {"event": "Clicked", "properties": {"distinct_id": "u1", **properties}}


def test_a_refused_track_item_is_dropped_with_its_reason_and_the_rest_kept() -> None:
    items = [
        _item(time=1795906557),
        _item(time=1e300),
        _item(time=2**64),
        5,
        _item(deep=_nested(MAX_PROPERTY_DEPTH + 1)),
        _item(big=2**70),
    ]
    dropped: list[str] = []
    (kept,) = parse_track_items(items, RECEIVED_MS, dropped)
    assert kept.time_ms == 1795906557000
    assert [re.match(r"item (\d+)", why).group(1) for why in dropped] == ["1", "2", "3", "4", "5"]  # type: ignore[union-attr]
    assert all("\n" not in why for why in dropped)
    with pytest.raises(IngestError, match="item 0: 'time'"):
        parse_track_items([_item(time=1e300)], RECEIVED_MS)


def test_a_refused_engage_item_is_dropped_with_its_reason() -> None:
    dropped: list[str] = []
    updates = parse_engage_items(
        [
            {"$distinct_id": "..", "$set": {"a": 1}},
            {"$distinct_id": "u/1", "$set": {"a": 1}},
            {"$distinct_id": "u1", "$set": {"deep": _nested(MAX_PROPERTY_DEPTH)}},
            {"$distinct_id": "u2", "$set": {"a": 1}},
        ],
        dropped,
    )
    assert [u.distinct_id for u in updates] == ["u2"]
    assert len(dropped) == 3 and "$distinct_id" in dropped[0] and "deeper than 100" in dropped[2]


@pytest.mark.parametrize("stamp", [10**400, 2**64, 1e300, -(10**400)])
def test_a_record_body_with_a_huge_timestamp_is_one_line_not_an_overflow(stamp: Any) -> None:
    events = _fixture()
    events[3]["timestamp"] = stamp
    with pytest.raises(IngestError, match="event 3: 'timestamp'"):
        parse_record_batch({"replay_id": "r", "seq": "0"}, json.dumps(events).encode())


def test_ndjson_lines_are_held_to_the_same_nesting_bound() -> None:
    events = _fixture()
    events[3]["extra"] = _nested(MAX_EVENT_DEPTH)
    _one_line_refusal("\n".join(json.dumps(e) for e in events).encode(), "deeper")
