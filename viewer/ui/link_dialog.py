"""Open link (Ctrl+L): a box wide enough for a whole link, holding the clipboard's link if it has one."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from replay_core.links import LinkError, parse_link

# As wide as a typical link: a server, a 36-character replay id and a moment.
_SAMPLE = "https://replays.example.org/replays/0b1f2d3c-4e5f-6a7b-8c9d-0e1f2a3b4c5d?t=1234.567"


class LinkDialog(QDialog):
    def __init__(self, clipboard: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open link")
        self.box = QLineEdit()
        self.box.setPlaceholderText("replay-viewer://replay/…?t=12.5, or a link from PostHog, Sentry…")
        self.box.setMinimumWidth(self.box.fontMetrics().horizontalAdvance(_SAMPLE) + 24)
        if _is_link(clipboard):
            self.box.setText(clipboard.strip())
            self.box.selectAll()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        label = QLabel("&Link to a replay:")
        label.setBuddy(self.box)  # Alt+L, and the box's name for a screen reader
        layout.addWidget(label)
        layout.addWidget(self.box)
        layout.addWidget(buttons)


def ask_for_link(parent: QWidget, clipboard: str) -> str | None:
    """The link the user gave, or None when they cancelled or left the box empty."""
    dialog = LinkDialog(clipboard, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.box.text().strip() or None


def _is_link(text: str) -> bool:
    if not text.strip() or "\n" in text.strip():
        return False
    try:
        parse_link(text)
    except (LinkError, ValueError):
        return False
    return True
