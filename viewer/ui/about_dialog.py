"""Help → About: the versions that run (the app, Python, Qt, Chromium, rrweb) and where data and logs live."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWebEngineCore import qWebEngineChromiumVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from viewer.about import about_lines


def chromium_version() -> str:
    found: object = qWebEngineChromiumVersion()  # text at run time; bytes in the type stubs
    return found.decode() if isinstance(found, bytes) else str(found)


def about_text() -> str:
    lines = about_lines()
    lines.insert(len(lines) - 3, f"Chromium {chromium_version()}")  # before the folders
    return "\n".join(lines)


class AboutDialog(QDialog):
    """Plain, selectable text: a user can copy it whole into a bug report."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Replay Viewer")
        heading = QLabel("Replay Viewer — session replays, offline and private by default.")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        self.details = QPlainTextEdit(about_text(), readOnly=True)
        self.details.setMinimumSize(480, 180)
        self.details.setAccessibleName("Versions and folders")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.details)
        layout.addWidget(buttons)
