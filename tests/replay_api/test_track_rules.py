"""The server applies the core's ingest rules: receive time for a missing `time`, the one dedupe key."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import httpx

from replay_core.analytics import dedupe_key
from tests.replay_api.helpers import TOKEN, feed_all
from tests.replay_api.server import FakeClock


def _post(ingest: httpx.Client, items: list[dict[str, Any]], **options: Any) -> httpx.Response:
    data = base64.b64encode(json.dumps(items).encode()).decode()
    return ingest.post("/track/", params={"verbose": "1"}, data={"data": data}, **options)


def _events(client: httpx.Client) -> list[dict[str, Any]]:
    return [c["data"] for c in feed_all(client)[0] if c["kind"] == "event" and c["op"] == "upsert"]


def test_an_event_without_time_or_insert_id_is_timed_when_received_and_stored_once(
    ingest: httpx.Client, client: httpx.Client, clock: FakeClock
) -> None:
    properties = {"token": TOKEN, "distinct_id": "u1"}
    clock.now = 1_795_906_560.116
    assert _post(ingest, [{"event": "Sign Up", "properties": properties}]).status_code == 200
    clock.now += 30  # the SDK sends it again on the next page
    assert _post(ingest, [{"event": "Sign Up", "properties": properties}]).status_code == 200
    (event,) = _events(client)
    assert event["insert_id"] == dedupe_key("Sign Up", properties)
    assert event["time"] == 1_795_906_560_116


def test_a_gzip_track_body_is_read_like_a_plain_one(ingest: httpx.Client, client: httpx.Client) -> None:
    item = {"event": "Zipped", "properties": {"token": TOKEN, "$insert_id": "z1", "time": 1795906557.5}}
    body = gzip.compress(json.dumps([item]).encode())
    assert ingest.post("/track/", content=body).status_code == 200
    (event,) = _events(client)
    assert (event["insert_id"], event["time"]) == ("z1", 1795906557500.0)
