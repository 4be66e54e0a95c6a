"""The feed shows what went wrong in each replay (errors, rage, dead clicks, failed requests) and sorts
by it: a replay with a rage click comes first under "Most frustrated", chosen from the sort box."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.core.test_timeline import click, ev, page
from tests.ui.conftest import MakeWindow
from viewer.storage import ReplayCache, ReplayRow
from viewer.storage.importer import import_path
from viewer.ui.feed import row_badges


def _import_rage_replay(tmp_path: Path) -> str:
    bursts = 8  # more than any fixture's signals together, so it is the most frustrated replay
    clicks = [click(1000 + b * 2000 + i * 150, 12, 200 + i, 50) for b in range(bursts) for i in range(5)]
    events = page(*clicks, ev(1000 + bursts * 2000 + 5000, source=1))
    path = tmp_path / "rage.json"
    path.write_text(json.dumps(events))
    with ReplayCache.open() as cache:
        outcome = import_path(cache, path)
        assert not outcome.failed, outcome.summary_line()
        [row] = [r for r in cache.all_replays() if r.rage_count]
        return row.id


def test_most_frustrated_from_the_sort_box_puts_the_rage_click_first_with_its_badge(
    qtbot: QtBot, tmp_path: Path, cached_rows: list[ReplayRow], make_window: MakeWindow
) -> None:
    rage_id = _import_rage_replay(tmp_path)
    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(lambda: len(window.feed.model.ids()) == len(cached_rows) + 1, timeout=10000)
    assert window.feed.model.ids()[0] != rage_id  # the newest replay comes first by default
    sort = window.feed.sort
    qtbot.mouseClick(sort, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(sort.view().isVisible, timeout=3000)
    for _ in range(sort.count()):  # down to the last choice
        qtbot.keyClick(sort.view(), Qt.Key.Key_Down)
    with qtbot.waitSignal(window.feed.model.loaded, timeout=5000):
        qtbot.keyClick(sort.view(), Qt.Key.Key_Return)
    assert sort.currentText() == "Most frustrated"
    qtbot.waitUntil(lambda: window.feed.model.row_at(0) is not None, timeout=5000)
    first = window.feed.model.row_at(0)
    assert first is not None and first.id == rage_id
    assert ("8 rage", "rage") in row_badges(first)
    said = window.feed.model.index(0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "8 rage clicks" in said
    QApplication.processEvents()
