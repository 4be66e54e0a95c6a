"""Closing the window at any moment: typing a search, loading, syncing, playing — a clean exit every time."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QTimer
from pytestqt.qtbot import QtBot

from replay_api.config import Settings as ServerSettings
from tests.paths import RRWEB_FIXTURES
from tests.replay_api.server import FakeClock, running_server
from tests.sync.conftest import memory_keyring  # noqa: F401 (the keychain stand-in, autouse there)
from tests.sync.helpers import record_synthetic
from tests.sync.slow_proxy import slow_proxy
from viewer.storage import ReplayCache, ReplayRow
from viewer.sync.service import SyncStatus
from viewer.sync.sources import add_source
from viewer.ui.cache_worker import CacheWorker
from viewer.ui.main_window import MainWindow
from viewer.ui.sync_runner import STOP_WAIT_S

pytestmark = pytest.mark.webengine
WORKER_THREADS = ("cache", "sync", "recording-reader")
VUE = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)
LONG_FILE = next(p for p in RRWEB_FIXTURES if "preact" in p.name)
# Longer than every timer a window starts but its day-long retention: a timer left running fires meanwhile.
SETTLE_MS = 2500


def worker_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(WORKER_THREADS)]


def running_timers(*owners: QObject) -> list[str]:
    return [t.objectName() or repr(t) for o in owners for t in o.findChildren(QTimer) if t.isActive()]


def close_cleanly(qtbot: QtBot, window: MainWindow, caplog: pytest.LogCaptureFixture) -> None:
    """Close the window; then nothing runs, nothing is left, nothing complained."""
    window.close()
    assert window.session.shut_down
    assert worker_threads() == []
    assert running_timers(window, window.session) == []
    qtbot.wait(SETTLE_MS)  # a search timer or a late answer would act now (and pytest-qt would fail the test)
    complaints = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("viewer")]
    assert complaints == []


def assert_cache_intact(data_dir: Path, expected: set[str]) -> list[ReplayRow]:
    """Every connection is closed (SQLite removed the WAL file), the file is sound and holds the replays."""
    db = data_dir / "cache.sqlite3"
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    cache = ReplayCache.open(db)
    try:
        rows = cache.all_replays()
        assert expected <= {r.id for r in rows}
        for row in rows:  # none half-written
            assert len(cache.events(row.id)) == row.event_count
    finally:
        cache.close()
    return rows


@pytest.fixture()
def caplog_warnings(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING)
    return caplog


def test_closing_while_a_search_is_typed(
    qtbot: QtBot,
    window: MainWindow,
    cached_rows: list[ReplayRow],
    data_dir: Path,
    caplog_warnings: pytest.LogCaptureFixture,
) -> None:
    qtbot.keyClicks(window.feed.search, "user-1")  # the search waits 250 ms for more keys
    close_cleanly(qtbot, window, caplog_warnings)
    assert_cache_intact(data_dir, {r.id for r in cached_rows})


def test_closing_while_a_replay_is_read_from_the_cache(
    qtbot: QtBot,
    window: MainWindow,
    cached_rows: list[ReplayRow],
    data_dir: Path,
    caplog_warnings: pytest.LogCaptureFixture,
) -> None:
    opened: list[object] = []
    window.session.opened.connect(opened.append)
    longest = max(cached_rows, key=lambda r: r.event_count)
    window.session.open_replay(longest.id)  # its events are being read on the cache thread
    close_cleanly(qtbot, window, caplog_warnings)
    assert opened == []  # the answer came to nobody
    assert_cache_intact(data_dir, {r.id for r in cached_rows})


def test_closing_while_a_file_is_read(
    qtbot: QtBot,
    window: MainWindow,
    cached_rows: list[ReplayRow],
    data_dir: Path,
    caplog_warnings: pytest.LogCaptureFixture,
) -> None:
    opened: list[object] = []
    window.session.opened.connect(opened.append)
    window.session.open_file(LONG_FILE)  # parsed on the reader thread
    close_cleanly(qtbot, window, caplog_warnings)
    assert opened == []
    assert_cache_intact(data_dir, {r.id for r in cached_rows})


def test_closing_while_playing_fullscreen(
    qtbot: QtBot,
    window: MainWindow,
    cached_rows: list[ReplayRow],
    data_dir: Path,
    caplog_warnings: pytest.LogCaptureFixture,
) -> None:
    with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=20000):
        window.session.open_file(VUE)
    qtbot.keyClick(window, Qt.Key.Key_F)  # fullscreen: the chrome hides after 2 s (a timer)
    qtbot.waitUntil(window.isFullScreen, timeout=3000)
    window.player.controller.play()  # the player's tick runs
    qtbot.wait(300)
    assert window.player.controller.playing
    close_cleanly(qtbot, window, caplog_warnings)
    assert_cache_intact(data_dir, {r.id for r in cached_rows})


def test_closing_while_syncing_stops_the_sync_at_its_next_commit(
    qtbot: QtBot,
    window: MainWindow,
    tmp_path: Path,
    data_dir: Path,
    memory_keyring: object,  # noqa: F811
    caplog_warnings: pytest.LogCaptureFixture,
) -> None:
    settings = ServerSettings(db_url=f"sqlite:///{tmp_path / 'api.sqlite3'}", clock=FakeClock())
    with ExitStack() as stack:
        server = stack.enter_context(running_server(settings))
        recorded = record_synthetic(server, 20)
        # Each request answered 0.15 s late: the sync takes 3 s at least, and the close comes in its first.
        proxy = stack.enter_context(slow_proxy(server.base_url, delay_s=0.15))
        add_source("team", proxy.url, server.project.secret)
        session = window.session
        synced: list[object] = []
        session.synced.connect(synced.append)
        seen: list[SyncStatus] = []
        closed_in: list[float] = []

        def close_mid_sync(status: SyncStatus | None) -> None:
            # Closing from a progress report itself: the sync is certainly under way.
            if status is not None and status.syncing and status.total and not closed_in:
                seen.append(status)
                started = time.monotonic()
                window.close()
                closed_in.append(time.monotonic() - started)

        session.syncStatusChanged.connect(close_mid_sync)
        session.reload_sources(sync=True)
        qtbot.waitUntil(lambda: bool(closed_in), timeout=30000)
        assert seen[0].done < len(recorded)
        assert closed_in[0] < STOP_WAIT_S  # the sync gave up at its next commit, not at the end of the wait
        close_cleanly(qtbot, window, caplog_warnings)  # closing again changes nothing
        assert synced == []
    rows = assert_cache_intact(data_dir, set())
    assert len(rows) < len(recorded)  # stopped part way, with every replay it kept whole


def test_cache_work_asked_for_after_shutdown_is_dropped(qtbot: QtBot, data_dir: Path) -> None:
    worker = CacheWorker()
    worker.shutdown()
    answers: list[object] = []
    worker.call(lambda cache: cache.row_counts(), answers.append)  # a late timer's query: no crash
    qtbot.wait(100)
    assert answers == [] and worker_threads() == []
