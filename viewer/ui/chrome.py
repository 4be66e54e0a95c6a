"""Fullscreen for presenting: everything but the replay hides 2 s after the mouse stops moving."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QWidget

HIDE_AFTER_MS = 2000


class FullscreenChrome(QObject):
    """Shows or hides the window's chrome (menus, status bar, feed) around the replay.

    The window's own parts are given as widgets; other widgets (the player's controls and header)
    follow the signals and hide their own parts.
    """

    chromeShown = Signal(bool)  # hides after a moment in fullscreen, comes back when the mouse moves
    presentingChanged = Signal(bool)  # fullscreen on or off: what has no place there hides meanwhile

    def __init__(self, window: QMainWindow, chrome: Sequence[QWidget], away: Sequence[QWidget] = ()) -> None:
        super().__init__(window)
        self.window = window
        self.chrome = list(chrome)
        self.away = list(away)  # hidden for as long as the window is fullscreen
        self._hidden_before: set[int] = set()
        self.timer = QTimer(self)
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
            self.presentingChanged.emit(True)
            self.window.showFullScreen()
            self.reveal()

    def leave(self) -> None:
        if self.window.isFullScreen():
            self.timer.stop()
            self.window.showNormal()
            self._show(True)
            for widget in self.away:
                widget.setVisible(id(widget) not in self._hidden_before)
            self.presentingChanged.emit(False)

    def reveal(self) -> None:
        self._show(True)
        if self.window.isFullScreen():
            self.timer.start()

    def hide(self) -> None:
        if self.window.isFullScreen():
            self._show(False)

    def stop(self) -> None:
        """The window is closing: no hiding is left pending."""
        self.timer.stop()

    def _show(self, visible: bool) -> None:
        for widget in self.chrome:
            if id(widget) not in self._hidden_before:
                widget.setVisible(visible)
        self.chromeShown.emit(visible)
