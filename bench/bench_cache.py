"""The cache: import throughput of real fixture JSON, size on disk, feed latency at 100,000 replays.

Import goes through the real import path (`viewer.storage.importer.import_paths`, as `replay-viewer
import` runs it) on copies of every rrweb fixture; a copy differs only by trailing whitespace, so it
is a distinct replay with the same events. The 100,000-replay cache is bulk-inserted synthetic
metadata (feed queries never read event chunks); its queries go through `ReplayCache.list_replays`.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from replay_core.frustration import frustration_score
from tests.paths import RRWEB_FIXTURES
from viewer.storage import ReplayCache, ReplayQuery, ReplaySort
from viewer.storage.importer import import_paths
from viewer.storage.schema import analytics_events, replays, sources, users

COPIES = 6
IMPORT_RUNS = 3
REPLAYS = 100_000
USERS = 10_000
QUERY_RUNS = 60
FIRST_NAMES = ["Jane", "John", "Ana", "Bo", "Chen", "Dita", "Emil", "Fatima", "Goran", "Hana", "Ivo", "Jun"]
LAST_NAMES = ["Customer", "Smith", "Novak", "Okafor", "Silva", "Tanaka", "Weber", "Kowalski", "Haddad"]


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "min": round(ordered[0], 3),
        "median": round(statistics.median(ordered), 3),
        "p95": round(p95, 3),
        "max": round(ordered[-1], 3),
    }


def _copies(folder: Path) -> int:
    total = 0
    for copy in range(COPIES):
        for path in RRWEB_FIXTURES:
            raw = path.read_bytes() + b" " * copy  # a distinct file hash, the same events
            (folder / f"{copy}-{path.name}").write_bytes(raw)
            total += len(raw)
    return total


def _import_run(db: Path, files: list[Path], workers: int) -> float:
    with ReplayCache.open(db) as cache:
        started = time.perf_counter()
        outcomes = list(import_paths(cache, files, workers=workers))
        elapsed = time.perf_counter() - started
        assert not any(o.failed for o in outcomes), [o.summary_line() for o in outcomes if o.failed]
        with cache.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return elapsed


def measure_import(work: Path) -> dict[str, Any]:
    source = work / "recordings"
    source.mkdir()
    raw_bytes = _copies(source)
    files = sorted(source.iterdir())
    figures: dict[str, Any] = {
        "files": len(files),
        "raw_json_mb": round(raw_bytes / 1e6, 2),
        "runs": IMPORT_RUNS,
    }
    print(
        f"import: {len(files)} files, {raw_bytes / 1e6:.1f} MB of rrweb JSON",
        f"({COPIES} copies of each fixture)",
    )
    workers = os.cpu_count() or 1
    for label, count in (("throughput_mb_s", workers), ("one_process_mb_s", 1)):
        rates = []
        for run in range(IMPORT_RUNS):
            db = work / f"import-{label}-{run}.sqlite3"
            rates.append(raw_bytes / 1e6 / _import_run(db, files, count))
            figures["disk_share_of_raw_json_pct"] = round(100 * db.stat().st_size / raw_bytes, 2)
        figures[label] = stats = _stats(rates)
        how = f"{count} worker processes, as `replay-viewer import` runs" if count > 1 else "one process"
        print(f"  MB/s over {IMPORT_RUNS} runs, each into a fresh cache, {how}: {stats}")
    print(f"  cache file after a WAL checkpoint: {figures['disk_share_of_raw_json_pct']} % of the raw JSON")
    return figures


def build_large_cache(path: Path) -> ReplayCache:
    """REPLAYS replays of USERS users over 30 days, and one analytics event per tenth replay."""
    rng = random.Random(7)
    cache = ReplayCache.open(path)
    now = cache.now_ms()
    people = [
        {
            "id": f"user-{n:05d}",
            "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "email": f"person{n}@{rng.choice(['example.com', 'shop.test', 'mail.org'])}",
            "properties": "{}",
            "updated_ms": now,
        }
        for n in range(USERS)
    ]
    rows = [_replay_row(n, rng, now) for n in range(REPLAYS)]
    events = [
        {"insert_id": f"e{n}", "name": "Purchase", "time_ms": rows[n]["start_ms"] + 1000,
         "user_id": rows[n]["user_id"], "replay_id": rows[n]["id"], "properties": "{}"}
        for n in range(0, REPLAYS, 10)
    ]  # fmt: skip
    with cache.writing() as conn:
        conn.execute(insert(sources).values(id=1, name="bench", kind="import", created_ms=now))
        conn.execute(insert(users), people)
        conn.execute(insert(replays), rows)
        conn.execute(insert(analytics_events), events)
    with cache.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    return cache


def _replay_row(n: int, rng: random.Random, now: int) -> dict[str, Any]:
    duration = rng.randint(5_000, 3_600_000)
    start = now - rng.randint(0, 30 * 86_400_000)
    return {
        "id": f"{rng.getrandbits(128):032x}",
        "source_id": 1,
        "user_id": f"user-{rng.randrange(USERS):05d}",
        "start_ms": start,
        "end_ms": start + duration,
        "duration_ms": duration,
        "active_ms": rng.randint(0, duration),
        "event_count": rng.randint(10, 20_000),
        "click_count": rng.randint(0, 100),
        "input_count": rng.randint(0, 50),
        "error_count": rng.randint(0, 3),
        # Most sessions go smoothly: a few percent with each frustration signal.
        **_frustration(rng),
        "start_url": "https://shop.test/",
        "urls": '["https://shop.test/"]',
        "size_bytes": 100_000,
        "stored_bytes": 7_000,
        "chunk_count": 1,
        "updated_ms": now,
    }


def _frustration(rng: random.Random) -> dict[str, int]:
    rage = rng.randint(1, 4) if rng.random() < 0.03 else 0
    dead = rng.randint(1, 6) if rng.random() < 0.06 else 0
    failed = rng.randint(1, 5) if rng.random() < 0.08 else 0
    # The score of a replay without errors; errors vary per row and are not part of this estimate.
    score = frustration_score(rage, dead, 0, failed)
    return {"rage_count": rage, "dead_count": dead, "failed_request_count": failed, "frustration": score}


def timed(action: Callable[[], object], runs: int = QUERY_RUNS) -> list[float]:
    """Milliseconds each of `runs` calls of `action` took."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def measure_feed(cache: ReplayCache) -> dict[str, Any]:
    newest = cache.list_replays(ReplayQuery()).rows[0]
    day = time.strftime("%Y-%m-%d", time.localtime(newest.start_ms / 1000 - 5 * 86_400))
    week = time.strftime("%Y-%m-%d", time.localtime(newest.start_ms / 1000 - 12 * 86_400))
    deep = ReplayQuery(limit=50)
    cursor = None
    for _ in range(40):  # the 41st page: 2,000 rows down
        cursor = cache.list_replays(deep, cursor).next_cursor
    queries: dict[str, Callable[[], object]] = {
        "list_recent_first_page": lambda: cache.list_replays(ReplayQuery()),
        "list_recent_page_41": lambda: cache.list_replays(deep, cursor),
        "list_by_duration": lambda: cache.list_replays(ReplayQuery(sort=ReplaySort.DURATION)),
        "list_by_activity": lambda: cache.list_replays(ReplayQuery(sort=ReplaySort.ACTIVITY)),
        "search_name_common": lambda: cache.list_replays(ReplayQuery(search="jane")),
        "search_name_and_surname": lambda: cache.list_replays(ReplayQuery(search="jane tanaka")),
        "search_email_domain": lambda: cache.list_replays(ReplayQuery(search="example.com")),
        "search_user_id_exact": lambda: cache.list_replays(ReplayQuery(search="user-04242")),
        "search_user_id_prefix": lambda: cache.list_replays(ReplayQuery(search="user-042")),
        "search_short_word": lambda: cache.list_replays(ReplayQuery(search="bo")),
        "search_day": lambda: cache.list_replays(ReplayQuery(search=day)),
        "search_day_range": lambda: cache.list_replays(ReplayQuery(search=f"{week}..{day}")),
        "search_name_and_day": lambda: cache.list_replays(ReplayQuery(search=f"silva {day}")),
        "filter_event_name": lambda: cache.list_replays(ReplayQuery(event_name="Purchase")),
        "has_error": lambda: cache.list_replays(ReplayQuery(search="has:error")),
        "has_rage": lambda: cache.list_replays(ReplayQuery(search="has:rage")),
        "has_dead": lambda: cache.list_replays(ReplayQuery(search="has:dead")),
        "has_failed_request": lambda: cache.list_replays(ReplayQuery(search="has:failed-request")),
        "has_rage_and_name": lambda: cache.list_replays(ReplayQuery(search="has:rage jane")),
        "list_most_frustrated": lambda: cache.list_replays(ReplayQuery(sort=ReplaySort.FRUSTRATION)),
    }
    figures = {name: _stats(timed(action)) for name, action in queries.items()}
    for name, stats in figures.items():
        print(f"  {name:26s} ms over {QUERY_RUNS} runs: {stats}")
    worst = max(stats["p95"] for stats in figures.values())
    print(f"feed at {REPLAYS:,} replays / {USERS:,} users, pages of 50: worst p95 {worst:.1f} ms")
    return {
        "replays": REPLAYS,
        "users": USERS,
        "runs": QUERY_RUNS,
        "page_size": 50,
        "worst_p95_ms": worst,
        **figures,
    }


def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as folder:
        work = Path(folder)
        imported = measure_import(work)
        started = time.perf_counter()
        cache = build_large_cache(work / "large.sqlite3")
        print(f"built the {REPLAYS:,}-replay cache in {time.perf_counter() - started:.1f} s (bulk insert)")
        try:
            feed = measure_feed(cache)
        finally:
            cache.close()
    return {"import": imported, "feed": feed, "fixtures": [p.name for p in RRWEB_FIXTURES]}


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
