"""Waiting on the player without a window: run Qt's event loop until something happens or time runs out."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEventLoop, QTimer

from viewer.errors import CommandError


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Process Qt events until `condition()` holds; raise CommandError naming `what` on timeout."""
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    while not condition():
        if time.monotonic() > deadline:
            raise CommandError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        QTimer.singleShot(10, loop.quit)
        loop.exec()
