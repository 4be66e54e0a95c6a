"""`replay-viewer` on a fresh machine: the app starts and its feed is populated with the demo within seconds."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.webengine


def replay_count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM replays").fetchone()[0])
    except sqlite3.Error:
        return 0  # not made yet, or mid-migration


def test_the_app_starts_and_loads_the_demo_replays(data_dir: Path) -> None:
    env = os.environ.copy()  # offscreen, sandbox switch, and this test's own data folder
    app = subprocess.Popen([sys.executable, "-m", "viewer"], env=env, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    try:
        while replay_count(data_dir / "cache.sqlite3") < 7:
            assert app.poll() is None, f"the app ended: {app.stderr.read() if app.stderr else ''}"
            assert time.monotonic() - started < 30, "the demo replays did not arrive within 30 s"
            time.sleep(0.2)
        assert app.poll() is None  # still running, showing them
    finally:
        app.terminate()
        app.wait(timeout=20)
