"""A main window over a cache in the test's data folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES
from viewer.app import build_main_window
from viewer.settings import load_settings
from viewer.storage import ReplayCache, ReplayQuery, ReplayRow
from viewer.storage.importer import import_paths
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


@pytest.fixture()
def cached_rows(data_dir: Path) -> list[ReplayRow]:
    """Every fixture imported into the cache the window will open; the rows as the cache has them."""
    cache = ReplayCache.open()
    list(import_paths(cache, [*RRWEB_FIXTURES, *MIXPANEL_CAPTURES]))
    rows = cache.all_replays(ReplayQuery())
    cache.close()
    return rows
