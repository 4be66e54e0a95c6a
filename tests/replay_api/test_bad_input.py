"""Every refused request gets its status and a JSON error naming the problem; stored data is untouched."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from replay_api.config import Settings
from tests.paths import MIXPANEL_CAPTURES
from tests.replay_api.captures import load_capture, send
from tests.replay_api.conftest import BACKENDS, SMALL_BODY_LIMIT, SMALL_INFLATED_LIMIT, database_url
from tests.replay_api.helpers import T0, TOKEN, basic, gz, post_record, rrweb_batch, snapshot
from tests.replay_api.server import RunningServer, running_server

ORIGIN = {"Origin": "http://127.0.0.1:8780"}


@dataclass
class Seeded:
    server: RunningServer
    ingest: httpx.Client
    client: httpx.Client
    before: dict[str, Any]


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Seeded]:
    """One server per backend, holding a whole capture (replays, events, a profile) before any refusal."""
    settings = Settings(
        db_url=database_url(request.param, tmp_path_factory.mktemp("api"), request),
        max_body_bytes=SMALL_BODY_LIMIT,
        max_inflated_bytes=SMALL_INFLATED_LIMIT,
    )
    with running_server(settings) as server:
        secret = {"Authorization": f"Bearer {server.project.secret}"}
        ingest = httpx.Client(base_url=server.base_url, timeout=30)
        client = httpx.Client(base_url=server.base_url, timeout=30, headers=secret)
        with ingest, client:
            for request in load_capture(MIXPANEL_CAPTURES[0]):
                assert send(ingest, request).status_code == 200
            yield Seeded(server, ingest, client, snapshot(server, client))


def _record(
    client: httpx.Client, body: bytes | Iterator[bytes], seq: int = 0, gzip_format: bool = True
) -> httpx.Response:
    return post_record(client, "bad-input-replay", seq, body, gzip_format=gzip_format)


def _track(client: httpx.Client, items: Any, **params: str) -> httpx.Response:
    data = base64.b64encode(json.dumps(items).encode()).decode()
    return client.post("/track/", params={"verbose": "1", **params}, data={"data": data}, headers=ORIGIN)


def _event(name: Any = "Clicked", **properties: Any) -> dict[str, Any]:
    return {
        "event": name,
        "properties": {"token": TOKEN, "distinct_id": "user-1", "$insert_id": "abc", **properties},
    }


def _chunks(total: int) -> Iterator[bytes]:
    for _ in range(total // 65536 + 1):
        yield b" " * 65536


def _gzip_bomb() -> bytes:
    return gzip.compress(b"[" + b" " * (SMALL_INFLATED_LIMIT + 10) + b"]")


RECORD_CASES: list[tuple[str, Any, int, str]] = [
    (
        "over the body limit",
        lambda c: _record(c, b"[" + b" " * SMALL_BODY_LIMIT + b"]", gzip_format=False),
        413,
        "larger",
    ),
    (
        "over the limit, chunked",
        lambda c: _record(c, _chunks(SMALL_BODY_LIMIT), gzip_format=False),
        413,
        "larger",
    ),
    ("gzip inflating past the limit", lambda c: _record(c, _gzip_bomb()), 413, "inflated"),
    ("corrupt gzip", lambda c: _record(c, b"\x1f\x8b\x08\x00garbage-garbage"), 400, "gzip"),
    ("truncated gzip", lambda c: _record(c, gz(rrweb_batch(T0, 50, True))[:-30]), 400, "gzip"),
    (
        "format=gzip, body plain",
        lambda c: _record(c, json.dumps(rrweb_batch(T0, 5, True)).encode()),
        400,
        "format=gzip",
    ),
    ("not JSON", lambda c: _record(c, gzip.compress(b"{not json")), 400, "not valid JSON"),
    ("NaN", lambda c: _record(c, gzip.compress(b'[{"type":2,"timestamp":NaN,"data":{}}]')), 400, "NaN"),
    ("an object", lambda c: _record(c, gz({"events": []})), 400, "JSON array"),
    ("no events", lambda c: _record(c, gz([])), 400, "no events"),
    (
        "an event without timestamp",
        lambda c: _record(c, gz([{"type": 2, "data": {"node": {}}}])),
        400,
        "event 0",
    ),
    (
        "unknown event type",
        lambda c: _record(c, gz([*rrweb_batch(T0, 3, True), {"type": 99, "timestamp": T0}])),
        400,
        "event 3",
    ),
    ("timestamps in seconds", lambda c: _record(c, gz(rrweb_batch(T0 // 1000, 3, True))), 400, "seconds"),
    ("seq 0 without FullSnapshot", lambda c: _record(c, gz(rrweb_batch(T0, 3, False))), 400, "FullSnapshot"),
    (
        "no replay_id",
        lambda c: c.post("/record/?seq=0", headers=basic(), content=gz(rrweb_batch(T0, 3, True))),
        400,
        "replay_id",
    ),
    (
        "seq not a number",
        lambda c: c.post("/record/?seq=x&replay_id=r", headers=basic(), content=b"[]"),
        400,
        "seq",
    ),
    (
        "bad replay_id",
        lambda c: c.post("/record/?seq=0&replay_id=a%20b", headers=basic(), content=b"[]"),
        400,
        "replay_id",
    ),
    (
        "seq in other digits",
        lambda c: c.post("/record/?seq=%C2%B2&replay_id=r", headers=basic(), content=b"[]"),
        400,
        "seq",
    ),
    (
        "replay_id with a newline",
        lambda c: c.post("/record/?seq=0&replay_id=r%0A", headers=basic(), content=b"[]"),
        400,
        "replay_id",
    ),
    (
        "no token",
        lambda c: c.post("/record/?seq=0&replay_id=r", content=gz(rrweb_batch(T0, 3, True))),
        401,
        "token",
    ),
    (
        "wrong token",
        lambda c: c.post("/record/?seq=0&replay_id=r", headers=basic("nope"), content=b"[]"),
        401,
        "token",
    ),
    (
        "not Basic auth",
        lambda c: c.post("/record/?seq=0&replay_id=r", headers={"Authorization": "Basic %%%"}),
        401,
        "token",
    ),
]

TRACK_CASES: list[tuple[str, Any, int, str]] = [
    ("no data", lambda c: c.post("/track/?verbose=1", data={"other": "1"}), 400, "data"),
    ("data neither JSON nor base64", lambda c: c.post("/track/", data={"data": "!!!"}), 400, "base64"),
    (
        "data base64 of garbage",
        lambda c: c.post("/track/", data={"data": base64.b64encode(b"{no").decode()}),
        400,
        "JSON",
    ),
    ("an item not an object", lambda c: _track(c, [1]), 400, "item 0"),
    ("no event name", lambda c: _track(c, [_event(name=None)]), 400, "'event'"),
    (
        "properties not an object",
        lambda c: _track(c, [{"event": "x", "properties": [TOKEN]}]),
        400,
        "'properties'",
    ),
    ("time not a number", lambda c: _track(c, [_event(time="yesterday")]), 400, "'time'"),
    ("no token", lambda c: _track(c, [{"event": "x", "properties": {}}]), 401, "token"),
    ("wrong token", lambda c: _track(c, [_event(token="nope")]), 401, "token"),
    ("mixed tokens", lambda c: _track(c, [_event(), _event(token="other")]), 400, "tokens"),
    (
        "over the body limit",
        lambda c: c.post("/track/", data={"data": "A" * SMALL_BODY_LIMIT}),
        413,
        "larger",
    ),
    (
        "engage without $distinct_id",
        lambda c: c.post("/engage/", data={"data": json.dumps({"$token": TOKEN, "$set": {}})}),
        400,
        "$distinct_id",
    ),
    (
        "engage $set not an object",
        lambda c: c.post(
            "/engage/", data={"data": json.dumps({"$token": TOKEN, "$distinct_id": "u", "$set": 3})}
        ),
        400,
        "$set",
    ),
    (
        "engage wrong token",
        lambda c: c.post("/engage/", data={"data": json.dumps({"$token": "no", "$distinct_id": "u"})}),
        401,
        "token",
    ),
    ("flags wrong token", lambda c: c.get("/flags/", headers=basic("nope")), 401, "token"),
]


@pytest.mark.parametrize(
    ("case", "send_bad", "status", "names"),
    RECORD_CASES + TRACK_CASES,
    ids=[c[0] for c in RECORD_CASES + TRACK_CASES],
)
def test_bad_ingest_is_refused_and_changes_nothing(
    case: str, send_bad: Any, status: int, names: str, seeded: Seeded
) -> None:
    response = send_bad(seeded.ingest)
    assert response.status_code == status, response.text[:300]
    error = response.json()
    assert error["status"] == 0 and names.lower() in error["error"].lower(), error
    assert snapshot(seeded.server, seeded.client) == seeded.before


QUERY_CASES: list[tuple[str, str, dict[str, str], int]] = [
    ("no key", "/api/v1/changes", {}, 401),
    ("the ingest token is not a key", "/api/v1/changes", {"Authorization": f"Bearer {TOKEN}"}, 401),
    ("cursor not a number", "/api/v1/changes?cursor=abc", {}, 400),
    ("limit too large", "/api/v1/changes?limit=100000", {}, 400),
    ("limit zero", "/api/v1/changes?limit=0", {}, 400),
    ("after_seq not a number", "/api/v1/replays/x/events?after_seq=x", {}, 400),
    ("after_seq huge", "/api/v1/replays/x/events?after_seq=1000000000000000000000000", {}, 400),
    ("cursor in other digits", "/api/v1/changes?cursor=%D9%A1", {}, 400),
    ("unknown replay", "/api/v1/replays/nope", {}, 404),
    ("unknown replay events", "/api/v1/replays/nope/events", {}, 404),
    ("unknown user", "/api/v1/users/nobody", {}, 404),
]


@pytest.mark.parametrize(("case", "path", "headers", "status"), QUERY_CASES, ids=[c[0] for c in QUERY_CASES])
def test_bad_queries_get_their_status(
    case: str, path: str, headers: dict[str, str], status: int, seeded: Seeded
) -> None:
    base = {} if case == "no key" else {"Authorization": seeded.client.headers["Authorization"]}
    with httpx.Client(base_url=seeded.server.base_url, headers={**base, **headers}) as client:
        response = client.get(path)
    assert response.status_code == status, response.text[:300]
    assert response.json()["status"] == 0 and response.json()["error"]


def test_a_refusal_carries_cors_headers_so_the_sdk_can_read_it(ingest: httpx.Client) -> None:
    response = ingest.post("/record/?seq=0&replay_id=r", headers={**ORIGIN, **basic()}, content=_gzip_bomb())
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == ORIGIN["Origin"]
    assert response.headers["access-control-allow-credentials"] == "true"


def test_batches_of_a_stored_replay_are_not_touched_by_a_refused_batch(
    ingest: httpx.Client, client: httpx.Client
) -> None:
    assert post_record(ingest, "r1", 0, gz(rrweb_batch(T0, 20, True))).status_code == 200
    assert post_record(ingest, "r1", 1, gz(rrweb_batch(T0 + 5000, 5, False))[:-8]).status_code == 400
    assert post_record(ingest, "r1", 1, _gzip_bomb()).status_code == 413
    metadata = client.get("/api/v1/replays/r1").json()
    assert metadata["batch_count"] == 1 and metadata["event_count"] == 20
    # The SDK retries the same seq after a refusal it can recover from: it is stored then.
    assert post_record(ingest, "r1", 1, gz(rrweb_batch(T0 + 5000, 5, False))).status_code == 200
    assert client.get("/api/v1/replays/r1").json()["event_count"] == 25


def test_text_the_database_cannot_hold_is_cleaned_not_a_500(
    ingest: httpx.Client, client: httpx.Client
) -> None:
    body = b'[{"event": "Odd\\ud800 name\\u0000", "properties": {"token": "%s", "distinct_id": "nul\\u0000user", "$insert_id": "x\\udfff"}}]'
    response = ingest.post("/track/", params={"verbose": "1"}, content=body % TOKEN.encode())
    assert response.status_code == 200, response.text
    meta = {"type": 4, "data": {"href": "http://x/\ud800", "width": 1, "height": 1}, "timestamp": T0}
    events = [meta, *rrweb_batch(T0, 3, True)[1:]]
    assert (
        post_record(
            ingest, "odd", 0, json.dumps(events).encode(), gzip_format=False, distinct_id="a\x00b"
        ).status_code
        == 200
    )
    changes = {c["kind"]: c["data"] for c in client.get("/api/v1/changes").json()["changes"]}
    assert changes["event"]["name"] == "Odd? name" and changes["event"]["distinct_id"] == "nuluser"
    assert changes["replay"]["distinct_id"] == "ab" and changes["replay"]["start_url"] == "http://x/?"


def test_a_bug_is_a_json_5xx_with_cors_so_the_sdk_keeps_the_batch(
    monkeypatch: pytest.MonkeyPatch, ingest: httpx.Client, client: httpx.Client
) -> None:
    def broken(*_args: Any) -> bool:
        raise RuntimeError("a bug")

    monkeypatch.setattr("replay_api.ingest.store_batch", broken)
    body = gz(rrweb_batch(T0, 5, True))
    response = ingest.post("/record/?seq=0&replay_id=r", headers={**ORIGIN, **basic()}, content=body)
    assert response.status_code == 500 and response.json()["status"] == 0
    assert response.headers["access-control-allow-origin"] == ORIGIN["Origin"]
    monkeypatch.undo()
    assert ingest.post("/record/?seq=0&replay_id=r", headers=basic(), content=body).status_code == 200
    assert client.get("/api/v1/replays/r").json()["event_count"] == 5
