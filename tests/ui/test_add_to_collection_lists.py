"""Add to collection from a chart's replays (Reports) and a hot spot's replays (Heatmaps), as from the
feed: a row's menu has Add to collection ▸ with each collection and New collection…, and Ctrl+D on the
current row asks which collection (the dialog is answered by the test: a modal dialog waits for a person).
Each adds the row's replay from the moment the row opens it at, through the one path the player's Ctrl+D
takes. The menus are the real ones; an action is triggered in the open menu."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog, QListWidget, QMenu
from pytestqt.qtbot import QtBot

from replay_core.collab import Entry
from tests.paths import RRWEB_FIXTURES
from tests.ui.conftest import MakeWindow
from viewer.storage import ReplayCache, ReplayRow
from viewer.storage.heatmaps import PageSummary
from viewer.ui.collection_offer import NEW_COLLECTION

pytestmark = pytest.mark.webengine  # the Heatmaps page holds a player page of its own
VANILLA = next(p for p in RRWEB_FIXTURES if "vanilla-es5" in p.name)
VANILLA_PATH = "/todomvc/examples/javascript-es5/dist/index.html"


def _entries(name: str) -> list[Entry]:
    with ReplayCache.open() as cache:
        return cache.collection(name).entries() if name in [r.name for r in cache.collections()] else []


def _close_popups() -> None:
    """Close every open menu (a failed check must not leave the test waiting in a menu's loop)."""
    popup = QApplication.activePopupWidget()
    while popup is not None:
        popup.close()
        popup = QApplication.activePopupWidget()


def _pick_in_menu(path: list[str], found: list[list[str]]) -> None:
    """When the menu opens: note what its Add to collection ▸ offers, then trigger `path` in it."""

    def pick() -> None:
        try:
            menu = QApplication.activePopupWidget()
            assert isinstance(menu, QMenu)
            sub = next(a.menu() for a in menu.actions() if a.text() == "Add to collection")
            assert isinstance(sub, QMenu)
            found.append([a.text() for a in sub.actions() if not a.isSeparator()])
            action = next(a for a in sub.actions() if a.text() == path[-1])
        finally:
            _close_popups()
        action.trigger()

    QTimer.singleShot(300, pick)


def _right_click(view: QListWidget, row: int) -> None:
    """A right click on the row: the press, and the context menu event the window makes of it (QTest
    sends mouse events to the widget itself, past the window that would make it)."""
    viewport = view.viewport()
    at = view.visualItemRect(view.item(row)).center()
    QTest.mousePress(viewport, Qt.MouseButton.RightButton, pos=at)
    QApplication.sendEvent(
        viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, viewport.mapToGlobal(at))
    )
    QTest.mouseRelease(viewport, Qt.MouseButton.RightButton, pos=at)


def test_a_chart_s_and_a_hot_spot_s_replays_go_to_collections(
    qtbot: QtBot, cached_rows: list[ReplayRow], make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ReplayCache.open() as cache:
        cache.create_collection("Review", "Ana")
    window = make_window()
    qtbot.waitUntil(lambda: window.collections.names() == ["Review"], timeout=30000)
    starts = {row.id: row.start_ms for row in cached_rows}

    # Reports: a bucket's replays listed; the first one's menu, Add to collection ▸ Review.
    reports = window.reports
    reports.range_box.setCurrentIndex(reports.range_box.findData(None))
    window.show_reports()
    qtbot.waitUntil(lambda: bool(reports.counts) and "Add To Cart" in reports.names, timeout=10000)
    bucket = next(c for c in reports.counts if c.name == "Add To Cart")
    reports.select_bucket("Add To Cart", bucket.bucket_ms)
    qtbot.waitUntil(lambda: reports.results.count() > 0, timeout=10000)
    replay_id, at_ms = reports.listed()[0]
    offered: list[list[str]] = []
    opened: list[str] = []
    window.session.opened.connect(lambda o: opened.append(o.replay_id))
    _pick_in_menu(["Review"], offered)
    _right_click(reports.results, 0)
    qtbot.waitUntil(lambda: len(_entries("Review")) == 1, timeout=10000)
    assert offered == [["Review", NEW_COLLECTION]]
    entry = _entries("Review")[0]
    assert entry.replay_id == replay_id
    expected = round(at_ms) - starts[replay_id]
    assert entry.start_ms == (expected if expected >= 1000 else None)  # from the moment the row opens at
    assert not opened  # the right click opened the menu, not the replay

    # Heatmaps: a hot element's replays; Ctrl+D on the current row asks, the answer names a new collection.
    heatmaps = window.heatmaps_page()
    heatmaps.range_box.setCurrentIndex(heatmaps.range_box.findData(None))
    page = next(p.page for p in _pages() if p.page.endswith(VANILLA_PATH))
    with ReplayCache.open() as cache:
        hottest = cache.heatmap(page).elements[0]
    heatmaps.page = page
    heatmaps.choose_element(hottest.selector)
    qtbot.waitUntil(lambda: heatmaps.replay_list.count() > 0, timeout=10000)
    click_replay, click_ms = heatmaps.listed_clicks()[0]
    asked: list[list[str]] = []

    def answer(*args: object, **kwargs: object) -> tuple[str, bool]:
        asked.append(list(args[3]))  # type: ignore[call-overload]
        return "Hot spots", True

    monkeypatch.setattr(QInputDialog, "getItem", answer)
    heatmaps.replay_list.setCurrentRow(0)
    heatmaps.replay_list.setFocus()
    QTest.keyClick(heatmaps.replay_list, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(_entries("Hot spots")) == 1, timeout=10000)
    assert asked == [["Review"]]
    assert _entries("Hot spots")[0].replay_id == click_replay
    into = round(click_ms) - starts[click_replay]
    assert _entries("Hot spots")[0].start_ms == (into if into >= 1000 else None)
    assert len(_entries("Review")) == 1  # the open replay (none) was not what Ctrl+D added

    # The menu's New collection… on the hot spot's row asks for a name and makes it.
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Clicks to check", True))
    qtbot.waitUntil(lambda: "Hot spots" in window.collections.names(), timeout=10000)
    _pick_in_menu([NEW_COLLECTION], offered)
    _right_click(heatmaps.replay_list, 0)
    qtbot.waitUntil(lambda: len(_entries("Clicks to check")) == 1, timeout=10000)
    assert offered[-1] == ["Hot spots", "Review", NEW_COLLECTION]


def _pages() -> list[PageSummary]:
    with ReplayCache.open() as cache:
        return cache.heatmap_pages()
