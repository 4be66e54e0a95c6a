"""The app starts over a damaged sync.json and says so in its status bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from viewer import paths
from viewer.app import build_main_window
from viewer.settings import Settings, save_settings

pytestmark = pytest.mark.webengine


def test_the_window_opens_over_a_damaged_sync_file_with_a_notice(qtbot: QtBot, data_dir: Path) -> None:
    save_settings(Settings(demo_offered=True))  # no demo import: this test is about start-up alone
    (paths.config_dir() / "sync.json").write_text('{"version": 1, "sources": [')
    window = build_main_window()
    qtbot.addWidget(window)
    try:
        assert "sync.json is damaged" in window.statusBar().currentMessage()
        assert window.sync_label.text() == "No sources — working from the local cache"
        assert list(paths.config_dir().glob("sync.json.damaged-*"))
    finally:
        window.close()  # the session stops its workers; answers still on their way are dropped
