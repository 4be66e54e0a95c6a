"""A short notice over the replay ("Skipped 2 min 10 s of inactivity") that fades after a moment."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget

SHOW_MS = 2500


class NoticeOverlay(QLabel):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet(
            "QLabel { background: rgba(32, 33, 36, 220); color: white;"
            " border-radius: 6px; padding: 8px 14px; }"
        )
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_notice(self, text: str) -> None:
        self.setText(text)
        self.adjustSize()
        parent = self.parentWidget()
        if parent is not None:
            self.move((parent.width() - self.width()) // 2, 24)
        self.show()
        self.raise_()
        self._timer.start(SHOW_MS)

    def stop(self) -> None:
        """The window is closing: no fade is left pending."""
        self._timer.stop()
        self.hide()
