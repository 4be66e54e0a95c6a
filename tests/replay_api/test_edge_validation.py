"""The replay API server on the cases fuzzing found (issue 19): each is a one-line 400 (never a 500, never
a 200 that poisons sync), or is stored cleaned; a refused /track/ or /engage/ item drops alone."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import orjson
import pytest

from tests.replay_api.helpers import T0, TOKEN, basic, feed_all, gz, post_record, rrweb_batch


def _refused(response: httpx.Response, *words: str) -> str:
    assert response.status_code == 400, (response.status_code, response.text[:300])
    error = response.json()["error"]
    assert "\n" not in error and len(error) < 400, error
    for word in words:
        assert word.lower() in error.lower(), error
    return str(error)


def _nothing_stored(client: httpx.Client) -> None:
    assert feed_all(client)[0] == []


@pytest.mark.parametrize("replay_id", [".", "..", "a/b", "%2E%2E"])
def test_record_refuses_dot_ids_and_slashes(
    replay_id: str, ingest: httpx.Client, client: httpx.Client
) -> None:
    # httpx sends the query as given: `..` reaches the server as `..`.
    url = f"/record/?seq=0&format=gzip&replay_id={replay_id}"
    response = ingest.post(url, headers=basic(), content=gz(rrweb_batch(T0, 3, True)))
    _refused(response, "replay_id")
    _nothing_stored(client)


def _batch_with(change: Any) -> bytes:
    events = rrweb_batch(T0, 5, True)
    change(events)
    return gz(events)


def _set_stamp(value: Any) -> Any:
    def change(events: list[dict[str, Any]]) -> None:
        events[3]["timestamp"] = value

    return change


def _set_meta(key: str, value: Any) -> Any:
    def change(events: list[dict[str, Any]]) -> None:
        events[0]["data"][key] = value

    return change


def _click_type_true(events: list[dict[str, Any]]) -> None:
    events.append({"type": 3, "timestamp": T0 + 900, "data": {"source": 2, "type": True, "id": 1, "x": 1, "y": 1}})


def _child_nodes_x(events: list[dict[str, Any]]) -> None:
    events[1]["data"]["node"]["childNodes"] = "x"


RECORD_CASES: list[tuple[str, bytes, str]] = [
    ("timestamp 1e300", _batch_with(_set_stamp(1e300)), "timestamp"),
    ("timestamp 2^63", _batch_with(_set_stamp(2**63)), "timestamp"),
    ("timestamp 2^64", _batch_with(_set_stamp(2**64)), "timestamp"),
    ("timestamp in the year 33658", _batch_with(_set_stamp(1_000_000_000_000_000)), "timestamp"),
    ("timestamp of 401 digits", _batch_with(_set_stamp(10**400)), "timestamp"),
    ("Meta width 'wide'", _batch_with(_set_meta("width", "wide")), "width"),
    ("Meta width [1]", _batch_with(_set_meta("width", [1])), "width"),
    ("Meta height 0", _batch_with(_set_meta("height", 0)), "height"),
    ("MouseInteraction type true", _batch_with(_click_type_true), "MouseInteraction"),
    ("childNodes 'x'", _batch_with(_child_nodes_x), "childNodes"),
    (
        "JSON nested 1100 deep",
        gzip.compress(
            json.dumps(rrweb_batch(T0, 3, True)).encode()[:-1]
            + b',{"type":5,"timestamp":%d,"data":{"tag":"x","payload":%s}}]' % (T0, b"[" * 1100 + b"]" * 1100)
        ),
        "",
    ),
    (
        "JSON nested 300 deep",
        gzip.compress(
            json.dumps(rrweb_batch(T0, 3, True)).encode()[:-1]
            + b',{"type":5,"timestamp":%d,"data":{"tag":"x","payload":%s}}]' % (T0, b"[" * 300 + b"]" * 300)
        ),
        "deeper",
    ),
    ("UTF-16 JSON inside gzip", gzip.compress(json.dumps(rrweb_batch(T0, 3, True)).encode("utf-16")), ""),
    ("UTF-16-LE JSON inside gzip", gzip.compress(json.dumps(rrweb_batch(T0, 3, True)).encode("utf-16-le")), ""),
    ("BOM JSON inside gzip", gzip.compress(json.dumps(rrweb_batch(T0, 3, True)).encode("utf-8-sig")), "byte-order"),
    ("an integer past 64 bits", _batch_with(_set_meta("extra", 2**64)), "64-bit"),
]


@pytest.mark.parametrize(("case", "body", "names"), RECORD_CASES, ids=[c[0] for c in RECORD_CASES])
def test_record_refuses_what_sync_could_not_take(
    case: str, body: bytes, names: str, ingest: httpx.Client, client: httpx.Client
) -> None:
    _refused(post_record(ingest, "edge", 0, body), names)
    _nothing_stored(client)


def test_record_refuses_a_replay_start_time_out_of_range(ingest: httpx.Client, client: httpx.Client) -> None:
    body = gz(rrweb_batch(T0, 3, True))
    _refused(post_record(ingest, "edge", 0, body, replay_start_time="1e300"), "replay_start_time")
    assert post_record(ingest, "edge", 0, body, replay_start_time="1795906413.57").status_code == 200


def test_lone_surrogates_in_a_record_batch_are_stored_cleaned(ingest: httpx.Client, client: httpx.Client) -> None:
    events = rrweb_batch(T0, 5, True)
    events[0]["data"]["href"] = "http://x/\ud800"
    events[1]["data"]["node"]["childNodes"] = [{"type": 3, "textContent": "a\udc00b", "id": 2}]
    # One clean gzip member, already ordered: the server would store it as sent if it did not look inside.
    assert post_record(ingest, "odd", 0, gz(events)).status_code == 200
    response = client.get("/api/v1/replays/odd/events")
    stored = [orjson.loads(line) for line in response.content.splitlines() if line]
    assert stored[0]["events"][0]["data"]["href"] == "http://x/?"
    assert stored[0]["events"][1]["data"]["node"]["childNodes"][0]["textContent"] == "a?b"


def _track(client: httpx.Client, body: bytes) -> httpx.Response:
    return client.post("/track/", params={"verbose": "1"}, content=body)


def _track_item(time: str, insert_id: str) -> bytes:
    return (
        b'{"event":"Clicked","properties":{"token":"%s","distinct_id":"u1","$insert_id":"%s","time":%s}}'
        % (TOKEN.encode(), insert_id.encode(), time.encode())
    )


@pytest.mark.parametrize("time", ["1e300", str(2**64), "9" * 401, "1e400", "-5"])
def test_track_refuses_a_time_out_of_range_in_one_line(time: str, ingest: httpx.Client, client: httpx.Client) -> None:
    _refused(_track(ingest, b"[" + _track_item(time, "bad") + b"]"))
    _nothing_stored(client)


def test_track_drops_a_bad_item_and_keeps_the_rest(ingest: httpx.Client, client: httpx.Client) -> None:
    body = b"[%s,%s,%s,%s]" % (
        _track_item("1795906557", "good"),
        _track_item("1e300", "huge"),
        _track_item(str(2**64), "wide"),
        _track_item("9" * 401, "long"),
    )
    response = _track(ingest, body)
    assert response.status_code == 200, response.text
    changes = feed_all(client)[0]
    assert [(c["kind"], c["id"]) for c in changes] == [("event", "good")]
    assert changes[0]["data"]["time"] == 1795906557000


def _engage(client: httpx.Client, items: bytes) -> httpx.Response:
    return client.post("/engage/", params={"verbose": "1"}, content=items)


def test_engage_with_lone_surrogates_leaves_the_user_readable(ingest: httpx.Client, client: httpx.Client) -> None:
    body = b'[{"$token":"%s","$distinct_id":"user-123","$set":{"\\ud800":"\\udc00","plan":"pro"}}]' % TOKEN.encode()
    assert _engage(ingest, body).status_code == 200
    response = client.get("/api/v1/users/user-123")
    assert response.status_code == 200, response.text
    assert response.json()["properties"] == {"?": "?", "plan": "pro"}
    (change,) = feed_all(client)[0]
    assert change["data"]["properties"] == {"?": "?", "plan": "pro"}


def test_engage_drops_a_bad_item_and_keeps_the_rest(ingest: httpx.Client, client: httpx.Client) -> None:
    deep = "[" * 150 + "]" * 150
    body = (
        b'[{"$token":"%(t)s","$distinct_id":"..","$set":{"a":1}},'
        b'{"$token":"%(t)s","$distinct_id":"u1","$set":{"deep":%(d)s}},'
        b'{"$token":"%(t)s","$distinct_id":"u2","$set":{"a":1}}]' % {b"t": TOKEN.encode(), b"d": deep.encode()}
    )
    assert _engage(ingest, body).status_code == 200
    assert [c["id"] for c in feed_all(client)[0]] == ["u2"]
    assert client.get("/api/v1/users/u1").status_code == 404
    _refused(_engage(ingest, b'{"$token":"%s","$distinct_id":".."}' % TOKEN.encode()), "$distinct_id")
