"""The replay API's memory under bodies that inflate to millions of JSON objects (issue 19, item 5).

`replay-api serve` runs in its own process (as in bench_api.py). We send it a 29 KB gzip `/record/` body
that inflates to 30 MB of `[{},{},…]` (10 million empty objects, under the 32 MB inflate cap) five times in
a row, then four at once, and read the server's footprint from /proc (VmRSS and smaps_rollup Pss) before,
after, and at its peak (sampled every 20 ms). The reference is the same measure for the SDK's own captured
`/record/` batches (five in a row, four at once). Goal: growth at most 100 MB over the five bodies.
"""

from __future__ import annotations

import base64
import gzip
import json
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.bench_api import TOKEN, _start_server, _typical_batches
from bench.memory import PeakMemory, footprint

BOMB_OBJECTS = 10_000_000
HEADERS = {"Authorization": "Basic " + base64.b64encode(f"{TOKEN}:".encode()).decode()}


def _bomb() -> bytes:
    return gzip.compress(b"[" + b"{}," * (BOMB_OBJECTS - 1) + b"{}]", 9)


def _post(base: str, body: bytes, seq: int, replay_id: str) -> tuple[int, str]:
    params = {"replay_id": replay_id, "seq": str(seq), "distinct_id": "bench", "format": "gzip"}
    response = httpx.post(f"{base}/record/", params=params, headers=HEADERS, content=body, timeout=120)
    return response.status_code, response.text


def _series(pid: int, base: str, bodies: list[bytes], first_seq: int) -> dict[str, Any]:
    """Five bodies in a row, then four at once; the footprint before, after each part and at the peak."""
    time.sleep(0.5)
    before = footprint([pid])
    statuses: list[int] = []
    replay_id = str(uuid.uuid4())
    with PeakMemory(lambda: [pid], interval_s=0.02) as peak_sequential:
        for n, body in enumerate(bodies[:5]):
            statuses.append(_post(base, body, first_seq + n, replay_id)[0])
    time.sleep(0.5)
    after_five = footprint([pid])
    answers: list[int] = []

    def one(body: bytes, seq: int) -> None:
        answers.append(_post(base, body, seq, replay_id)[0])

    with PeakMemory(lambda: [pid], interval_s=0.02) as peak_concurrent:
        threads = [
            threading.Thread(target=one, args=(body, first_seq + 5 + n)) for n, body in enumerate(bodies[5:9])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    time.sleep(0.5)
    after_all = footprint([pid])
    return {
        "statuses": sorted(set(statuses + answers)),
        "rss_before_mb": round(before.rss_mb, 1),
        "pss_before_mb": round(before.pss_mb, 1),
        "rss_growth_after_five_mb": round(after_five.rss_mb - before.rss_mb, 1),
        "pss_growth_after_five_mb": round(after_five.pss_mb - before.pss_mb, 1),
        "rss_peak_growth_five_mb": round(peak_sequential.peak.rss_mb - before.rss_mb, 1),
        "rss_peak_growth_four_at_once_mb": round(peak_concurrent.peak.rss_mb - before.rss_mb, 1),
        "rss_growth_after_all_mb": round(after_all.rss_mb - before.rss_mb, 1),
    }


def main() -> dict[str, Any]:
    bomb = _bomb()
    typical = _typical_batches()
    with tempfile.TemporaryDirectory() as folder:
        server, base = _start_server(Path(folder))
        try:
            # Warm-up: imports, the database file, the first request's lazy set-up.
            _post(base, typical.first, 0, str(uuid.uuid4()))
            reference = _series(server.pid, base, [typical.first] + typical.rest[:8], 0)
            hostile = _series(server.pid, base, [bomb] * 9, 1)
            refusal = _post(base, bomb, 1, "bomb-line")[1]
        finally:
            server.terminate()
            server.wait(timeout=30)
    figures = {
        "bomb_gzip_kib": round(len(bomb) / 1024, 1),
        "bomb_inflated_mb": round((3 * BOMB_OBJECTS + 1) / 1e6, 1),
        "bomb_refusal": json.loads(refusal).get("error", refusal),
        "sdk_batches": reference,
        "bombs": hostile,
    }
    for name in ("sdk_batches", "bombs"):
        f = figures[name]
        print(
            f"{name}: statuses {f['statuses']}, RSS {f['rss_before_mb']} MB before; growth after five "
            f"{f['rss_growth_after_five_mb']} MB (PSS {f['pss_growth_after_five_mb']}), peak +"
            f"{f['rss_peak_growth_five_mb']} MB; four at once peak +{f['rss_peak_growth_four_at_once_mb']} MB, "
            f"after all +{f['rss_growth_after_all_mb']} MB",
            flush=True,
        )
    return figures


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
