"""The replay API: ingest throughput of realistic gzip `/record/` batches from concurrent clients on loopback.

The server runs as `replay-api serve` in its own process (SQLite in a temporary folder, synchronous=FULL,
access log off); the clients are asyncio httpx connections in this process, so on a 2-core machine
they share the CPU with the server and the figures are a floor. Batches of 1000 events are slices of
the longest real rrweb fixture (mutation-heavy TodoMVC), gzip-compressed like the SDK's
CompressionStream; "typical" batches are the SDK's own captured `/record/` bodies (25-92 events).
Each client records one replay: seq 0 carries Meta + FullSnapshot, then seq 1, 2, ... back to back.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from replay_api.db import Database
from replay_api.projects import create_project
from tests.paths import FIXTURES, MIXPANEL_CAPTURES
from tests.replay_api.captures import load_capture, record_posts

REPETITIONS = 3
RUN_SECONDS = 4.0
SDK_BATCH_INTERVAL_S = 10.0
TOKEN = "bench0bench0bench0bench0bench0be"
LONG_FIXTURE = FIXTURES / "rrweb" / "todomvc-preact_long-mutations.json"
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Workload:
    name: str
    first: bytes
    rest: list[bytes]
    events_per_batch: float
    gzip_bytes: float


def _large_batches() -> Workload:
    events = json.loads(LONG_FIXTURE.read_text())
    incremental = [e for e in events if e["type"] == 3]
    head = [e for e in events[:2] if e["type"] in (4, 2)]
    first = head + incremental[: 1000 - len(head)]
    slices = [incremental[i : i + 1000] for i in range(1000, len(incremental) - 999, 1000)][:12]
    bodies = [gzip.compress(json.dumps(s, separators=(",", ":")).encode(), 6) for s in slices]
    first_body = gzip.compress(json.dumps(first, separators=(",", ":")).encode(), 6)
    return Workload("1000-event batches", first_body, bodies, 1000, statistics.mean(map(len, bodies)))


def _typical_batches() -> Workload:
    posts = [p for capture in MIXPANEL_CAPTURES for p in record_posts(load_capture(capture))]
    firsts = [p.body for p in posts if p.query["seq"] == "0"]
    rest = [p.body for p in posts if p.query["seq"] != "0"]
    counts = [len(json.loads(gzip.decompress(b))) for b in rest]
    return Workload(
        "captured SDK batches", firsts[0], rest, statistics.mean(counts), statistics.mean(map(len, rest))
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    db_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    db = Database(db_url)
    create_project(db, "bench", int(time.time() * 1000), token=TOKEN)
    db.dispose()
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "replay_api.cli",
        "serve",
        "--port",
        str(port),
        "--db",
        db_url,
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "REPLAY_API_DATA_DIR": str(folder)}
    server = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/openapi.json", timeout=2)
            return server, base
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("replay-api serve did not start") from None
            time.sleep(0.1)


async def _one_client(
    http: httpx.AsyncClient, work: Workload, stop_at: float, latencies: list[float]
) -> None:
    replay_id = str(uuid.uuid4())
    seq = 0
    headers = {"Authorization": "Basic " + base64.b64encode(f"{TOKEN}:".encode()).decode()}
    while time.perf_counter() < stop_at:
        body = work.first if seq == 0 else work.rest[seq % len(work.rest)]
        params = {"replay_id": replay_id, "seq": str(seq), "distinct_id": "bench", "format": "gzip"}
        started = time.perf_counter()
        response = await http.post("/record/", params=params, headers=headers, content=body)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"ingest answered {response.status_code}: {response.text[:200]}")
        seq += 1


async def _run(base: str, work: Workload, clients: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        started = time.perf_counter()
        stop_at = started + RUN_SECONDS
        await asyncio.gather(*(_one_client(http, work, stop_at, latencies) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


def _spread(values: list[float], digits: int = 1) -> dict[str, float]:
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
    }


def _p(latencies: list[float], q: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _measure(base: str, work: Workload, clients: int) -> dict[str, Any]:
    rates, p50s, p99s = [], [], []
    for _ in range(REPETITIONS):
        rate, latencies = asyncio.run(_run(base, work, clients))
        rates.append(rate)
        p50s.append(_p(latencies, 0.50))
        p99s.append(_p(latencies, 0.99))
    figures: dict[str, Any] = {
        "repetitions": REPETITIONS,
        "seconds_each": RUN_SECONDS,
        "batches_per_s": _spread(rates),
        "p50_ack_ms": _spread(p50s),
        "p99_ack_ms": _spread(p99s),
        # One recording browser sends one batch about every 10 s.
        "browsers_held_median": round(statistics.median(rates) * SDK_BATCH_INTERVAL_S),
    }
    print(
        f"{work.name} ({work.events_per_batch:.0f} events, {work.gzip_bytes / 1024:.1f} KiB gzip), "
        f"{clients} clients: "
        f"{REPETITIONS} reps, batches/s min/median/max {figures['batches_per_s']['min']}/"
        f"{figures['batches_per_s']['median']}/{figures['batches_per_s']['max']}, p99 ack ms "
        f"{figures['p99_ack_ms']['min']}/{figures['p99_ack_ms']['median']}/{figures['p99_ack_ms']['max']}",
        flush=True,
    )
    return figures


def main() -> dict[str, Any]:
    large, typical = _large_batches(), _typical_batches()
    with tempfile.TemporaryDirectory() as folder:
        server, base = _start_server(Path(folder))
        try:
            asyncio.run(_run(base, large, 2))  # warm-up: imports, caches, the database file
            return {
                "large_8_clients": _measure(base, large, 8),
                "large_32_clients": _measure(base, large, 32),
                "typical_32_clients": _measure(base, typical, 32),
                "large_gzip_kib": round(large.gzip_bytes / 1024, 1),
                "typical_events_per_batch": round(typical.events_per_batch, 1),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
