"""The replay API at team scale: SDK-batch ingest on PostgreSQL with 1 and 2 workers, next to SQLite with 1.

Each configuration is the real `replay-api serve` in its own process tree (`--workers N`), on a throwaway
PostgreSQL cluster (tests/replay_api/postgres.py: initdb into a temporary folder, 127.0.0.1 only) or on
an SQLite file. The load comes from `wrk` (Debian's package, C, a few % of one core), not from Python, so
that on this 2-core machine the server and PostgreSQL get the cores. Every request is one of the
mixpanel-browser SDK's own captured gzip `/record/` bodies on a connection of its own (a browser's batch
every 10 s outlives keep-alive), for 64 replays per wrk thread that each get their next batch in turn
(seq 0 is the capture's first batch), as many browsers send theirs. Meanwhile a viewer polls the change
feed (`GET /api/v1/changes`, the project's secret key) from a cursor every 0.25 s, as `replay-viewer sync`
pages through it: its answer time is the feed latency under load, and (now - a change's `at`) on its
first sight is how stale the feed is.

Figures: batches/s median of REPETITIONS runs of RUN_SECONDS each per configuration, p50/p99 ack from wrk,
the feed's p50/p95 answer, and the ratios 2 workers / 1 worker on PostgreSQL and PostgreSQL / SQLite.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.bench_api import REPO, TOKEN, _free_port, _typical_batches
from replay_api.db import Database
from replay_api.projects import create_project
from tests.replay_api.postgres import find_binaries, postgres_cluster

REPETITIONS = 3
RUN_SECONDS = 6
CONNECTIONS = 32
REPLAYS_IN_TURN = 64  # per wrk thread: each gets a batch in turn, seq 0 first
FEED_POLL_S = 0.25

_LUA = r"""
local bodies = {}
local auth = "Basic " .. "%(auth)s"
local folder = "%(folder)s"
local count = %(count)d
for i = 0, count - 1 do
  local f = assert(io.open(folder .. "/body" .. i .. ".gz", "rb"))
  bodies[i] = f:read("*a")
  f:close()
end
local n = 0
local thread_id = 0
function setup(thread)
  thread:set("tid", tostring(math.random(1, 2^30)) .. "-" .. tostring(os.time()))
end
function init(args)
  thread_id = tid
end
function request()
  -- Consecutive requests go to different replays, as many browsers send theirs: one replay's next batch
  -- comes only after %(per_replay)d others, so its batches do not wait on each other's row lock.
  local replay = n %% %(per_replay)d
  local seq = math.floor(n / %(per_replay)d)
  n = n + 1
  local body = seq == 0 and bodies[0] or bodies[1 + (n %% (count - 1))]
  local path = "/record/?format=gzip&distinct_id=bench&replay_id=r-" .. thread_id .. "-" .. replay .. "&seq=" .. seq
  -- A browser sends a batch every 10 s, past the server's keep-alive: a connection per batch, which is
  -- also what spreads the load over the workers (a kept connection stays with the worker that took it).
  local headers = {["Authorization"] = auth, ["Content-Type"] = "text/plain", ["Connection"] = "close"}
  return wrk.format("POST", path, headers, body)
end
"""


@dataclass
class Run:
    batches_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    feed_ms: list[float]
    staleness_ms: list[float]


def _wrk_script(folder: Path) -> Path:
    import base64

    work = _typical_batches()
    bodies = [work.first, *work.rest]
    for i, body in enumerate(bodies):
        (folder / f"body{i}.gz").write_bytes(body)
    auth = base64.b64encode(f"{TOKEN}:".encode()).decode()
    script = folder / "ingest.lua"
    script.write_text(
        _LUA % {"auth": auth, "folder": str(folder), "count": len(bodies), "per_replay": REPLAYS_IN_TURN}
    )
    return script


@contextmanager
def _server(db_url: str, workers: int, folder: Path) -> Iterator[tuple[str, str]]:
    db = Database(db_url)
    secret = create_project(db, "bench", int(time.time() * 1000), token=TOKEN).secret
    db.dispose()
    port = _free_port()
    command = [sys.executable, "-m", "replay_api.cli", "serve", "--port", str(port), "--db", db_url]
    command += ["--workers", str(workers), "--log-level", "warning"]
    env = {**os.environ, "REPLAY_API_DATA_DIR": str(folder)}
    server = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("replay-api serve did not start") from None
                time.sleep(0.1)
        yield base, secret
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _poll_feed(
    base: str,
    secret: str,
    ready: threading.Event,
    stop: threading.Event,
    latencies: list[float],
    stale: list[float],
) -> None:
    cursor = ""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {secret}"}, timeout=30) as http:
        while True:  # catch up with what earlier runs wrote before the load starts; it is not measured
            page = http.get("/api/v1/changes", params={"cursor": cursor} if cursor else {}).json()
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        ready.set()
        while not stop.is_set():
            started = time.perf_counter()
            page = http.get("/api/v1/changes", params={"cursor": cursor} if cursor else {}).json()
            latencies.append((time.perf_counter() - started) * 1000)
            now_ms = time.time() * 1000
            stale.extend(now_ms - change["at"] for change in page["changes"] if change.get("at"))
            cursor = page["next_cursor"]
            if not page["has_more"]:
                stop.wait(FEED_POLL_S)


def _run(base: str, secret: str, script: Path, seconds: int) -> Run:
    ready, stop = threading.Event(), threading.Event()
    feed: list[float] = []
    stale: list[float] = []
    poller = threading.Thread(target=_poll_feed, args=(base, secret, ready, stop, feed, stale))
    poller.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the change feed did not answer within 60 s")
        result = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(CONNECTIONS),
                "-d",
                f"{seconds}s",
                "--latency",
                "-s",
                str(script),
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        stop.set()
        poller.join()
    out = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # The latency distribution's lines ("     99%    1.20s"), not a thread statistic's "+/- Stdev" column,
    # which ends in a percentage too ("87.99%"): matched, it failed a run now and then.
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        print(f"  wrk: socket errors {socket_errors.group(1)}", flush=True)
    return Run(rate, p50, p99, errors, feed, stale)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else float("nan")


def _configuration(label: str, db_url: str, workers: int, folder: Path, script: Path) -> dict[str, Any]:
    with _server(db_url, workers, folder) as (base, secret):
        _run(base, secret, script, 2)  # warm-up: imports, caches, connection pools of every worker
        runs = [_run(base, secret, script, RUN_SECONDS) for _ in range(REPETITIONS)]
    rates = [r.batches_per_s for r in runs]
    feed = [ms for r in runs for ms in r.feed_ms]
    stale = [ms for r in runs for ms in r.staleness_ms]
    figures = {
        "workers": workers,
        "batches_per_s": {
            "min": round(min(rates), 1),
            "median": round(statistics.median(rates), 1),
            "max": round(max(rates), 1),
        },
        "p50_ack_ms": round(statistics.median(r.p50_ms for r in runs), 1),
        "p99_ack_ms": round(statistics.median(r.p99_ms for r in runs), 1),
        "refused": sum(r.errors for r in runs),
        "feed_p50_ms": _p(feed, 0.5),
        "feed_p95_ms": _p(feed, 0.95),
        "feed_pages": len(feed),
        "feed_staleness_p95_ms": _p(stale, 0.95),
    }
    print(
        f"{label}: batches/s {figures['batches_per_s']}, ack p50/p99 {figures['p50_ack_ms']}/"
        f"{figures['p99_ack_ms']} ms, refused {figures['refused']}, feed p50/p95 {figures['feed_p50_ms']}/"
        f"{figures['feed_p95_ms']} ms over {len(feed)} pages, staleness p95 {figures['feed_staleness_p95_ms']} ms",
        flush=True,
    )
    return figures


def main() -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian package wrk; `make setup` installs it)")
    bin_dir = find_binaries()
    if bin_dir is None:
        raise RuntimeError(
            "PostgreSQL is not installed (Debian package postgresql; `make setup` installs it)"
        )
    results: dict[str, Any] = {
        "connections": CONNECTIONS,
        "repetitions": REPETITIONS,
        "seconds_each": RUN_SECONDS,
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        script = _wrk_script(folder)
        results["sqlite_1"] = _configuration(
            "SQLite, 1 worker", f"sqlite:///{folder / 'bench.sqlite3'}", 1, folder, script
        )
        with postgres_cluster(bin_dir) as cluster:
            for workers in (1, 2):
                url = cluster.new_database()
                results[f"postgresql_{workers}"] = _configuration(
                    f"PostgreSQL, {workers} worker{'s' if workers > 1 else ''}", url, workers, folder, script
                )
    one = results["postgresql_1"]["batches_per_s"]["median"]
    two = results["postgresql_2"]["batches_per_s"]["median"]
    results["ratio_2_workers_over_1"] = round(two / one, 2)
    results["ratio_postgresql_1_over_sqlite_1"] = round(
        one / results["sqlite_1"]["batches_per_s"]["median"], 2
    )
    print(
        f"2 workers / 1 worker on PostgreSQL: {results['ratio_2_workers_over_1']} (goal >= 1.6); "
        f"PostgreSQL / SQLite with 1 worker: {results['ratio_postgresql_1_over_sqlite_1']}",
        flush=True,
    )
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
