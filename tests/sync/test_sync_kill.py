"""A `replay-viewer sync --once` killed with SIGKILL mid-way resumes to the same end state, no duplicates.

The sync is slowed from outside, by a proxy in front of the server that answers each request late, so
that there is time to kill it in the middle.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.paths import REPO
from tests.replay_api.server import RunningServer
from tests.sync.helpers import (
    assert_cache_matches,
    capture_folders,
    cli_env,
    record_synthetic,
    run_cli,
    send_capture,
    server_state,
)
from tests.sync.slow_proxy import slow_proxy
from viewer.storage import ReplayCache


def stored_replays(path: Path) -> int:
    if not path.exists():
        return 0
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return int(connection.execute("SELECT count(*) FROM replays").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        connection.close()


def add_source(url: str, key: str, env: dict[str, str]) -> None:
    added = run_cli("source", "add", "test-server", url, env=env, stdin=key + "\n")
    assert added.returncode == 0, added.stderr
    assert "readable by you alone" in added.stderr


def sync_killed_mid_way(data_dir: Path, env: dict[str, str]) -> int:
    """Start `sync --once`, SIGKILL it once six replays are stored; how many were stored then."""
    slow = subprocess.Popen(
        [sys.executable, "-m", "viewer", "sync", "--once"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cache_path = data_dir / "cache.sqlite3"
    deadline = time.monotonic() + 60
    while stored_replays(cache_path) < 6 and time.monotonic() < deadline and slow.poll() is None:
        time.sleep(0.05)
    slow.send_signal(signal.SIGKILL)
    slow.wait(timeout=10)
    return stored_replays(cache_path)


def test_sync_killed_mid_way_resumes_without_loss_or_duplicates(
    server: RunningServer, api: httpx.Client, tmp_path: Path
) -> None:
    for folder in capture_folders():
        send_capture(server, folder)
    record_synthetic(server, replays=25)
    data_dir = tmp_path / "viewer-data"
    env = cli_env(data_dir)
    with slow_proxy(server.base_url, delay_s=0.15) as proxy:
        add_source(proxy.url, server.project.secret, env)
        killed_at = sync_killed_mid_way(data_dir, env)
        assert 6 <= killed_at < 30, "the sync was not killed in the middle"

        proxy.delay_s = 0.0  # the same server, now answering at once
        finished = run_cli("sync", "--once", env=env)
    assert finished.returncode == 0, finished.stderr
    assert "replays added" in finished.stdout
    with ReplayCache.open(data_dir / "cache.sqlite3") as cache:
        assert_cache_matches(cache, server_state(api))
        assert cache.row_counts()["replays"] == 30
