"""The desktop importer on the cases fuzzing found (issue 19): the same edge validation as the server
(replay_core.validate), each refusal one line in the outcome, nothing unrepresentable stored, the cache
still listable afterwards."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from tests.paths import RRWEB_FIXTURES
from viewer.storage import ReplayCache
from viewer.storage.importer import import_path

VUE = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)
RECEIVED_MS = 1795906420000


def _events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(VUE.read_bytes())
    return events


def _deep_node(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"type": 3, "textContent": "x", "id": 50_000}
    for level in range(levels):
        node = {"type": 2, "tagName": "div", "attributes": {}, "childNodes": [node], "id": 60_000 + level}
    return node


def _stamp(value: Any) -> list[dict[str, Any]]:
    events = _events()
    events[-1]["timestamp"] = value
    return events


def _meta_width(value: Any) -> list[dict[str, Any]]:
    events = _events()
    next(e for e in events if e["type"] == 4)["data"]["width"] = value
    return events


def _same_stamp_deep() -> list[dict[str, Any]]:
    events = _events()
    at = events[-1]["timestamp"]
    return events + [{"type": 5, "timestamp": at, "data": {"tag": f"t{i}", "payload": _deep_node(150)}} for i in range(9)]


def _click_type_true() -> list[dict[str, Any]]:
    events = _events()
    next(e for e in events if e["type"] == 3 and e["data"]["source"] == 2)["data"]["type"] = True
    return events


def _child_nodes_x() -> list[dict[str, Any]]:
    events = _events()
    next(e for e in events if e["type"] == 2)["data"]["node"]["childNodes"] = "x"
    return events


FILE_CASES: list[tuple[str, Any, str]] = [
    ("timestamp 2^63", lambda: _stamp(2**63), "timestamp"),
    ("timestamp 1e300", lambda: _stamp(1e300), "timestamp"),
    ("timestamp in the year 33658", lambda: _stamp(1_000_000_000_000_000), "timestamp"),
    ("Meta width 'abc'", lambda: _meta_width("abc"), "width"),
    ("Meta width [1]", lambda: _meta_width([1]), "width"),
    ("more than 8 events at one timestamp nested 150 DOM levels deep", _same_stamp_deep, "deeper"),
    ("MouseInteraction type true", _click_type_true, "MouseInteraction"),
    ("FullSnapshot childNodes 'x'", _child_nodes_x, "childNodes"),
]


@pytest.mark.parametrize(("case", "make", "names"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_a_file_the_cache_could_not_hold_is_refused_in_one_line(
    case: str, make: Any, names: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(make()))
    with ReplayCache.open(tmp_path / "cache.sqlite3") as cache:
        good = import_path(cache, VUE)
        outcome = import_path(cache, bad)
        assert not good.failed and len(outcome.problems) == 1, outcome.problems
        (problem,) = outcome.problems
        assert "\n" not in problem and names.lower() in problem.lower(), problem
        # The cache still lists, and holds only the good replay.
        assert [row.id for row in cache.all_replays()] == good.result.added


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_utf16_or_bom_json_in_gzip_is_refused_in_one_line(encoding: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(gzip.compress(json.dumps(_events()).encode(encoding)))
    with ReplayCache.open(tmp_path / "cache.sqlite3") as cache:
        outcome = import_path(cache, bad)
        assert len(outcome.problems) == 1 and "\n" not in outcome.problems[0]
        assert cache.all_replays() == []


def _request(path: str, items: Any, **fields: Any) -> dict[str, Any]:
    body = b"data=" + base64.b64encode(json.dumps(items).encode())
    return {
        "method": "POST",
        "path": path,
        "query_string": "verbose=1",
        "headers": [],
        "received_at_ms": RECEIVED_MS,
        "body_b64": base64.b64encode(body).decode(),
        **fields,
    }


def test_a_gzipped_captured_request_is_imported(tmp_path: Path) -> None:
    capture = tmp_path / "001-track.req.gz"
    items = [{"event": "Clicked", "properties": {"distinct_id": "u1", "$insert_id": "i1", "time": 1795906557}}]
    capture.write_bytes(gzip.compress(json.dumps(_request("/track/", items)).encode()))
    with ReplayCache.open(tmp_path / "cache.sqlite3") as cache:
        outcome = import_path(cache, capture)
        assert outcome.problems == [] and outcome.result.events_added == 1


def test_a_capture_drops_bad_items_alone_and_cleans_surrogates(tmp_path: Path) -> None:
    folder = tmp_path / "capture"
    folder.mkdir()
    track = [
        {"event": "Clicked", "properties": {"distinct_id": "u1", "$insert_id": "good", "time": 1795906557}},
        {"event": "Clicked", "properties": {"distinct_id": "u1", "$insert_id": "huge", "time": 1e300}},
        {"event": "Clicked", "properties": {"distinct_id": "u1", "$insert_id": "wide", "time": 2**64}},
    ]
    engage = [
        {"$distinct_id": "user-123", "$set": {"\ud800": "\udc00", "plan": "pro"}},
        {"$distinct_id": "..", "$set": {"plan": "pro"}},
    ]
    (folder / "001-track.req").write_text(json.dumps(_request("/track/", track, seq=1)))
    (folder / "002-engage.req").write_text(json.dumps(_request("/engage/", engage, seq=2)))
    with ReplayCache.open(tmp_path / "cache.sqlite3") as cache:
        outcome = import_path(cache, folder)
        assert [p.split(": ", 1)[0] for p in outcome.problems] == [
            "request 1 to /track/",
            "request 1 to /track/",
            "request 2 to /engage/",
        ]
        assert all("dropped item" in p and "\n" not in p for p in outcome.problems)
        assert outcome.result.events_added == 1
        user = cache.get_user("user-123")
        assert user is not None and user.properties == {"?": "?", "plan": "pro"}
        assert cache.get_user("..") is None


@pytest.mark.parametrize("replay_id", [".", "..", "a%2Fb"])
def test_a_captured_record_request_with_a_path_for_a_replay_id_is_refused(replay_id: str, tmp_path: Path) -> None:
    capture = tmp_path / "001-record.req"
    document = {
        "method": "POST",
        "path": "/record/",
        "query_string": f"replay_id={replay_id}&seq=0&format=body",
        "headers": [],
        "body_b64": base64.b64encode(json.dumps(_events()).encode()).decode(),
    }
    capture.write_text(json.dumps(document))
    with ReplayCache.open(tmp_path / "cache.sqlite3") as cache:
        outcome = import_path(cache, capture)
        assert len(outcome.problems) == 1 and "'replay_id' must be" in outcome.problems[0]
        assert cache.all_replays() == []
