"""All cache work on one background thread; answers reach the GUI thread as Qt signals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from viewer.storage import ReplayCache

log = logging.getLogger(__name__)
T = TypeVar("T")


class CacheWorker(QObject):
    """Owns the ReplayCache on its own thread; `call` runs a function there and calls back here."""

    _answered = Signal(object, object)  # callback, value
    failed = Signal(str)  # a one-line reason, for the status bar

    def __init__(self, path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache")
        self._cache: ReplayCache | None = None
        self._path = path
        self._closed = False  # set by shutdown: no new work, no more answers to the GUI
        self._answered.connect(self._deliver)
        self._pool.submit(self._open)  # opening (and migrating) starts at once, off the GUI thread

    def _open(self) -> ReplayCache:
        self._cache = ReplayCache.open(self._path)
        return self._cache

    def call(
        self,
        work: Callable[[ReplayCache], T],
        done: Callable[[T], None] | None = None,
        error: Callable[[str], None] | None = None,
    ) -> None:
        """Run `work` on the cache thread; after shutdown it is dropped (a late timer, a closing window)."""
        if self._closed:
            log.debug("cache work after shutdown dropped")
            return
        self._pool.submit(self._run, work, done, error)

    def _run(
        self, work: Callable[[ReplayCache], Any], done: Callable[[Any], None] | None, error: Any
    ) -> None:
        try:
            cache = self._cache or self._open()
            value = work(cache)
        except Exception as exc:  # every failure reaches the user as one line, the thread lives on
            log.exception("cache work failed")
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self._answered.emit(error or self.failed.emit, message)
            return
        if done is not None:
            self._answered.emit(done, value)

    def _deliver(self, callback: Callable[[Any], None], value: Any) -> None:
        # Answers still queued when the window closed would reach widgets that are going away.
        if not self._closed:
            callback(value)

    @property
    def path(self) -> Path | None:
        """The cache file (None: the app's default), for threads that open their own connection."""
        return self._path

    @property
    def closed(self) -> bool:
        return self._closed

    def shutdown(self) -> None:
        """Take no more work, let what is queued (writes among it) finish, then close the cache."""
        if self._closed:
            return
        self._closed = True

        def close() -> None:
            if self._cache is not None:
                self._cache.close()

        self._pool.submit(close)
        self._pool.shutdown(wait=True, cancel_futures=False)
