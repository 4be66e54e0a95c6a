"""What the sync tests share: loading the server, syncing, and both sides' state to compare."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from tests.paths import MIXPANEL_CAPTURES, REPO
from tests.replay_api.captures import load_capture, send
from tests.replay_api.helpers import feed_all, gz, post_record, replay_lines, rrweb_batch
from tests.replay_api.server import RunningServer
from viewer.config.sync_json import DEFAULT_BUDGET_BYTES
from viewer.storage import ReplayCache
from viewer.storage.schema import analytics_events
from viewer.sync.client import ReplayApiClient
from viewer.sync.syncer import Syncer, SyncReport
from viewer.sync.transport import RetryPolicy, Transport

SOURCE = "test-server"
FAST_RETRY = RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.05)


class FaultyNetwork(httpx.BaseTransport):
    """Between the client and the real server: answers or rewrites the requests that `fault` picks."""

    def __init__(self, fault: Callable[[httpx.Request], Any]) -> None:
        self.real = httpx.HTTPTransport()
        self.fault = fault
        self.seen: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.url.path)
        action = self.fault(request)
        if isinstance(action, httpx.Response):
            return action
        response = self.real.handle_request(request)
        if action is None:
            return response
        raw = b"".join(response.stream)  # type: ignore[union-attr]
        response.close()
        headers = [
            (k, v) for k, v in response.headers.items() if k not in ("content-length", "transfer-encoding")
        ]
        return httpx.Response(response.status_code, headers=headers, content=action(raw))


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    # A subprocess cannot share the in-memory keychain: with no keychain at all the key goes to the
    # 0600 fallback file.
    return dict(
        os.environ,
        REPLAY_VIEWER_DATA_DIR=str(data_dir),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        **extra,
    )


def run_cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "viewer", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def capture_folders() -> list[Path]:
    return list(MIXPANEL_CAPTURES)


def send_capture(server: RunningServer, folder: Path) -> None:
    """The captured mixpanel-browser requests of one session, byte for byte."""
    with httpx.Client(base_url=server.base_url, timeout=30) as page:
        for request in load_capture(folder):
            response = send(page, request)
            assert response.status_code == 200, (request.name, response.text)


def record_synthetic(server: RunningServer, replays: int, batches: int = 2, start_ms: int = 0) -> list[str]:
    """`replays` small replays of `batches` batches each, recorded by user-N."""
    start_ms = start_ms or round(server.settings.clock() * 1000) - 3_600_000
    ids = []
    with httpx.Client(base_url=server.base_url, timeout=30) as page:
        for number in range(replays):
            replay_id = f"synthetic-{number:04d}"
            for seq in range(batches):
                events = rrweb_batch(start_ms + number * 60_000 + seq * 2_000, 20, full_snapshot=seq == 0)
                response = post_record(page, replay_id, seq, gz(events), distinct_id=f"user-{number % 5}")
                assert response.status_code == 200, response.text
            ids.append(replay_id)
    return ids


def transport(server: RunningServer, inner: httpx.BaseTransport | None = None, url: str = "") -> Transport:
    return Transport(url or server.base_url, server.project.secret, retry=FAST_RETRY, inner=inner)


def sync(
    cache: ReplayCache,
    server: RunningServer,
    inner: httpx.BaseTransport | None = None,
    url: str = "",
    budget_bytes: int = DEFAULT_BUDGET_BYTES,
) -> SyncReport:
    with transport(server, inner, url) as http:
        return Syncer(cache, ReplayApiClient(http), SOURCE, budget_bytes=budget_bytes).run()


def server_state(api: httpx.Client) -> dict[str, Any]:
    """Replays (metadata and merge-sorted events), profiles and analytics events, as the server has them."""
    changes, _ = feed_all(api)
    live = [c for c in changes if c["op"] == "upsert"]
    replays = {}
    for change in live:
        if change["kind"] == "replay":
            lines = replay_lines(api, change["id"])
            events = sorted((e for line in lines for e in line["events"]), key=lambda e: e["timestamp"])
            replays[change["id"]] = {
                "meta": change["data"],
                "events": events,
                "seqs": [x["seq"] for x in lines],
            }
    users = {c["id"]: c["data"]["properties"] for c in live if c["kind"] == "user"}
    events = {c["id"]: c["data"] for c in live if c["kind"] == "event"}
    return {"replays": replays, "users": users, "events": events}


def cache_events(cache: ReplayCache) -> dict[str, dict[str, Any]]:
    with cache.reading() as conn:
        rows = conn.execute(select(analytics_events)).all()
    return {
        row.insert_id: {
            "name": row.name,
            "time_ms": row.time_ms,
            "user_id": row.user_id,
            "replay_id": row.replay_id,
            "properties": json.loads(row.properties),
        }
        for row in rows
    }


def assert_cache_matches(cache: ReplayCache, expected: dict[str, Any]) -> None:
    """The cache holds exactly the server's replays, events, users and analytics events, field by field."""
    local = {row.id: row for row in cache.all_replays()}
    assert set(local) == set(expected["replays"])
    for replay_id, remote in expected["replays"].items():
        row, meta = local[replay_id], remote["meta"]
        assert cache.events(replay_id) == remote["events"], replay_id
        assert cache.batch_keys(replay_id) == {f"seq:{seq}" for seq in remote["seqs"]}
        assert (row.start_ms, row.end_ms) == (round(meta["start_time"]), round(meta["end_time"]))
        assert row.duration_ms == round(meta["end_time"]) - round(meta["start_time"])
        assert row.event_count == meta["event_count"] == len(remote["events"])
        assert row.user_id == (meta["user_id"] or meta["distinct_id"])
    for user_id, properties in expected["users"].items():
        profile = cache.get_user(user_id)
        assert profile is not None and profile.properties == properties, user_id
        assert (profile.name, profile.email) == (properties.get("$name"), properties.get("$email"))
    events = cache_events(cache)
    assert set(events) == set(expected["events"])
    for insert_id, remote in expected["events"].items():
        mine = events[insert_id]
        assert (mine["name"], mine["time_ms"]) == (remote["name"], round(remote["time"]))
        assert mine["user_id"] == (remote["distinct_id"] or None)
        assert mine["replay_id"] == (remote["replay_id"] or None)
        assert mine["properties"] == remote["properties"]
