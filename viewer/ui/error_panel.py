"""What the player shows instead of a replay that cannot be played: the reason and a way on."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QStyle, QVBoxLayout, QWidget


class ErrorPanel(QWidget):
    openAnotherRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        icon = QLabel(self)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(48, 48))
        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton("Open another recording…", self)
        self.button.clicked.connect(self.openAnotherRequested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (icon, self.title, self.message, self.button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        self.message.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.message.setMaximumWidth(640)
        layout.addStretch(2)

    def show_problem(self, title: str, message: str) -> None:
        self.title.setText(title)
        self.message.setText(message)
