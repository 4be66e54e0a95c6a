"""A `replay-viewer sync --once` killed with SIGKILL mid-way resumes to the same end state, no duplicates."""

from __future__ import annotations

import os
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
    record_synthetic,
    send_capture,
    server_state,
)
from viewer.commands.sync import PAUSE_ENV
from viewer.storage import ReplayCache


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    # A subprocess cannot share the in-memory keychain: with no keychain at all the key goes to the
    # 0600 fallback file, which this test thereby exercises too.
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


def test_sync_killed_mid_way_resumes_without_loss_or_duplicates(
    server: RunningServer, api: httpx.Client, tmp_path: Path
) -> None:
    for folder in capture_folders():
        send_capture(server, folder)
    record_synthetic(server, replays=25)
    data_dir = tmp_path / "viewer-data"
    env = cli_env(data_dir)
    added = run_cli(
        "source", "add", "test-server", server.base_url, env=env, stdin=server.project.secret + "\n"
    )
    assert added.returncode == 0, added.stderr
    assert "readable by you alone" in added.stderr

    slow = subprocess.Popen(
        [sys.executable, "-m", "viewer", "sync", "--once"],
        cwd=REPO,
        env=cli_env(data_dir, **{PAUSE_ENV: "0.15"}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cache_path = data_dir / "cache.sqlite3"
    deadline = time.monotonic() + 60
    while stored_replays(cache_path) < 6 and time.monotonic() < deadline and slow.poll() is None:
        time.sleep(0.05)
    slow.send_signal(signal.SIGKILL)
    slow.wait(timeout=10)
    killed_at = stored_replays(cache_path)
    assert 6 <= killed_at < 30, "the sync was not killed in the middle"

    finished = run_cli("sync", "--once", env=env)
    assert finished.returncode == 0, finished.stderr
    assert "replays added" in finished.stdout
    with ReplayCache.open(cache_path) as cache:
        assert_cache_matches(cache, server_state(api))
        assert cache.row_counts()["replays"] == 30
