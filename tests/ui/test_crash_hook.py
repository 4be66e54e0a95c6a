"""An error nobody expected, raised in a slot while the app runs, is logged with its traceback and shown as
one line in the status bar; the app goes on."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from viewer.app import install_crash_hook
from viewer.crash_log import LOG_NAME
from viewer.ui.main_window import MainWindow


@pytest.fixture
def hook_restored() -> Iterator[None]:
    before = sys.excepthook
    yield
    sys.excepthook = before


def _explode() -> None:
    raise RuntimeError("the chart's data had a hole\nsecond line")


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_is_one_status_line_and_a_logged_traceback(
    qtbot: QtBot, window: MainWindow, data_dir: Path, hook_restored: None
) -> None:
    install_crash_hook(window.session)
    QTimer.singleShot(0, _explode)
    qtbot.waitUntil(lambda: "Something went wrong" in window.statusBar().currentMessage(), timeout=5000)
    line = window.statusBar().currentMessage()
    assert "RuntimeError: the chart's data had a hole second line" in line and "\n" not in line
    log = data_dir / "logs" / LOG_NAME
    assert f"details in {log}" in line
    written = log.read_text()
    assert "unexpected error in the app" in written and "in _explode" in written
    assert window.isVisible()  # the app goes on
