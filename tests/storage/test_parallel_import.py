"""`replay-viewer import` with worker processes stores exactly what importing in one process does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES
from viewer.storage import ReplayCache
from viewer.storage.importer import import_paths


def cache_contents(cache: ReplayCache) -> tuple[list[tuple], dict[str, list]]:
    rows = [(r.id, r.duration_ms, r.event_count, r.active_ms, r.user_id) for r in cache.all_replays()]
    return rows, {r.id: cache.events(r.id) for r in cache.all_replays()}


def test_the_command_with_workers_stores_what_one_process_stores(tmp_path: Path, data_dir: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    paths = [*RRWEB_FIXTURES[:4], bad, MIXPANEL_CAPTURES[0], *RRWEB_FIXTURES[4:]]
    # The command runs in a process of its own, single-threaded, so it forks one worker per core.
    command = [sys.executable, "-m", "viewer", "import", *map(str, paths)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert done.returncode == 1 and "bad.json" in done.stderr  # the bad file is reported, the rest kept
    reported = [line.split(":")[0] for line in done.stdout.splitlines()]
    assert reported == [p.name + ("/" if p.is_dir() else "") for p in paths if p != bad]  # in order
    with ReplayCache.open(data_dir / "cache.sqlite3") as parallel:
        in_workers = cache_contents(parallel)
    with ReplayCache.open(tmp_path / "one.sqlite3") as single:
        list(import_paths(single, paths, workers=1))
        in_one = cache_contents(single)
    assert in_workers == in_one and len(in_one[0]) == len(RRWEB_FIXTURES) + 1
