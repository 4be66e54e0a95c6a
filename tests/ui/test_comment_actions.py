"""A comment's own actions in the window: its activity row's and its timeline marker's menus (Edit…,
Delete…, Copy link to comment), Delete on its selected row (asked first), and a link to a comment opening
its replay at its moment with the comment selected among the rows and its marker highlighted; a link
to a comment that is not there opens at the link's moment and says so in one line. Edits and deletes go
through the outbox. Dialogs are answered by the test (a modal dialog waits for a person); menus are the
real ones, an action triggered in the open menu."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog, QMenu, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from replay_core.links import comment_link
from replay_core.timeline import EntryKind
from tests.paths import RRWEB_FIXTURES
from tests.ui.conftest import MakeWindow
from viewer.storage import ReplayCache
from viewer.storage.importer import import_paths
from viewer.ui.main_window import MainWindow
from viewer.ui.replay_loading import OpenedReplay

SMALL = sorted((p for p in RRWEB_FIXTURES if p.stat().st_size < 400_000), key=lambda p: p.name)[:1]


def _close_popups() -> None:
    """Close every open menu (a failed check must not leave the test waiting in a menu's loop)."""
    popup = QApplication.activePopupWidget()
    while popup is not None:
        popup.close()
        popup = QApplication.activePopupWidget()


def _trigger_in_menu(text: str) -> None:
    """When the menu opens, trigger its action `text` (and close it)."""

    def pick() -> None:
        try:
            menu = QApplication.activePopupWidget()
            assert isinstance(menu, QMenu), menu
            action = next(a for a in menu.actions() if a.text() == text)
        finally:
            _close_popups()
        action.trigger()

    QTimer.singleShot(300, pick)


def _right_click(widget: QWidget, at: QPoint) -> None:
    """The context menu event a right click makes (QTest's mouse events skip the window that makes it)."""
    QApplication.sendEvent(
        widget, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, widget.mapToGlobal(at))
    )


def _comment_rows(window: MainWindow) -> list[str]:
    return [e.summary for e in window.activity.model.entries if e.kind == EntryKind.COMMENT]


def _row_of(window: MainWindow, start: str) -> QPoint:
    panel = window.activity
    row = next(i for i, e in enumerate(panel.visible_entries()) if e.summary.startswith(start))
    index = panel.filter.index(row, 0)
    panel.list.scrollTo(index)
    return panel.list.visualRect(index).center()


def test_comments_are_edited_deleted_and_linked_to_from_their_rows_and_markers(
    qtbot: QtBot, data_dir: Path, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ReplayCache.open() as cache:
        list(import_paths(cache, SMALL))
        replay_id = cache.all_replays()[0].id
        first = cache.add_comment(replay_id, 1_500, "Layout jumps", "Ana")
        second = cache.add_comment(replay_id, 3_000, "Second look", "Ben")
        for queued in cache.collab_outbox():
            cache.collab_uploaded(queued, None)  # as if shared already: the outbox is empty
    window = make_window()
    opened: list[OpenedReplay] = []
    window.session.opened.connect(opened.append)

    # A link to the first comment: the replay at its moment, the comment selected and its marker marked.
    QGuiApplication.clipboard().setText(comment_link(replay_id, first.id, first.at_ms))
    window.paste_link()
    qtbot.waitUntil(
        lambda: len(_comment_rows(window)) == 2 and window.activity.selected_entry() is not None,
        timeout=30000,
    )
    assert opened[0].replay_id == replay_id and opened[0].start_at_s == pytest.approx(1.5)
    selected = window.activity.selected_entry()
    assert selected is not None and selected.summary == "Comment — Ana: Layout jumps"
    timeline = window.player.controls.timeline
    assert timeline.highlighted is not None and timeline.highlighted.at_ms == 1_500

    # Its row's menu: Edit… changes the text (and its edited time), queued for the sync.
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("Layout jumps after login", True))
    _trigger_in_menu("Edit…")
    _right_click(window.activity.list.viewport(), _row_of(window, "Comment — Ana"))
    qtbot.waitUntil(
        lambda: "Comment — Ana: Layout jumps after login (edited)" in _comment_rows(window), timeout=10000
    )
    with ReplayCache.open() as cache:
        edited = cache.comment(first.id)
        assert edited is not None and edited.text == "Layout jumps after login"
        assert edited.edited_ms >= edited.created_ms and edited.stamps["text"] != first.stamps["text"]
        assert [q.record.id for q in cache.collab_outbox()] == [first.id]
    assert window.activity.selected_entry() is not None  # the linked comment stays selected

    # Delete on the second comment's selected row: asked first; No keeps it, Yes deletes it.
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    QTest.mouseClick(
        window.activity.list.viewport(), Qt.MouseButton.LeftButton, pos=_row_of(window, "Comment — Ben")
    )
    QTest.keyClick(window.activity.list, Qt.Key.Key_Delete)
    assert len(asked) == 1 and "Second look" in asked[0]
    qtbot.wait(200)
    assert "Comment — Ben: Second look" in _comment_rows(window)
    QTest.keyClick(window.activity.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "Comment — Ben: Second look" not in _comment_rows(window), timeout=10000)
    with ReplayCache.open() as cache:
        gone = cache.comment(second.id)
        assert gone is not None and gone.is_deleted
        assert sorted(q.record.id for q in cache.collab_outbox()) == sorted([first.id, second.id])
    assert [m.at_ms for m in window.player.controller.markers if m.kind.name == "COMMENT"] == [1_500]

    # The marker's menu: Copy link to comment.
    QGuiApplication.clipboard().clear()
    _trigger_in_menu("Copy link to comment")
    _right_click(timeline, QPoint(round(timeline.x_for(1_500)), timeline.height() // 2))
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() != "", timeout=10000)
    assert QGuiApplication.clipboard().text() == comment_link(replay_id, first.id, 1_500)

    # A link to a comment that is not there (deleted here): at the link's moment, said in one line.
    window.session.open_link(comment_link(replay_id, second.id, 2_000))
    qtbot.waitUntil(
        lambda: len(opened) == 2 and "not found" in window.statusBar().currentMessage(), timeout=30000
    )
    assert opened[1].start_at_s == pytest.approx(2.0)
    assert "\n" not in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: len(_comment_rows(window)) == 1)
    assert window.activity.selected_entry() is None and timeline.highlighted is None
