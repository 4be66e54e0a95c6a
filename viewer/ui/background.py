"""One background thread that runs jobs in order and can be stopped within a bounded time."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)
Job = Callable[[], None]


class BackgroundThread:
    """Runs submitted jobs one after another on a thread of its own.

    The thread is a daemon: a job stuck on the network past the stop's time limit must not keep
    the process alive after the window has gone (the cache survives a kill at any point).
    """

    def __init__(self, name: str) -> None:
        self._jobs: deque[Job] = deque()
        self._wake = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> bool:
        """Queue `job`; False once the thread is stopping (the job is dropped)."""
        with self._wake:
            if self._closing:
                return False
            self._jobs.append(job)
            self._wake.notify()
        return True

    def stop(self, timeout_s: float, last: Job | None = None) -> bool:
        """Drop the jobs not started, run `last` after the current one, wait up to `timeout_s` for the end.

        True when the thread has ended; False when a job outlived the wait (the daemon is left behind).
        """
        with self._wake:
            already = self._closing
            self._closing = True
            self._jobs.clear()
            if last is not None and not already:
                self._jobs.append(last)
            self._wake.notify()
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _serve(self) -> None:
        while (job := self._next()) is not None:
            try:
                job()
            except Exception:  # one broken job must not end the thread the others wait on
                log.exception("background job failed on %s", self._thread.name)

    def _next(self) -> Job | None:
        with self._wake:
            while not self._jobs and not self._closing:
                self._wake.wait()
            return self._jobs.popleft() if self._jobs else None
