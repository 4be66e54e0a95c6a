"""Issue 16, 4: the app from the keyboard alone, and a name for every control a screen reader reaches.

Tab walks the window in reading order: the feed (search, order, the replays), the player, its controls,
then the activity panel, and round again. A replay is picked and played without the mouse.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_new_user import activate, click_row, wait_for_feed
from viewer.storage import ReplayRow
from viewer.ui.about_dialog import AboutDialog
from viewer.ui.link_dialog import LinkDialog
from viewer.ui.main_window import MainWindow
from viewer.ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.webengine


def accessible_name(widget: QWidget) -> str:
    """What a screen reader announces: the name given, else what Qt derives (a button's text, a label's buddy)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    derived = interface.text(QAccessible.Text.Name) if interface is not None else ""
    return (widget.accessibleName() or derived or "").strip()


def unnamed_controls(root: QWidget) -> list[str]:
    """The controls under `root` that Tab reaches and that have no accessible name."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        # A widget with a focus proxy (a scroll area's viewport) hands the keyboard on: the proxy is named.
        reachable = widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisibleTo(root.window())
        reachable = reachable and widget.focusProxy() is None
        if reachable and widget.isEnabled() and not accessible_name(widget):
            found.append(f"{type(widget).__name__} in {type(widget.parentWidget()).__name__}")
    return found


def region(window: MainWindow, widget: QWidget) -> str:
    for name, area in (("controls", window.player.controls), ("player", window.player), ("feed", window.feed)):
        if widget is area or area.isAncestorOf(widget):
            return name
    docks = window.findChildren(QDockWidget)  # the panels beside the pages: activity, collections…
    if any(dock.isAncestorOf(widget) for dock in docks):
        return "panels"
    return type(widget).__name__


def test_every_control_of_every_page_and_dialog_has_a_name(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    wait_for_feed(qtbot, window, len(cached_rows))
    click_row(qtbot, window, 0)
    window.resize(700, 800)  # narrow: the speed, skip and fullscreen controls move into the More button
    qtbot.waitUntil(lambda: window.player.controls.more_button.isVisible())
    assert unnamed_controls(window) == []
    window.resize(1400, 900)
    qtbot.waitUntil(lambda: window.activity_dock.isVisible())
    assert unnamed_controls(window) == []
    window.show_reports()
    assert unnamed_controls(window.reports) == [], unnamed_controls(window.reports)
    window.show_profile(next(r.user_id for r in cached_rows if r.user_id))
    assert unnamed_controls(window.profile) == [], unnamed_controls(window.profile)
    window.show_heatmaps()
    assert unnamed_controls(window.heatmaps_page()) == [], unnamed_controls(window.heatmaps_page())
    for dialog in (SettingsDialog(window.settings, window), LinkDialog("", window), AboutDialog(window)):
        dialog.show()
        assert unnamed_controls(dialog) == [], type(dialog).__name__
        dialog.close()


def test_a_replay_plays_from_the_keyboard_alone_and_tab_walks_feed_player_controls_panels(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    activate(qtbot, window)
    wait_for_feed(qtbot, window, len(cached_rows))
    window.activity_dock.show()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # Edit > Find replays
    assert window.feed.search.hasFocus()

    # Pick the third replay with the keyboard: Tab from the search into the list, Down, Down, Enter.
    qtbot.keyClick(window.feed.search, Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert window.feed.list.hasFocus()
    speed = window.player.controller.speed
    for _ in range(3):  # the first Down lands on the first replay
        qtbot.keyClick(window.feed.list, Qt.Key.Key_Down)
    assert window.player.controller.speed == speed  # the arrows moved in the list, not the speed
    assert window.feed.list.currentIndex().row() == 2
    with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=20000):
        qtbot.keyClick(window.feed.list, Qt.Key.Key_Return)
    assert window.player.replay_id == window.feed.model.ids()[2]
    assert window.player.hasFocus()  # picking hands the keyboard to the player
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert window.player.controller.playing
    qtbot.waitUntil(lambda: window.player.controller.position_ms > 0, timeout=5000)

    # Tab on to the play button: Space there pauses, as everywhere in the player.
    qtbot.keyClick(window.player, Qt.Key.Key_Tab)
    assert window.player.controls.play_button.hasFocus()
    qtbot.keyClick(window.player.controls.play_button, Qt.Key.Key_Space)
    assert not window.player.controller.playing

    # The whole round, from the search box back to it.
    window.feed.focus_search()
    walked: list[QWidget] = []
    while True:
        focused = QApplication.focusWidget()
        assert focused is not None
        if walked and focused is walked[0]:
            break
        assert focused not in walked and len(walked) < 60, "Tab goes round without coming back to the search"
        walked.append(focused)
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    order = [region(window, w) for w in walked]
    runs = [name for i, name in enumerate(order) if i == 0 or order[i - 1] != name]
    assert runs == ["feed", "player", "controls", "panels"], order
    controls = window.player.controls
    for widget in (window.feed.sort, window.feed.list, controls.play_button, controls.timeline, controls.speed_box):
        assert widget in walked
    assert window.activity.list in walked and window.activity.search in walked
