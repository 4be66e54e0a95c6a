"""Background sync for the app: every source at start-up and then every minute, on a network thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from viewer.storage import ReplayCache
from viewer.sync.service import SyncService, SyncStatus
from viewer.sync.sources import load_config
from viewer.sync.syncer import SyncReport
from viewer.ui.background import BackgroundThread

log = logging.getLogger(__name__)
STOP_WAIT_S = 10.0  # a request still on the wire after this is left to its daemon thread


class SyncCancelled(Exception):
    """Raised on the sync thread at its next progress point once the app is closing."""


class SyncRunner(QObject):
    """Runs SyncService.sync_all off the GUI thread; reports status, progress and results by signal."""

    statusChanged = Signal(object)  # SyncStatus, or None when there are no sources
    synced = Signal(list)  # list[SyncReport], after each sync

    _progress = Signal()
    _finished = Signal(list)
    _answer = Signal(object, object)  # callback, argument: run on the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = BackgroundThread("sync")
        self._service: SyncService | None = None  # made and used on the sync thread only
        self._cancelled = threading.Event()
        self._syncing = False  # a sync is queued or running (GUI thread)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.sync_now)
        self._progress.connect(self._emit_status)
        self._finished.connect(self._on_finished)
        self._answer.connect(self._deliver)

    def start(self) -> None:
        """Sync now and then every interval the sync settings give (60 s by default)."""
        self.timer.setInterval(int(load_config().interval_s * 1000))
        self.timer.start()
        self.sync_now()

    def sync_now(self) -> None:
        if self._syncing or self._cancelled.is_set():
            return
        if not load_config().sources:
            self.statusChanged.emit(None)
            return
        self._syncing = self._thread.submit(self._sync)

    def _open_service(self) -> SyncService:
        # The sync thread has its own connection to the cache; SQLite's WAL lets the app read meanwhile.
        if self._service is None:
            self._service = SyncService(ReplayCache.open())
        return self._service

    def _sync(self) -> None:
        try:
            reports = self._open_service().sync_all(self._step)
        except SyncCancelled:
            return  # the app is closing: what was committed stays, nobody waits for a report
        except Exception as exc:  # a broken sync must not end the thread; the status bar says why
            log.exception("sync failed")
            reports = [SyncReport(source="sync", errors=[_one_line(exc)])]
        if not self._cancelled.is_set():
            self._finished.emit(reports)

    def _step(self, done: int, total: int) -> None:
        """Progress, called between the syncer's commits: the safe place to give up when closing."""
        if self._cancelled.is_set():
            raise SyncCancelled
        self._progress.emit()

    def fetch_events(self, replay_id: str, done: Callable[[], None], failed: Callable[[str], None]) -> None:
        """Download the events of a replay kept as metadata only, then call `done` (on the GUI thread)."""

        def fetch() -> None:
            try:
                ok = self._open_service().ensure_events(replay_id)
            except Exception as exc:  # reported to the user, the thread lives on
                self._reply(failed, _one_line(exc))
                return
            if ok:
                self._reply(lambda _: done(), None)
            else:
                self._reply(failed, f"replay {replay_id} is no longer on its server")

        self._thread.submit(fetch)

    def _reply(self, callback: Callable[[Any], None], value: object) -> None:
        if not self._cancelled.is_set():
            self._answer.emit(callback, value)

    def _deliver(self, callback: Callable[[Any], None], value: object) -> None:
        if not self._cancelled.is_set():  # answers queued before the stop go to widgets no more
            callback(value)

    def status(self) -> SyncStatus | None:
        return self._service.status() if self._service is not None else None

    def _emit_status(self) -> None:
        if not self._cancelled.is_set():
            self.statusChanged.emit(self.status())

    def _on_finished(self, reports: list[SyncReport]) -> None:
        self._syncing = False
        if not self._cancelled.is_set():
            self._emit_status()
            self.synced.emit(reports)

    def stop_timer(self) -> None:
        self.timer.stop()

    def shutdown(self, timeout_s: float = STOP_WAIT_S) -> bool:
        """Stop syncing: the timer, then the sync at its next commit, then its cache connection.

        True when the sync thread ended within `timeout_s`.
        """
        self.timer.stop()
        self._cancelled.set()
        return self._thread.stop(timeout_s, last=self._close_cache)

    def _close_cache(self) -> None:
        if self._service is not None:
            self._service.cache.close()


def _one_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else repr(exc)
