"""Reading recordings in every accepted format, and refusing bad ones with a clear reason."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

from replay_core import RecordingError, parse_recording, read_recording
from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES

VUE = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)


def fixture_events(path: Path = VUE) -> list[dict]:
    return json.loads(path.read_bytes())


def test_every_format_reads_to_the_same_events() -> None:
    events = fixture_events()
    as_array = json.dumps(events).encode()
    as_object = json.dumps({"events": events}).encode()
    as_ndjson = "\n".join(json.dumps(e) for e in events).encode()
    expected = read_recording(VUE).events
    for raw in (as_array, as_object, as_ndjson, gzip.compress(as_array), gzip.compress(as_ndjson)):
        assert parse_recording(raw).events == expected


def test_events_are_sorted_and_exact_duplicates_dropped() -> None:
    events = fixture_events()
    shuffled = list(reversed(events)) + events[10:20]
    recording = parse_recording(json.dumps(shuffled).encode())
    stamps = [e["timestamp"] for e in recording.events]
    assert stamps == sorted(stamps)
    assert len(recording.events) == len(events)


def test_a_meta_without_full_snapshot_after_it_is_dropped_with_a_warning() -> None:
    events = fixture_events()
    orphan = {"type": 4, "data": {"href": "http://x/", "width": 10, "height": 10}, "timestamp": events[50]["timestamp"] + 1}
    recording = parse_recording(json.dumps([*events, orphan]).encode())
    assert orphan not in recording.events
    assert recording.warnings and "Meta" in recording.warnings[0]


def test_mixpanel_record_body_and_captured_request_read() -> None:
    capture = MIXPANEL_CAPTURES[0]
    request = next(
        json.loads(p.read_text()) for p in sorted(capture.glob("*-record.req"))
        if json.loads(p.read_text())["method"] == "POST"
    )
    body = base64.b64decode(request["body_b64"])
    assert body[:2] == b"\x1f\x8b"  # the SDK gzips without saying so in a header
    from_body = parse_recording(body)
    from_capture = parse_recording(json.dumps(request).encode())
    assert from_body.events == from_capture.events
    assert from_body.events[0]["type"] == 4 and from_body.events[1]["type"] == 2


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"hello, world", "not valid JSON"),
        (b'{"foo": 1}', "expected a JSON array"),
        (b"[1, 2]", "event 0: expected an object"),
        (b'[{"type": 4, "timestamp": 1700000000000, "data": {}}, {"type": "x", "timestamp": 1}]', "event 1: 'type'"),
        (b'[{"type": 3, "timestamp": 1700000000000, "data": {}}]', "event 0: IncrementalSnapshot without"),
        (b'[{"type": 4, "timestamp": 1700000000000, "data": {"href": "a"}}]', "no FullSnapshot"),
        (b'[{"type": 2, "timestamp": 1700000000.5, "data": {"node": {}}}]', "seconds"),
        (b'[{"type": 2, "timestamp": NaN, "data": {"node": {}}}]', "not valid JSON"),
        (b"\xc3\x28 binary garbage", "neither JSON nor gzip"),
    ],
)
def test_bad_input_gets_one_clear_line(raw: bytes, message: str) -> None:
    with pytest.raises(RecordingError) as caught:
        parse_recording(raw)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_ndjson_error_names_the_line() -> None:
    lines = [json.dumps(e) for e in fixture_events()[:5]]
    lines[3] = '{"type": 3, "timestamp": '
    with pytest.raises(RecordingError, match="^line 4: not valid JSON"):
        parse_recording("\n".join(lines).encode())


def test_truncated_gzip_is_refused() -> None:
    packed = gzip.compress(VUE.read_bytes())
    with pytest.raises(RecordingError, match="truncated gzip"):
        parse_recording(packed[: len(packed) // 2])


def test_gzip_bomb_is_refused_without_inflating_it() -> None:
    bomb = gzip.compress(b"[" + b" " * (64 << 20) + b"]")
    with pytest.raises(RecordingError, match="inflates past"):
        parse_recording(bomb, max_bytes=8 << 20)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="no such file"):
        read_recording(tmp_path / "nope.json")
    with pytest.raises(RecordingError, match="folder"):
        read_recording(tmp_path)


@pytest.mark.parametrize("path", RRWEB_FIXTURES, ids=lambda p: p.stem)
def test_every_fixture_reads(path: Path) -> None:
    events = json.loads(path.read_bytes())
    recording = read_recording(path)
    assert len(recording.events) == len(events)
    assert recording.duration_ms == max(e["timestamp"] for e in events) - min(e["timestamp"] for e in events)
    assert recording.start_url.startswith("http://127.0.0.1:8780/todomvc/")


def test_bytes_after_the_gzip_data_are_refused_not_ignored() -> None:
    packed = gzip.compress(VUE.read_bytes())
    assert parse_recording(packed + b"\x00\x00").events  # padding NULs, as some writers leave, are fine
    with pytest.raises(RecordingError, match="trailing bytes"):
        parse_recording(packed + b"not gzip")
