"""The fixtures' captured mixpanel-browser 2.83.0 requests, sent again byte for byte, are stored as sent."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from replay_core import parse_recording, summarize
from replay_core.reader import prepare_events
from tests.paths import MIXPANEL_CAPTURES
from tests.replay_api.captures import load_capture, record_posts, send
from tests.replay_api.helpers import feed_all, replay_lines
from tests.replay_api.server import RunningServer

# (replay_id prefix, batches, events) per capture, from the fixtures' MANIFEST.
EXPECTED = {
    "mp-todomvc-preact_heatmap-console-network": {"c8593105": (4, 254)},
    "mp-todomvc-react_stop-restart": {"b014b2b5": (2, 75), "69ce9bf6": (3, 210)},
    "mp-todomvc-vue_idle-timeout": {"5632f76b": (1, 44), "679b6dee": (3, 82)},
}


def _by_prefix(changes: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {str(c["id"])[:8]: c for c in changes if c["kind"] == kind}


@pytest.mark.parametrize("capture", MIXPANEL_CAPTURES, ids=lambda p: p.name)
def test_a_whole_capture_is_accepted_and_served_back(
    capture: Path, ingest: httpx.Client, client: httpx.Client
) -> None:
    for request in load_capture(capture):
        response = send(ingest, request)
        assert response.status_code == 200, (request.name, response.text)
        origin = dict(request.headers).get("Origin")
        assert response.headers["access-control-allow-origin"] == origin
        if request.method == "POST":
            assert response.json() == {"status": 1, "error": None}
    changes, _ = feed_all(client)
    replays = _by_prefix(changes, "replay")
    assert {k: (r["data"]["batch_count"], r["data"]["event_count"]) for k, r in replays.items()} == EXPECTED[
        capture.name
    ]
    for prefix, change in replays.items():
        lines = replay_lines(client, str(change["id"]))
        assert [line["seq"] for line in lines] == list(range(EXPECTED[capture.name][prefix][0]))
        events = [e for line in lines for e in line["events"]]
        assert events[0]["type"] == 4 and events[1]["type"] == 2
        summary = summarize(prepare_events(events))
        data = change["data"]
        assert data["active_ms"] == pytest.approx(summary.active_ms)
        assert data["duration_ms"] == pytest.approx(summary.duration_ms)
    user = _by_prefix(changes, "user")["user-123"]["data"]
    assert user["properties"]["$email"] and user["properties"]["$name"]


def test_events_link_to_their_replay_and_beacons_are_not_stored_twice(
    ingest: httpx.Client, client: httpx.Client
) -> None:
    capture = next(p for p in MIXPANEL_CAPTURES if "preact" in p.name)
    requests = load_capture(capture)
    for request in requests + [r for r in requests if r.path.startswith("/track")]:
        assert send(ingest, request).status_code == 200
    changes, _ = feed_all(client)
    events = [c["data"] for c in changes if c["kind"] == "event"]
    insert_ids = [e["insert_id"] for e in events]
    assert len(insert_ids) == len(set(insert_ids))
    names = [e["name"] for e in events]
    assert {"Sign Up", "Add To Cart", "Purchase", "$mp_page_leave"} <= set(names)
    purchase = next(e for e in events if e["name"] == "Purchase")
    assert purchase["replay_id"] == "c8593105-61ac-4046-a25c-d8206d9eb750"
    assert purchase["time"] > 1e12


def test_the_same_record_request_twice_is_stored_once(ingest: httpx.Client, client: httpx.Client) -> None:
    capture = next(p for p in MIXPANEL_CAPTURES if "preact" in p.name)
    first = record_posts(load_capture(capture))[0]
    for _ in range(3):
        assert send(ingest, first).status_code == 200
    changes, _ = feed_all(client)
    [replay] = [c for c in changes if c["kind"] == "replay"]
    assert replay["data"]["batch_count"] == 1 and replay["data"]["event_count"] == 60
    lines = replay_lines(client, replay["id"])
    assert [line["seq"] for line in lines] == [0] and len(lines[0]["events"]) == 60


def test_batches_arriving_out_of_order_are_served_in_order(
    ingest: httpx.Client, client: httpx.Client
) -> None:
    capture = next(p for p in MIXPANEL_CAPTURES if "preact" in p.name)
    posts = record_posts(load_capture(capture))
    for index in (3, 1, 0, 2):
        assert send(ingest, posts[index]).status_code == 200
    replay_id = posts[0].query["replay_id"]
    lines = replay_lines(client, replay_id)
    assert [line["seq"] for line in lines] == [0, 1, 2, 3]
    stamps = [e["timestamp"] for line in lines for e in line["events"]]
    assert stamps == sorted(stamps)
    whole = parse_recording(json.dumps([e for line in lines for e in line["events"]]).encode())
    assert len(whole.events) == 254
    metadata = client.get(f"/api/v1/replays/{replay_id}").json()
    assert metadata["complete"] and metadata["last_seq"] == 3
    assert metadata["start_url"] == posts[0].query["replay_start_url"]


def test_after_seq_sends_only_the_newer_batches_gzip_on_the_wire(
    server: RunningServer, ingest: httpx.Client
) -> None:
    capture = next(p for p in MIXPANEL_CAPTURES if "preact" in p.name)
    posts = record_posts(load_capture(capture))
    for post in posts:
        send(ingest, post)
    replay_id = posts[0].query["replay_id"]
    url = f"{server.base_url}/api/v1/replays/{replay_id}/events"
    headers = {"Authorization": f"Bearer {server.project.secret}", "Accept-Encoding": "gzip"}
    with (
        httpx.Client() as raw_client,
        raw_client.stream("GET", url, params={"after_seq": 1}, headers=headers) as response,
    ):
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["x-replay-last-seq"] == "3"
        wire = b"".join(response.iter_raw())
    lines = [json.loads(line) for line in gzip.decompress(wire).splitlines()]
    assert [line["seq"] for line in lines] == [2, 3]
