"""The one composition root: settings, the session with its workers, the main window, the Qt application."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from viewer.player.environment import display_problem, sandbox_problem
from viewer.settings import read_settings

if TYPE_CHECKING:
    from viewer.settings import Settings
    from viewer.ui.instance import InstanceServer
    from viewer.ui.main_window import MainWindow
    from viewer.ui.session import ReplaySession

log = logging.getLogger(__name__)


def run_app(open_target: str | None) -> int:
    problem = sandbox_problem() or display_problem()
    if problem:
        print(f"replay-viewer: error: {problem}", file=sys.stderr)
        return 2
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
    from viewer.ui.appearance import app_icon

    app.setWindowIcon(app_icon())
    from viewer.ui.instance import hand_over

    target = _absolute(open_target) if open_target else None
    if hand_over(target or ""):  # an app is running on this data folder: it takes over
        print(
            "replay-viewer: opened in the Replay Viewer already running"
            if target
            else "replay-viewer: the Replay Viewer is already running; its window is brought up"
        )
        return 0
    window = build_main_window()
    session = window.session
    install_crash_hook(session)
    answer_later_starts(window)
    # Closing the window shuts the session down; a quit that skips the window's close does it here.
    app.aboutToQuit.connect(session.shutdown)
    if target:
        session.open_target(target)
    window.show()
    return int(app.exec())


def install_crash_hook(session: ReplaySession) -> None:
    """An error no code expected (in a slot, a timer, a callback) is logged with its traceback and shown
    as one line in the status bar; the app goes on instead of printing to a terminal nobody reads."""
    from viewer.crash_log import log_unexpected, one_line

    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt) or session.shut_down:
            previous(kind, exc, trace)
            return
        path = log_unexpected(exc.with_traceback(trace), "unexpected error in the app")
        details = f"; details in {path}" if path is not None else ""
        session.message.emit(f"Something went wrong ({one_line(exc, 200)}){details}", 30000)

    sys.excepthook = hook


def build_main_window(settings: Settings | None = None) -> MainWindow:
    """The session with its workers and the window over it, wired; start-up work (retention, demo, feed, sync) queued.

    Without `settings` they are read here, with sync.json, so that a damaged file's notice shows.
    """
    from viewer.sync.sources import read_config
    from viewer.ui.appearance import app_icon, apply_appearance
    from viewer.ui.cache_worker import CacheWorker
    from viewer.ui.loader import RecordingLoader
    from viewer.ui.main_window import MainWindow
    from viewer.ui.session import ReplaySession
    from viewer.ui.sync_runner import SyncRunner

    notices: list[str] = []
    if settings is None:
        loaded = read_settings()
        # read before the window and the sync runner do: a damaged sync.json is set aside at the first read
        notices = [n for n in (loaded.notice, read_config().notice) if n]
        settings = loaded.value
    apply_appearance(settings.appearance)
    session = ReplaySession(settings, CacheWorker(), SyncRunner(), RecordingLoader())
    window = MainWindow(settings, session)
    window.setWindowIcon(app_icon())
    session.start(notices)
    return window


def answer_later_starts(window: MainWindow) -> InstanceServer:
    """Later starts of the app on the same data folder hand their link or file to this window."""
    from viewer.ui.instance import InstanceServer

    instance = InstanceServer(parent=window)
    instance.targetReceived.connect(lambda target: _bring_up(window, target))
    instance.showRequested.connect(lambda: _bring_up(window, None))
    window.session.stopping.connect(instance.close)
    if not instance.listen():
        log.warning("another Replay Viewer answers on %s; later starts go to it", instance.name)
    return instance


def _absolute(target: str) -> str:
    """A file as a path the running app can open: it does not share this start's working folder."""
    return target if "://" in target else str(Path(target).absolute())


def _bring_up(window: MainWindow, target: str | None) -> None:
    if target:
        window.session.open_target(target)
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
