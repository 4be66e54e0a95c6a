"""Shared by the storage tests: running the real CLI, synthetic recordings, and what fixtures should yield."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from tests.paths import REPO

DAY_MS = 86_400_000


def run_cli(*args: str, data_dir: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, REPLAY_VIEWER_DATA_DIR=str(data_dir))
    return subprocess.run(
        [sys.executable, "-m", "viewer", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def synthetic_events(
    start_ms: int, moves: int = 3, gap_ms: int = 1000, href: str = "https://shop.test/"
) -> list[dict]:
    """A minimal playable recording: Meta, FullSnapshot, then mouse moves every `gap_ms`."""
    node = {"type": 0, "childNodes": [], "id": 1}
    events: list[dict[str, Any]] = [
        {"type": 4, "data": {"href": href, "width": 1280, "height": 800}, "timestamp": start_ms},
        {"type": 2, "data": {"node": node, "initialOffset": {"top": 0, "left": 0}}, "timestamp": start_ms},
    ]
    for n in range(1, moves + 1):
        move = {"source": 1, "positions": [{"x": n, "y": n, "id": 1, "timeOffset": 0}]}
        events.append({"type": 3, "data": move, "timestamp": start_ms + n * gap_ms})
    return events


@dataclass
class ExpectedReplay:
    replay_id: str | None
    user_id: str | None
    event_count: int
    duration_ms: int
    start_ms: int


def expected_from_rrweb_file(path: Path) -> ExpectedReplay:
    events = json.loads(path.read_bytes())
    stamps = [e["timestamp"] for e in events]
    return ExpectedReplay(None, None, len(events), round(max(stamps) - min(stamps)), round(min(stamps)))


def expected_from_capture(folder: Path) -> list[ExpectedReplay]:
    """Replays as the captured /record/ requests describe them, decoded here independently of the app."""
    events: dict[str, list[dict]] = {}
    users: dict[str, str] = {}
    for file in sorted(folder.glob("*.req")):
        request = json.loads(file.read_bytes())
        if request["method"] != "POST" or request["path"] != "/record/":
            continue
        query = {k: v[0] for k, v in parse_qs(request["query_string"]).items()}
        body = base64.b64decode(request["body_b64"])
        batch = json.loads(gzip.decompress(body) if query.get("format") == "gzip" else body)
        events.setdefault(query["replay_id"], []).extend(batch)
        users[query["replay_id"]] = query.get("$user_id") or query["distinct_id"]
    found = []
    for replay_id, replay_events in events.items():
        stamps = [e["timestamp"] for e in replay_events]
        found.append(
            ExpectedReplay(
                replay_id,
                users[replay_id],
                len(replay_events),
                round(max(stamps) - min(stamps)),
                round(min(stamps)),
            )
        )
    return found


def captured_payloads(folder: Path, path: str) -> list[Any]:
    """The decoded `data=` JSON items of every POST to `path` in a capture folder."""
    items: list[Any] = []
    for file in sorted(folder.glob("*.req")):
        request = json.loads(file.read_bytes())
        if request["method"] == "POST" and request["path"] == path:
            form = parse_qs(base64.b64decode(request["body_b64"]).decode())
            payload = json.loads(base64.b64decode(form["data"][0]))
            items.extend(payload if isinstance(payload, list) else [payload])
    return items
