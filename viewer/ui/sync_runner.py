"""Background sync for the app: every source at start-up and then every minute, on a network thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, QTimer, Signal

from viewer.storage import ReplayCache
from viewer.sync.service import SyncService, SyncStatus
from viewer.sync.sources import load_config
from viewer.sync.syncer import SyncReport

log = logging.getLogger(__name__)


class SyncRunner(QObject):
    """Runs SyncService.sync_all off the GUI thread; reports status, progress and results by signal."""

    statusChanged = Signal(object)  # SyncStatus
    synced = Signal(list)  # list[SyncReport], after each sync

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync")
        self._service: SyncService | None = None
        self._running: Future[None] | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.sync_now)
        self._progress.connect(self._emit_status)
        self._finished.connect(self._on_finished)
        self._answer.connect(lambda callback, value: callback(value))

    _progress = Signal()
    _finished = Signal(list)
    _answer = Signal(object, object)  # callback, argument: run on the GUI thread

    def start(self) -> None:
        """Sync now and then every interval the sync settings give (60 s by default)."""
        self.timer.setInterval(int(load_config().interval_s * 1000))
        self.timer.start()
        self.sync_now()

    def sync_now(self) -> None:
        if self._running is not None and not self._running.done():
            return
        if not load_config().sources:
            self.statusChanged.emit(None)
            return
        self._running = self._pool.submit(self._sync)

    def _sync(self) -> None:
        # The sync thread has its own connection to the cache; SQLite's WAL lets the app read meanwhile.
        try:
            if self._service is None:
                self._service = SyncService(ReplayCache.open())
            reports = self._service.sync_all(lambda done, total: self._progress.emit())
        except Exception as exc:  # a broken sync must not end the thread; the status bar says why
            log.exception("sync failed")
            reports = [
                SyncReport(source="sync", errors=[str(exc).splitlines()[0] if str(exc) else repr(exc)])
            ]
        self._finished.emit(reports)

    def fetch_events(self, replay_id: str, done: Callable[[], None], failed: Callable[[str], None]) -> None:
        """Download the events of a replay kept as metadata only, then call `done` (on the GUI thread)."""

        def fetch() -> None:
            try:
                if self._service is None:
                    self._service = SyncService(ReplayCache.open())
                ok = self._service.ensure_events(replay_id)
            except Exception as exc:  # reported to the user, the thread lives on
                self._answer.emit(failed, str(exc).splitlines()[0] if str(exc) else repr(exc))
                return
            if ok:
                self._answer.emit(lambda _: done(), None)
            else:
                self._answer.emit(failed, f"replay {replay_id} is no longer on its server")

        self._pool.submit(fetch)

    def status(self) -> SyncStatus | None:
        return self._service.status() if self._service is not None else None

    def _emit_status(self) -> None:
        self.statusChanged.emit(self.status())

    def _on_finished(self, reports: list[SyncReport]) -> None:
        self._emit_status()
        self.synced.emit(reports)

    def shutdown(self) -> None:
        self.timer.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
