"""Fullscreen for presenting: everything but the replay hides 2 s after the mouse stops moving."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMainWindow, QWidget

HIDE_AFTER_MS = 2000


class FullscreenChrome:
    """Shows or hides the window's chrome (controls, menus, feed) around the replay."""

    def __init__(self, window: QMainWindow, chrome: Sequence[QWidget], away: Sequence[QWidget] = ()) -> None:
        self.window = window
        self.chrome = list(chrome)  # hides after a moment, comes back when the mouse moves
        self.away = list(away)  # hidden for as long as the window is fullscreen
        self._hidden_before: set[int] = set()
        self.timer = QTimer(window)
        self.timer.setSingleShot(True)
        self.timer.setInterval(HIDE_AFTER_MS)
        self.timer.timeout.connect(self.hide)

    def toggle(self) -> None:
        if self.window.isFullScreen():
            self.leave()
        else:
            self._hidden_before = {id(w) for w in self.chrome + self.away if not w.isVisible()}
            for widget in self.away:
                widget.hide()
            self.window.showFullScreen()
            self.reveal()

    def leave(self) -> None:
        if self.window.isFullScreen():
            self.timer.stop()
            self.window.showNormal()
            self._show(True)
            for widget in self.away:
                widget.setVisible(id(widget) not in self._hidden_before)

    def reveal(self) -> None:
        self._show(True)
        if self.window.isFullScreen():
            self.timer.start()

    def hide(self) -> None:
        if self.window.isFullScreen():
            self._show(False)

    def _show(self, visible: bool) -> None:
        for widget in self.chrome:
            if id(widget) not in self._hidden_before:
                widget.setVisible(visible)
