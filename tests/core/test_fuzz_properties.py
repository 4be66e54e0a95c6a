"""Property tests of the reader and the ingest decoders (issue 19): on generated and mutated input, every
call either accepts something representable (times in range, ids matching the pattern, text encodable as
UTF-8, JSON that round-trips and that orjson, which the cache and the sync client use, can write) or
refuses it with a one-line RecordingError / IngestError. Never another exception.

Mutations start from real fixture events. `make test` runs FUZZ_EXAMPLES (default 200) examples per
property; `make fuzz` runs 10,000.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from functools import cache
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replay_core import RecordingError, parse_recording
from replay_core.analytics import parse_profile_updates, parse_track_events
from replay_core.events import EventType
from replay_core.ingest import IngestError, parse_record_batch
from replay_core.reader import MAX_VIEWPORT_PX
from replay_core.validate import (
    MAX_EVENT_DEPTH,
    MAX_PROPERTY_DEPTH,
    in_time_range,
    is_valid_id,
    json_problem,
)
from tests.paths import RRWEB_FIXTURES

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None if EXAMPLES > 1000 else 5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    database=None,
)
RECEIVED_MS = 1_795_906_420_000
_SMALL = [p for p in RRWEB_FIXTURES if p.stat().st_size < 300_000]


@cache
def _fixture_text(index: int) -> bytes:
    return _SMALL[index].read_bytes()


def fixture_events(index: int, count: int) -> list[dict[str, Any]]:
    """The first `count` events of a small real recording (Meta and FullSnapshot come first)."""
    events = json.loads(_fixture_text(index))
    events = events if isinstance(events, list) else events["events"]
    return list(events[:count])


# Values chosen to hit the edges: huge and tiny numbers, NaN and infinities, booleans, lone surrogates,
# control characters, dot ids, wrong containers, deep nesting.
EDGE_NUMBERS = st.sampled_from(
    [0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**20, 10**400, 1e300, -1e300, 1.5, 946_684_799_999,
     946_684_800_000, 4_102_444_799_999, 4_102_444_800_000, 1_795_906_413, 1_795_906_413_570]
)
FLOATS = st.floats(allow_nan=True, allow_infinity=True)
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=20) | st.sampled_from(
    [".", "..", "a/b", "\ud800", "\udc00x", "\x00", "\x85", "", " ", "x" * 250, "\ufeff"]
)
SCALARS = st.none() | st.booleans() | st.integers() | EDGE_NUMBERS | FLOATS | TEXT
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


def deep(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


NASTY = JSON_VALUES | st.builds(deep, st.integers(90, 320), SCALARS)


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every dict and list inside `value` (bounded: fixture events are shallow)."""
    found = [path]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        if isinstance(child, (dict, list)) and len(found) < 400:
            found += _containers(child, (*path, key))
    return found


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


@st.composite
def mutated_events(draw: st.DrawFn) -> list[Any]:
    """A real recording's head with a few of its values replaced, removed or retyped."""
    events: list[Any] = fixture_events(draw(st.integers(0, len(_SMALL) - 1)), draw(st.integers(2, 40)))
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(events) - 1))
        paths = _containers(events[index])
        container = _at(events[index], draw(st.sampled_from(paths)))
        if not isinstance(container, (dict, list)):
            continue
        keys = list(container.keys()) if isinstance(container, dict) else list(range(len(container)))
        action = draw(st.sampled_from(["replace", "replace", "delete", "add", "event"]))
        if action == "event":
            events[index] = draw(NASTY)
        elif action == "add" or not keys:
            if isinstance(container, dict):
                container[draw(TEXT)] = draw(NASTY)
            else:
                container.append(draw(NASTY))
        elif action == "delete":
            del container[draw(st.sampled_from(keys))]
        else:
            container[draw(st.sampled_from(keys))] = draw(NASTY)
    return events


def _encode(events: Any, how: str) -> bytes:
    if how == "orjson":
        try:
            return orjson.dumps(events)
        except TypeError:
            how = "json"
    text = json.dumps(events)  # escapes lone surrogates, writes NaN and Infinity
    if how == "ndjson" and isinstance(events, list):
        text = "\n".join(json.dumps(event) for event in events)
    raw = text.encode()
    return gzip.compress(raw) if how == "gzip" else raw


@st.composite
def damaged_bytes(draw: st.DrawFn) -> bytes:
    """Valid input cut, spliced or re-encoded at the byte level."""
    raw = _encode(fixture_events(draw(st.integers(0, len(_SMALL) - 1)), 20), "json")
    action = draw(st.sampled_from(["cut", "flip", "encode", "gzip-cut", "prefix"]))
    if action == "cut":
        return raw[: draw(st.integers(0, len(raw)))]
    if action == "flip":
        at = draw(st.integers(0, len(raw) - 1))
        return raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1 :]
    if action == "encode":
        return gzip.compress(raw.decode().encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-8-sig", "utf-32"]))))
    if action == "gzip-cut":
        packed = gzip.compress(raw)
        return packed[: draw(st.integers(0, len(packed)))]
    return draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"[" * 2000])) + raw


def _one_line(error: RecordingError) -> None:
    message = str(error)
    assert message and "\n" not in message and len(message) < 2000, message


def _representable(value: Any, max_depth: int) -> None:
    assert json_problem(value, max_depth) is None
    text = json.dumps(value, allow_nan=False)  # no NaN or infinity
    text.encode("utf-8")  # no lone surrogates
    assert json.loads(text) == value
    assert orjson.loads(orjson.dumps(value)) == value


def _check_events(events: list[Any]) -> None:
    assert events
    for event in events:
        assert in_time_range(event["timestamp"]), event["timestamp"]
        if event["type"] == EventType.META:
            for key in ("width", "height"):
                if key in event["data"]:
                    value = event["data"][key]
                    assert type(value) is int and 0 < value <= MAX_VIEWPORT_PX
        _representable(event, MAX_EVENT_DEPTH)


def _read(raw: bytes) -> None:
    try:
        recording = parse_recording(raw)
    except RecordingError as error:
        _one_line(error)
        return
    _check_events(recording.events)
    assert any(e["type"] == EventType.FULL_SNAPSHOT for e in recording.events)


@FUZZ
@given(mutated_events(), st.sampled_from(["json", "orjson", "ndjson", "gzip"]))
def test_the_reader_accepts_only_representable_recordings(events: list[Any], how: str) -> None:
    _read(_encode(events, how))


@FUZZ
@given(damaged_bytes())
def test_the_reader_refuses_damaged_bytes_in_one_line(raw: bytes) -> None:
    _read(raw)


REPLAY_IDS = st.sampled_from(["r1", ".", "..", "a/b", "x" * 201, "\x00", "é", "$d:1"]) | TEXT


def _record(query: dict[str, str], body: bytes) -> None:
    try:
        batch = parse_record_batch(query, body)
    except RecordingError as error:  # IngestError is one
        _one_line(error)
        return
    assert is_valid_id(batch.params.replay_id)
    _check_events(batch.events)
    for text in (batch.params.distinct_id, batch.params.user_id, batch.params.start_url):
        text.encode("utf-8")


@FUZZ
@given(
    mutated_events(),
    REPLAY_IDS,
    st.sampled_from(["0", "1"]),
    st.sampled_from(["json", "gzip"]),
    st.none() | TEXT | st.sampled_from(["1795906413.57", "1e300", "nan", "1795906413570"]),
)
def test_the_record_decoder_accepts_only_representable_batches(
    events: list[Any], replay_id: str, seq: str, how: str, start: str | None
) -> None:
    query = {"replay_id": replay_id, "seq": seq, "distinct_id": "u\ud800"}
    if start is not None:
        query["replay_start_time"] = start
    _record(query, _encode(events, how))


@FUZZ
@given(damaged_bytes())
def test_the_record_decoder_refuses_damaged_bytes_in_one_line(raw: bytes) -> None:
    _record({"replay_id": "r", "seq": "0"}, raw)


TIMES = st.none() | EDGE_NUMBERS | FLOATS | st.integers() | TEXT
TRACK_ITEMS = st.fixed_dictionaries(
    {},
    optional={
        "event": TEXT | SCALARS,
        "properties": st.fixed_dictionaries(
            {},
            optional={
                "time": TIMES,
                "$insert_id": REPLAY_IDS | SCALARS,
                "distinct_id": TEXT | SCALARS,
                "$mp_replay_id": REPLAY_IDS,
                "token": st.just("t"),
                "nested": NASTY,
            },
        )
        | SCALARS,
    },
) | NASTY


def _payload(items: Any, form: str) -> bytes:
    text = json.dumps(items)
    if form == "base64":
        return b"data=" + base64.urlsafe_b64encode(text.encode())
    return text.encode() if form == "json" else gzip.compress(text.encode())


@FUZZ
@given(st.lists(TRACK_ITEMS, min_size=1, max_size=5), st.sampled_from(["json", "base64", "gzip"]))
def test_the_track_decoder_keeps_representable_events_and_drops_the_rest(items: list[Any], form: str) -> None:
    dropped: list[str] = []
    try:
        tracked = parse_track_events(_payload(items, form), RECEIVED_MS, dropped=dropped)
    except IngestError as error:
        _one_line(error)
        return
    assert len(tracked) + len(dropped) == len(items)
    for reason in dropped:
        assert reason and "\n" not in reason
    for event in tracked:
        assert is_valid_id(event.insert_id)
        assert in_time_range(event.time_ms)
        for text in (event.name, event.distinct_id, event.user_id, event.replay_id):
            text.encode("utf-8")
        _representable(event.properties, MAX_PROPERTY_DEPTH)


ENGAGE_ITEMS = st.fixed_dictionaries(
    {},
    optional={
        "$distinct_id": REPLAY_IDS | SCALARS,
        "$set": st.dictionaries(TEXT, NASTY, max_size=3) | SCALARS,
        "$set_once": st.dictionaries(TEXT, NASTY, max_size=3) | SCALARS,
        "$unset": st.lists(TEXT, max_size=3) | SCALARS,
        "$delete": SCALARS,
    },
) | NASTY


@FUZZ
@given(st.lists(ENGAGE_ITEMS, min_size=1, max_size=5), st.sampled_from(["json", "base64", "gzip"]))
def test_the_engage_decoder_keeps_representable_updates_and_drops_the_rest(items: list[Any], form: str) -> None:
    dropped: list[str] = []
    try:
        updates = parse_profile_updates(_payload(items, form), dropped=dropped)
    except IngestError as error:
        _one_line(error)
        return
    assert len(updates) + len(dropped) == len(items)
    for update in updates:
        assert is_valid_id(update.distinct_id)
        _representable(update.set, MAX_PROPERTY_DEPTH)
        _representable(update.set_once, MAX_PROPERTY_DEPTH)
        _representable(update.unset, MAX_PROPERTY_DEPTH)
        after = update.applied_to({"a": 1})
        if after is not None:
            _representable(after, MAX_PROPERTY_DEPTH)
