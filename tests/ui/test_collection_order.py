"""A collection's order changed in the Collections panel by dragging a replay to its place and by
Ctrl+Up / Ctrl+Down: stored through the same change as the ▲ ▼ buttons (queued for the sync), the moved
replay stays selected. A replay dropped on another collection's
rows is refused."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTreeWidgetItem
from pytestqt.qtbot import QtBot

from tests.paths import RRWEB_FIXTURES
from tests.ui.conftest import MakeWindow
from viewer.storage import ReplayCache
from viewer.storage.importer import import_paths
from viewer.ui.collab_panel import CollectionsPanel, moved

SMALL = sorted((p for p in RRWEB_FIXTURES if p.stat().st_size < 400_000), key=lambda p: p.name)[:3]


def test_moved_puts_the_replay_where_the_target_was() -> None:
    assert moved(["a", "b", "c", "d"], 0, 2) == ["b", "c", "a", "d"]
    assert moved(["a", "b", "c", "d"], 3, 0) == ["d", "a", "b", "c"]
    assert moved(["a", "b", "c"], 1, 1) == ["a", "b", "c"]


def _order(panel: CollectionsPanel) -> list[str]:
    return [e.replay_id for e in panel.shown[0].record.entries()] if panel.shown else []


def _other(panel: CollectionsPanel) -> QTreeWidgetItem:
    other = panel.tree.topLevelItem(1)
    assert other is not None and other.text(0) == "Staging  (1)"
    child = other.child(0)
    assert child is not None
    return child


def _stored_order() -> list[str]:
    with ReplayCache.open() as cache:
        return [e.replay_id for e in cache.collection("Review").entries()]


def _entry(panel: CollectionsPanel, number: int) -> QTreeWidgetItem:
    top = panel.tree.topLevelItem(0)
    assert top is not None
    child = top.child(number)
    assert child is not None
    return child


def _drag(panel: CollectionsPanel, source: QTreeWidgetItem, target: QTreeWidgetItem) -> bool:
    """Drag `source` onto the lower half of `target` and drop it there: the drag's data is what the tree
    gives Qt for the item, the enter, move and drop events those Qt's drag loop sends the view. (The
    offscreen platform the tests run on has no drag loop: its QDrag ends at once, so the events the
    loop would send are sent here.) Whether the view accepted the drop."""
    tree = panel.tree
    viewport = tree.viewport()
    data = tree.mimeData([source])
    rect = tree.visualItemRect(target)
    end = QPointF(rect.center().x(), rect.bottom() - 2)
    move, left = Qt.DropAction.MoveAction, Qt.MouseButton.LeftButton
    none = Qt.KeyboardModifier.NoModifier
    tree.setCurrentItem(source)
    QApplication.sendEvent(viewport, QDragEnterEvent(end, move, data, left, none))
    over = QDragMoveEvent(end, move, data, left, none)
    QApplication.sendEvent(viewport, over)
    if not over.isAccepted():  # refused: the loop ends the drag with a leave when the mouse is released
        QApplication.sendEvent(viewport, QDragLeaveEvent())
        return False
    drop = QDropEvent(end, move, data, left, none)
    QApplication.sendEvent(viewport, drop)
    return drop.isAccepted() and drop.dropAction() == Qt.DropAction.IgnoreAction


def test_dragging_and_ctrl_arrows_reorder_a_collection(
    qtbot: QtBot, data_dir: Path, make_window: MakeWindow
) -> None:
    with ReplayCache.open() as cache:
        list(import_paths(cache, SMALL))
        a, b, c = [row.id for row in cache.all_replays()]
        cache.create_collection("Review", "Ana")
        for replay_id in (a, b, c):
            cache.add_to_collection("Review", replay_id)
        cache.create_collection("Staging", "Ana")  # listed after Review
        cache.add_to_collection("Staging", a)
        queued_before = cache.collab_outbox_size()
    window = make_window()
    panel = window.collections
    qtbot.waitUntil(lambda: _order(panel) == [a, b, c], timeout=30000)

    # The first replay dragged onto the lower half of the last: it goes last.
    assert _drag(panel, _entry(panel, 0), _entry(panel, 2))
    qtbot.waitUntil(lambda: _order(panel) == [b, c, a], timeout=10000)
    assert _stored_order() == [b, c, a]
    top = panel.tree.topLevelItem(0)
    assert top is not None and top.childCount() == 3  # the tree did not move or drop an item itself
    assert panel.tree.currentItem() is _entry(panel, 2)  # the moved replay is still the selected one

    # Onto another collection's replay: refused, nothing changes.
    assert not _drag(panel, _entry(panel, 0), _other(panel))
    qtbot.wait(200)
    assert _stored_order() == [b, c, a]

    # The keyboard: the moved replay clicked, Ctrl+Up twice takes it back to the top, Ctrl+Down one down.
    QTest.mouseClick(
        panel.tree.viewport(),
        Qt.MouseButton.LeftButton,
        pos=panel.tree.visualItemRect(_entry(panel, 2)).center(),
    )
    assert panel.tree.hasFocus() and panel.tree.currentItem() is _entry(panel, 2)
    for expected in ([b, a, c], [a, b, c]):
        QTest.keyClick(panel.tree, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda e=expected: _order(panel) == e, timeout=10000)  # type: ignore[misc]
    QTest.keyClick(panel.tree, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _order(panel) == [b, a, c], timeout=10000)
    assert _stored_order() == [b, a, c]
    assert panel.tree.currentItem() is _entry(panel, 1)
    with ReplayCache.open() as cache:  # queued for the next sync, as the buttons' changes are
        assert cache.collection("Review").id in [q.record.id for q in cache.collab_outbox()]
    assert queued_before == 2
