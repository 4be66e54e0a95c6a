"""A main window over a cache in the test's data folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from viewer.app import build_main_window
from viewer.settings import load_settings
from viewer.ui.main_window import MainWindow

MakeWindow = Callable[[], MainWindow]


@pytest.fixture()
def make_window(qtbot: QtBot, data_dir: Path) -> Iterator[MakeWindow]:
    made: list[MainWindow] = []

    def make() -> MainWindow:
        settings = load_settings()
        settings.demo_offered = True  # tests bring their own replays
        window = build_main_window(settings)  # the app's own composition: session, workers, window
        qtbot.addWidget(window)
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()  # shuts its session down: timers, work, then the cache


@pytest.fixture()
def window(make_window: MakeWindow) -> MainWindow:
    return make_window()
