"""What the player shows instead of a replay that cannot be played: the reason and a way on."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QStyle, QVBoxLayout, QWidget

MAX_TEXT_WIDTH = 640
_LONG_WORD = re.compile(r"\S{24,}")
_BREAK = "\u200b"  # zero-width space: where a long id or path may wrap


def breakable(text: str) -> str:
    """Long ids and paths may wrap anywhere (a label wraps only at spaces and would cut them off)."""
    return _LONG_WORD.sub(lambda m: _BREAK.join(m.group(0)[i : i + 12] for i in range(0, len(m.group(0)), 12)), text)


class ErrorPanel(QWidget):
    openAnotherRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        icon = QLabel(self)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(48, 48))
        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.message = QLabel(self)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.title, self.message):
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.button = QPushButton("Open another recording…", self)
        self.button.clicked.connect(self.openAnotherRequested)
        self._lay_out(icon)

    def _lay_out(self, icon: QLabel) -> None:
        # The texts fill a column (at most MAX_TEXT_WIDTH wide) rather than being centred at their
        # preferred size: a wrapped label placed with an alignment gets too little height and is cut off.
        column = QWidget(self)
        column.setMaximumWidth(MAX_TEXT_WIDTH)
        column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        texts = QVBoxLayout(column)
        texts.setContentsMargins(0, 0, 0, 0)
        texts.addWidget(icon, 0, Qt.AlignmentFlag.AlignHCenter)
        texts.addWidget(self.title)
        texts.addWidget(self.message)
        texts.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column, 100)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

    def show_problem(self, title: str, message: str) -> None:
        self.title.setText(breakable(title))
        self.message.setText(breakable(message))
