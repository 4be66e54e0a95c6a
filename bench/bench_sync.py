"""Sync on loopback: MB/s of raw rrweb events from a real replay API into a fresh cache, and how long
one incremental sync takes to bring a just-accepted batch into the feed.

The server runs in this process (uvicorn in a thread, SQLite in a temporary folder), so on a 2-core
machine server and syncer share the CPU: the figures are a floor. Replays are slices of the longest real
rrweb fixture (mutation-heavy TodoMVC) uploaded as 1000-event gzip batches, like the SDK's.
"""

from __future__ import annotations

import gzip
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from replay_api.config import Settings
from tests.paths import FIXTURES
from tests.replay_api.helpers import basic
from tests.replay_api.server import running_server
from viewer.storage import ReplayCache
from viewer.sync.client import ReplayApiClient
from viewer.sync.syncer import Syncer
from viewer.sync.transport import Transport

LONG_FIXTURE = FIXTURES / "rrweb" / "todomvc-preact_long-mutations.json"
REPLAYS = 8
BATCH_EVENTS = 1000
LATENCY_ROUNDS = 5


def _upload(page: httpx.Client, replay_id: str, events: list[dict[str, Any]], shift_ms: int) -> int:
    """Upload one replay in SDK-sized batches; the raw JSON bytes of its events."""
    raw = 0
    for seq, start in enumerate(range(0, len(events), BATCH_EVENTS)):
        batch = [dict(e, timestamp=e["timestamp"] + shift_ms) for e in events[start : start + BATCH_EVENTS]]
        body = json.dumps(batch).encode()
        raw += len(body)
        params = {
            "replay_id": replay_id,
            "seq": str(seq),
            "distinct_id": f"bench-{replay_id}",
            "format": "gzip",
        }
        response = page.post("/record/", params=params, headers=basic(), content=gzip.compress(body, 6))
        response.raise_for_status()
    return raw


def _sync(cache: ReplayCache, base_url: str, secret: str) -> tuple[float, int]:
    with Transport(base_url, secret) as http:
        started = time.perf_counter()
        report = Syncer(cache, ReplayApiClient(http), "bench").run()
    if report.errors:
        raise RuntimeError(report.errors[0])
    return time.perf_counter() - started, report.bytes


def main() -> dict[str, Any]:
    events: list[dict[str, Any]] = json.loads(LONG_FIXTURE.read_text())
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(db_url=f"sqlite:///{Path(folder) / 'api.sqlite3'}", max_inflated_bytes=64 << 20)
        with running_server(settings) as server, httpx.Client(base_url=server.base_url, timeout=60) as page:
            raw = sum(_upload(page, f"replay-{n}", events, n * 3_600_000) for n in range(REPLAYS))
            with ReplayCache.open(Path(folder) / "cache.sqlite3") as cache:
                seconds, downloaded = _sync(cache, server.base_url, server.project.secret)
                latencies = _latencies(cache, page, server.base_url, server.project.secret, events)
    return {
        "replays": REPLAYS,
        "raw_event_mb": round(raw / 1e6, 2),
        "downloaded_mb": round(downloaded / 1e6, 2),
        "full_sync_s": round(seconds, 2),
        "throughput_mb_s": round(raw / 1e6 / seconds, 2),
        "incremental_sync_s_median": round(statistics.median(latencies), 3),
        "incremental_sync_s_max": round(max(latencies), 3),
        "feed_latency_worst_case_s": round(60 + max(latencies), 1),
    }


def _latencies(
    cache: ReplayCache, page: httpx.Client, base_url: str, secret: str, events: list[dict[str, Any]]
) -> list[float]:
    """A new 1000-event batch accepted, then one sync: the time until its replay is in the feed."""
    found = []
    for round_number in range(LATENCY_ROUNDS):
        replay_id = f"live-{round_number}"
        _upload(page, replay_id, events[:BATCH_EVENTS], (REPLAYS + round_number) * 3_600_000)
        started = time.perf_counter()
        _sync(cache, base_url, secret)
        if cache.get_replay(replay_id) is None:
            raise RuntimeError(f"{replay_id} did not reach the feed")
        found.append(time.perf_counter() - started)
    return found


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
