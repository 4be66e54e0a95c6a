"""Small things the replay API tests share: building /record requests, reading replays back, the feed."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from typing import Any

import httpx

from tests.replay_api.server import RunningServer

TOKEN = "0c0ffee0c0ffee0c0ffee0c0ffee0c0f"
T0 = 1_795_906_413_570


def basic(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{token}:".encode()).decode()}


def rrweb_batch(start_ms: int, count: int, full_snapshot: bool) -> list[dict[str, Any]]:
    """`count` events from `start_ms`: Meta + FullSnapshot first when asked, then mouse moves every 100 ms."""
    events: list[dict[str, Any]] = []
    if full_snapshot:
        node = {"type": 0, "childNodes": [], "id": 1}
        events.append(
            {
                "type": 4,
                "data": {"href": "http://127.0.0.1/page", "width": 800, "height": 600},
                "timestamp": start_ms,
            }
        )
        events.append(
            {"type": 2, "data": {"node": node, "initialOffset": {"top": 0, "left": 0}}, "timestamp": start_ms}
        )
    while len(events) < count:
        at = start_ms + 100 * len(events)
        events.append(
            {
                "type": 3,
                "data": {"source": 1, "positions": [{"x": 1, "y": 2, "id": 1, "timeOffset": 0}]},
                "timestamp": at,
            }
        )
    return events


def post_record(
    client: httpx.Client,
    replay_id: str,
    seq: int,
    body: bytes | Iterator[bytes],
    *,
    gzip_format: bool = True,
    **extra: str,
) -> httpx.Response:
    params = {
        "replay_id": replay_id,
        "seq": str(seq),
        "distinct_id": "user-1",
        "format": "gzip" if gzip_format else "body",
    }
    params.update(extra)
    headers = {**basic(), "Content-Type": "application/octet-stream"}
    return client.post("/record/", params=params, headers=headers, content=body)


def gz(events: Any) -> bytes:
    return gzip.compress(json.dumps(events).encode())


def feed_all(client: httpx.Client, cursor: str = "", limit: int = 1000) -> tuple[list[dict[str, Any]], str]:
    """Every change after `cursor`, and the cursor to resume from."""
    changes: list[dict[str, Any]] = []
    while True:
        page = client.get("/api/v1/changes", params={"cursor": cursor, "limit": limit}).json()
        changes += page["changes"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return changes, cursor


def replay_lines(client: httpx.Client, replay_id: str, after_seq: int = -1) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/replays/{replay_id}/events", params={"after_seq": after_seq})
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines() if line]


def snapshot(server: RunningServer, client: httpx.Client) -> dict[str, Any]:
    """Everything the query API says about the project, to compare before and after a refused request."""
    changes, cursor = feed_all(client)
    replays = {
        c["id"]: replay_lines(client, c["id"])
        for c in changes
        if c["kind"] == "replay" and c["op"] == "upsert"
    }
    return {"changes": changes, "cursor": cursor, "replays": replays}
