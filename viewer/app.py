"""The one composition root: settings, the cache worker, the main window, and the Qt application."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from viewer.player.environment import display_problem, sandbox_problem
from viewer.settings import read_settings

if TYPE_CHECKING:
    from viewer.storage import MovedAside, Removal
    from viewer.ui.main_window import MainWindow

DAY_MS = 86_400_000


def run_app(open_target: str | None) -> int:
    problem = sandbox_problem() or display_problem()
    if problem:
        print(f"replay-viewer: error: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from viewer.player.scheme import PlayerUnavailable, check_player_installed, register_player_scheme

    try:
        check_player_installed()
    except PlayerUnavailable as exc:
        print(f"replay-viewer: error: {exc}", file=sys.stderr)
        return 2
    register_player_scheme()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Replay Viewer")
    app.setDesktopFileName("replay-viewer")
    from viewer.ui.instance import InstanceServer, hand_over

    if open_target and hand_over(open_target):
        print("replay-viewer: opened in the Replay Viewer already running")
        return 0
    window = build_main_window()
    instance = InstanceServer(parent=window)
    instance.targetReceived.connect(lambda target: _bring_up(window, target))
    instance.listen()
    retention = QTimer(window)
    retention.setInterval(DAY_MS)
    retention.timeout.connect(lambda: purge_expired(window))
    retention.start()
    if open_target:
        window.navigator.open_target(open_target)
    window.show()
    code = int(app.exec())
    window.sync_runner.shutdown()
    window.worker.shutdown()
    return code


def build_main_window() -> MainWindow:
    """Settings, cache worker and window, wired; start-up work (retention, demo, feed) queued."""
    from viewer.sync.sources import read_config
    from viewer.ui.cache_worker import CacheWorker
    from viewer.ui.main_window import MainWindow
    from viewer.ui.sync_runner import SyncRunner

    settings = read_settings()
    # read before the window and the sync runner do: a damaged sync.json is set aside at the first read
    notices = [n for n in (settings.notice, read_config().notice) if n]
    worker = CacheWorker()
    window = MainWindow(settings.value, worker)
    runner = SyncRunner(window)
    window.attach_sync(runner)
    runner.start()
    if notices:
        window.statusBar().showMessage(" ".join(notices), 30000)
    worker.call(lambda cache: cache.moved_aside, lambda moved: _report_moved(window, moved))
    purge_expired(window)
    worker.call(lambda cache: cache.row_counts().get("replays", 0), lambda count: _first_run(window, count))
    return window


def _bring_up(window: MainWindow, target: str) -> None:
    window.navigator.open_target(target)
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()


def purge_expired(window: MainWindow) -> None:
    days = window.settings.retention_days
    window.worker.call(lambda cache: cache.purge_expired(days), lambda removal: _purged(window, removal))


def _purged(window: MainWindow, removal: Removal) -> None:
    if removal.replays:
        window.statusBar().showMessage(
            f"Removed {removal.replays} replays older than {window.settings.retention_days} days", 8000
        )
    window.feed.refresh()


def _first_run(window: MainWindow, replay_count: int) -> None:
    if replay_count == 0 and not window.settings.demo_offered:
        window.load_demo()
    else:
        window.feed.refresh()


def _report_moved(window: MainWindow, moved: MovedAside | None) -> None:
    if moved is not None:
        window.statusBar().showMessage(moved.message(), 20000)
