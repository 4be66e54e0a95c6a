"""Issue 20: what a new user trips over, driven with keys and clicks as a user would."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.paths import RRWEB_FIXTURES
from tests.ui.conftest import MakeWindow
from viewer.settings import load_settings
from viewer.storage import CacheUpdate, ReplayBatch, ReplayCache, ReplayRow
from viewer.ui.main_window import MainWindow
from viewer.ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.webengine
VUE = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)


def wait_for_feed(qtbot: QtBot, window: MainWindow, count: int) -> None:
    qtbot.waitUntil(lambda: len(window.feed.model.ids()) == count, timeout=10000)


def click_row(qtbot: QtBot, window: MainWindow, position: int) -> None:
    rect = window.feed.list.visualRect(window.feed.model.index(position))
    with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=20000):
        qtbot.mouseClick(window.feed.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def activate(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)


# 1. keyboard focus ------------------------------------------------------------------------------
def test_space_plays_at_start_and_after_picking_a_replay(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    activate(qtbot, window)
    wait_for_feed(qtbot, window, len(cached_rows))
    assert not window.feed.search.hasFocus()  # the search box does not swallow Space, F or arrows
    click_row(qtbot, window, 0)
    controller = window.player.controller
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Space)
    assert controller.playing and window.feed.search.text() == ""
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Space)
    assert not controller.playing
    # Clicking into the search box and then on a row: the player has the keyboard again.
    qtbot.mouseClick(window.feed.search, Qt.MouseButton.LeftButton)
    assert window.feed.search.hasFocus()
    click_row(qtbot, window, 1)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Right)
    assert controller.position_ms == 5000 and window.feed.search.text() == ""


def test_enter_in_the_search_box_opens_the_match_and_esc_goes_back_to_the_player(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    activate(qtbot, window)
    wait_for_feed(qtbot, window, len(cached_rows))
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.feed.search.hasFocus()
    qtbot.keyClicks(window.feed.search, "user-123")
    with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=20000):
        qtbot.keyClick(window.feed.search, Qt.Key.Key_Return)
    shown = window.player.replay_id
    assert shown is not None and shown == window.feed.model.ids()[0]
    assert next(r for r in cached_rows if r.id == shown).user_id == "user-123"
    assert not window.feed.search.hasFocus()
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Space)
    assert window.player.controller.playing
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Space)
    qtbot.mouseClick(window.feed.search, Qt.MouseButton.LeftButton)
    qtbot.keyClick(window.feed.search, Qt.Key.Key_Escape)
    assert not window.feed.search.hasFocus()
    before = window.player.controller.position_ms  # paused
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Right)
    assert window.player.controller.position_ms == pytest.approx(before + 5000)
    assert window.feed.search.text() == "user-123"


def test_clicking_the_player_gives_it_the_keyboard(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    activate(qtbot, window)
    wait_for_feed(qtbot, window, len(cached_rows))
    click_row(qtbot, window, 0)
    qtbot.mouseClick(window.feed.search, Qt.MouseButton.LeftButton)
    timeline = window.player.controls.timeline
    qtbot.mouseClick(window.player.header, Qt.MouseButton.LeftButton)
    assert not window.feed.search.hasFocus()
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Right)
    assert window.player.controller.position_ms == min(5000, window.player.controller.duration_ms)
    qtbot.mouseClick(window.feed.search, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=timeline.rect().center())
    assert not window.feed.search.hasFocus()


# 2. settings: default speed -----------------------------------------------------------------------
def in_dialog(qtbot: QtBot, act: Callable[[QDialog], None]) -> list[str]:
    """Run `act` on the modal dialog the next key or click opens (exec blocks until it is closed).

    The list says "done" once it ran, or what went wrong.
    """
    problems: list[str] = []

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog):
            QTimer.singleShot(20, run)
            return
        try:
            act(dialog)
            problems.append("done")
        except Exception as exc:  # reported by the test, not lost in the event loop
            problems.append(repr(exc))
            dialog.reject()

    QTimer.singleShot(0, run)
    return problems


def test_default_speed_from_settings_is_used_and_kept(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    activate(qtbot, window)
    wait_for_feed(qtbot, window, len(cached_rows))
    click_row(qtbot, window, 0)

    def choose_2x(dialog: QDialog) -> None:
        assert isinstance(dialog, SettingsDialog)
        speed = dialog.speed
        speed.setFocus()
        qtbot.keyClicks(speed, "2")
        buttons = dialog.findChild(QDialogButtonBox)
        assert buttons is not None
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    problems = in_dialog(qtbot, choose_2x)
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    assert problems == ["done"]
    assert load_settings().playback_speed == 2.0
    assert window.player.controls.speed_box.currentText() == "2×" and window.player.controller.speed == 2.0
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Space)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Space)
    assert load_settings().playback_speed == 2.0
    assert window.player.controller.speed == 2.0


# 4. local calendar days ---------------------------------------------------------------------------
def store_replays(starts: dict[str, float], user_id: str | None = None) -> None:
    """Replays (the Vue recording) that began at these epoch ms."""
    events = json.loads(VUE.read_bytes())
    first = events[0]["timestamp"]
    batches = [
        ReplayBatch(
            replay_id, "test", [{**e, "timestamp": e["timestamp"] - first + start} for e in events], user_id
        )
        for replay_id, start in starts.items()
    ]
    with ReplayCache.open() as cache:
        cache.apply(CacheUpdate(batches=batches))


def at_local(day: date, hour: int, minute: int) -> float:
    return datetime.combine(day, clock_time(hour, minute)).astimezone().timestamp() * 1000


def feed_labels(window: MainWindow) -> dict[str, str]:
    """What each row of the feed says about when its replay was, by replay id."""
    model = window.feed.model
    return {
        model.ids()[i]: str(model.index(i).data(Qt.ItemDataRole.AccessibleTextRole)).split(", ")[1]
        for i in range(model.rowCount())
    }


def test_yesterday_means_the_same_day_in_the_feed_and_in_the_search(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    today = datetime.now().date()
    yesterday, three_ago = today - timedelta(days=1), today - timedelta(days=3)
    store_replays(
        {
            "early-yesterday": at_local(yesterday, 0, 30),
            "late-yesterday": at_local(yesterday, 23, 30),
            "early-3-days": at_local(three_ago, 0, 30),
            "late-3-days": at_local(three_ago, 23, 30),
        }
    )
    window = make_window()
    activate(qtbot, window)
    wait_for_feed(qtbot, window, 4)
    labels = feed_labels(window)
    assert labels["early-3-days"] == labels["late-3-days"] == "3 days ago"
    labelled_yesterday = {replay for replay, label in labels.items() if label == "yesterday"}
    assert labelled_yesterday == {"early-yesterday", "late-yesterday"}
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(window.feed.model.loaded, timeout=5000):
        qtbot.keyClicks(window.feed.search, "yesterday")
    qtbot.waitUntil(lambda: window.feed.model.query.search == "yesterday", timeout=5000)
    wait_for_feed(qtbot, window, 2)
    assert set(window.feed.model.ids()) == labelled_yesterday


# 5. reports: View replays ---------------------------------------------------------------------------
def click_first_bucket(qtbot: QtBot, window: MainWindow, event: str) -> None:
    reports = window.reports
    reports.range_box.setCurrentIndex(reports.range_box.findData(None))  # all time: the captures are old
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: event in reports.names, timeout=5000)
    reports.event_box.setCurrentIndex(reports.event_box.findData(event))
    reports.refresh_chart()
    qtbot.waitUntil(lambda: bool(reports.counts), timeout=5000)
    bucket = reports.counts[0]
    series = next(s for s in reports.event_chart.series() if s.name() == event)
    series.clicked.emit(QPointF(bucket.bucket_ms + 60_000, bucket.count))  # a click near the point
    qtbot.waitUntil(lambda: reports.view_button.isEnabled(), timeout=5000)


def test_a_chart_bucket_counts_and_lists_each_replay_once_with_its_moments(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    click_first_bucket(qtbot, window, "$mp_click")
    with ReplayCache.open() as cache:
        moments = cache.event_moments("$mp_click", 0, 2**62)
    replays = sorted({m.replay_id for m in moments})
    assert len(moments) > len(replays)  # several clicks in one replay
    listed = window.reports.listed()
    assert sorted(replay_id for replay_id, _ in listed) == replays
    count = len(replays)
    assert window.reports.selection.text().endswith(f": {count} replay" + ("s" if count > 1 else ""))
    text = window.reports.results.item(0).text()
    mine = [m for m in moments if m.replay_id == listed[0][0]]
    assert all(datetime.fromtimestamp(m.time_ms / 1000).strftime("%H:%M:%S") in text for m in mine)


def test_reports_view_replays_plays_the_listed_replays_in_turn_like_a_profile(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    click_first_bucket(qtbot, window, "Add To Cart")
    listed = [replay_id for replay_id, _ in window.reports.listed()]
    assert len(listed) >= 2 and len(set(listed)) == len(listed)
    window.player.controller.set_speed(16.0)
    shown: list[str] = []
    playing_after_first_frame: list[bool] = []
    window.session.opened.connect(lambda opened: shown.append(opened.replay_id))
    window.player.view.firstFrameShown.connect(
        # it plays, or will as soon as the whole replay is read (its first page shows before)
        lambda: QTimer.singleShot(0, lambda: playing_after_first_frame.append(window.player.controller.play_wanted))
    )
    qtbot.mouseClick(window.reports.view_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(shown) >= 2 and len(playing_after_first_frame) >= 2, timeout=90000)
    assert shown[:2] == listed[:2]  # the second followed the first on its own
    assert playing_after_first_frame[:2] == [True, True]


# 6. the error page ----------------------------------------------------------------------------------
def type_into_dialog(qtbot: QtBot, text: str) -> list[str]:
    """The next modal dialog gets `text` typed into its text box, then Enter."""

    def act(dialog: QDialog) -> None:
        box = dialog.findChild(QLineEdit)
        assert box is not None
        box.selectAll()
        qtbot.keyClicks(box, text)
        qtbot.keyClick(box, Qt.Key.Key_Return)

    return in_dialog(qtbot, act)


def shows_all_of(label: QLabel) -> bool:
    """Every line of the label's text fits in it (none cut off at the side or the bottom)."""
    flags = int(label.alignment()) | (int(Qt.TextFlag.TextWordWrap) if label.wordWrap() else 0)
    room = label.contentsRect()
    needed = label.fontMetrics().boundingRect(room, flags, label.text())
    return label.isVisible() and needed.width() <= room.width() and needed.height() <= room.height()


def highlighted(window: MainWindow) -> str | None:
    rows = window.feed.list.selectionModel().selectedRows()
    return window.feed.model.ids()[rows[0].row()] if rows else None


def test_a_missing_replay_shows_its_whole_error_and_nothing_of_the_previous_one(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    activate(qtbot, window)
    wait_for_feed(qtbot, window, len(cached_rows))
    click_row(qtbot, window, 0)
    assert window.player.controls.timeline.markers and highlighted(window) == window.feed.model.ids()[0]
    missing = "does-not-exist-" + "0123456789abcdef" * 4
    problems = type_into_dialog(qtbot, f"replay-viewer://replay/{missing}?t=3")
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert problems == ["done"]
    panel = window.player.error_panel
    qtbot.waitUntil(lambda: window.player.pages.currentWidget() is panel, timeout=10000)
    for size in ((1600, 1000), (800, 500)):
        window.resize(*size)
        qtbot.waitUntil(lambda: shows_all_of(panel.title) and shows_all_of(panel.message), timeout=3000)
    assert panel.message.text().replace("\u200b", "") == f"Replay {missing} is not in the cache."
    assert window.player.controls.timeline.markers == []
    assert window.player.controls.time_label.text() == "0:00 / 0:00"
    assert highlighted(window) is None


# 7. the feed's highlight follows what plays --------------------------------------------------------
def choose_file(qtbot: QtBot, path: Path) -> list[str]:
    """The next file dialog gets `path` typed into its file name box, then Enter."""

    def act(dialog: QDialog) -> None:
        assert isinstance(dialog, QFileDialog)
        box = dialog.findChild(QLineEdit, "fileNameEdit")
        assert box is not None
        dialog.selectFile(str(path))  # typed, its completer's popup would take the Enter
        qtbot.keyClick(box, Qt.Key.Key_Return)

    return in_dialog(qtbot, act)


def test_the_feed_highlights_the_replay_that_plays(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    activate(qtbot, window)
    wait_for_feed(qtbot, window, len(cached_rows))
    position = next(i for i, r in enumerate(window.feed.model.ids()) if r == janes(cached_rows)[1].id)
    click_row(qtbot, window, position)
    playing = window.player.replay_id
    assert playing is not None and highlighted(window) == playing
    qtbot.mouseClick(window.feed.search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(window.feed.search, "Jan")
    qtbot.waitUntil(lambda: window.feed.model.query.search == "Jan", timeout=5000)
    wait_for_feed(qtbot, window, len(janes(cached_rows)))
    assert highlighted(window) == playing  # a search edit keeps it
    problems = choose_file(qtbot, VUE)
    with qtbot.waitSignal(window.feed.model.modelReset, timeout=20000):
        qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert problems == ["done"]
    qtbot.waitUntil(lambda: highlighted(window) == playing, timeout=5000)  # an import keeps it
    activate(qtbot, window)  # again, after the dialog (offscreen, Qt does not do it)
    problems = choose_file(qtbot, VUE)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert problems == ["done"]
    qtbot.waitUntil(lambda: window.player.shown is not None and window.player.replay_id is None, timeout=20000)
    assert highlighted(window) is None  # a file plays, not a row of the feed


def janes(rows: list[ReplayRow]) -> list[ReplayRow]:
    return [r for r in rows if r.user_name == "Jane Customer"]


# 8. small windows -----------------------------------------------------------------------------------
def whole_and_inside(widget: QWidget, container: QWidget) -> bool:
    """The widget shows at its full size, within the container (not clipped at its edge)."""
    top_left = widget.mapTo(container, QPoint(0, 0))
    inside = container.rect().contains(QRect(top_left, widget.size()))
    return widget.isVisible() and inside and widget.width() >= widget.minimumSizeHint().width()


def more_menu_entries(qtbot: QtBot, window: MainWindow, click: str | None = None) -> list[str]:
    """Open the controls' More menu with a click: what it offers; `click` one of them, else Esc."""
    seen: list[str] = []

    def look() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(20, look)
            return
        seen.extend(a.text() for a in menu.actions())
        chosen = next((a for a in menu.actions() if a.text() == click), None)
        if chosen is None:
            qtbot.keyClick(menu, Qt.Key.Key_Escape)
        else:
            qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(chosen).center())

    QTimer.singleShot(0, look)
    qtbot.mouseClick(window.player.controls.more_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    return seen


def test_small_windows_keep_every_control_whole_and_reachable(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    activate(qtbot, window)
    wait_for_feed(qtbot, window, len(cached_rows))
    click_row(qtbot, window, 0)
    controls = window.player.controls
    reach = {controls.speed_box: "Speed", controls.skip_box: "Skip inactivity", controls.fullscreen_button: "Fullscreen (F)"}
    for size in ((800, 500), (640, 400)):
        window.resize(*size)
        qtbot.waitUntil(lambda size=size: window.size().toTuple() == size, timeout=3000)
        qtbot.waitUntil(lambda: controls.timeline.width() >= 160, timeout=3000)  # a timeline, not a blob
        for widget in (controls.play_button, controls.timeline, controls.time_label):
            assert whole_and_inside(widget, controls)
        hidden = [reach[w] for w in reach if not w.isVisible()]
        assert all(whole_and_inside(w, controls) for w in reach if w.isVisible())
        assert hidden and controls.more_button.isVisible() and whole_and_inside(controls.more_button, controls)
        assert more_menu_entries(qtbot, window) == hidden
    skipping = window.player.controller.skip_inactivity
    more_menu_entries(qtbot, window, click="Skip inactivity")
    assert window.player.controller.skip_inactivity is not skipping
    activate(qtbot, window)  # again, after the menu (offscreen, Qt does not do it)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # Reports
    for size in ((800, 500), (640, 400)):
        window.resize(*size)
        qtbot.waitUntil(lambda size=size: window.size().toTuple() == size, timeout=3000)
        qtbot.waitUntil(lambda: whole_and_inside(window.reports.view_button, window.reports), timeout=3000)
        assert window.minimumSizeHint().width() <= 640 and window.minimumSizeHint().height() <= 400
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # the replay's user
    qtbot.waitUntil(lambda: bool(window.profile.rows), timeout=5000)
    for size in ((800, 500), (640, 400)):
        window.resize(*size)
        qtbot.waitUntil(lambda size=size: window.size().toTuple() == size, timeout=3000)
        qtbot.waitUntil(lambda: whole_and_inside(window.profile.view_button, window.profile), timeout=3000)
        assert shows_all_of(window.profile.subtitle)


# 9. links carry milliseconds -------------------------------------------------------------------------
def page_text(qtbot: QtBot, window: MainWindow) -> tuple[str, float]:
    with qtbot.waitSignal(window.player.view.textReady, timeout=10000) as blocker:
        window.player.view.request_text()
    return str(blocker.args[1]), float(blocker.args[3])


def seek_and_read(qtbot: QtBot, window: MainWindow, at_ms: float) -> str:
    with qtbot.waitSignal(window.player.view.seekFinished, timeout=10000):
        window.player.controller.seek(at_ms)
    return page_text(qtbot, window)[0]


def test_a_copied_link_opens_on_exactly_the_copied_frame(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    activate(qtbot, window)
    wait_for_feed(qtbot, window, len(cached_rows))
    row = max(cached_rows, key=lambda r: r.duration_ms)
    click_row(qtbot, window, window.feed.model.ids().index(row.id))
    with ReplayCache.open() as cache:
        events = cache.events(row.id)
    start = events[0]["timestamp"]
    # A moment 1 ms before the page changes, where a link in tenths of a second would round past the change.
    candidates = sorted({e["timestamp"] - start for e in events if e["type"] == 3 and e["data"]["source"] == 0})
    copied_at, copied_text = None, ""
    for change in (c for c in candidates if (c - 1) % 100 >= 50):
        before, after = seek_and_read(qtbot, window, change - 1), seek_and_read(qtbot, window, change)
        if before != after:
            copied_at, copied_text = change - 1, seek_and_read(qtbot, window, change - 1)
            break
    assert copied_at is not None, "no page change to test with"
    qtbot.keyClick(window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    link = QApplication.clipboard().text()
    assert link.endswith(f"?t={copied_at / 1000:.3f}".rstrip("0").rstrip("."))
    click_row(qtbot, window, next(i for i, r in enumerate(window.feed.model.ids()) if r != row.id))
    with qtbot.waitSignal(window.player.view.seekFinished, timeout=20000):
        qtbot.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)  # paste the link
    assert window.player.replay_id == row.id
    assert window.player.controller.position_ms == copied_at
    text, at = page_text(qtbot, window)
    assert at == copied_at and text == copied_text


# 10. Shift+← from a marker -------------------------------------------------------------------------
def test_shift_left_from_a_marker_goes_to_the_one_just_before_it(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    activate(qtbot, window)
    wait_for_feed(qtbot, window, len(cached_rows))
    controller = window.player.controller
    for position, _ in enumerate(window.feed.model.ids()):
        click_row(qtbot, window, position)
        times = sorted({m.at_ms for m in controller.markers if m.at_ms > 1})
        close = [(a, b) for a, b in zip(times, times[1:], strict=False) if b - a < 1000]
        if close:
            break
    assert close, "no replay with two markers less than a second apart"
    earlier, later = close[0]
    for _ in range(len(times)):  # Shift+→ from the start until the later of the two
        qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        if controller.position_ms >= later:
            break
    assert controller.position_ms == later and not controller.playing
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert controller.position_ms == earlier


# 11. anonymous users --------------------------------------------------------------------------------
def test_an_anonymous_visitor_is_called_the_same_in_the_feed_and_the_profile(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    store_replays({"anonymous-one": time.time() * 1000 - 3_600_000}, user_id="$device:5f1c2a9e-77b0")
    window = make_window()
    activate(qtbot, window)
    wait_for_feed(qtbot, window, 1)
    in_feed = str(window.feed.model.index(0).data(Qt.ItemDataRole.DisplayRole))
    assert in_feed == "Anonymous visitor"
    click_row(qtbot, window, 0)
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # the current replay's user
    qtbot.waitUntil(lambda: len(window.profile.rows) == 1, timeout=5000)
    assert window.pages.currentWidget() is window.profile
    assert window.profile.name.text() == in_feed
    assert window.profile.subtitle.text().endswith(" · 1 replay")


# 12. smaller things ---------------------------------------------------------------------------------
def test_the_feed_order_chosen_is_kept_for_the_next_start(
    qtbot: QtBot, make_window: MakeWindow, cached_rows: list[ReplayRow]
) -> None:
    window = make_window()
    activate(qtbot, window)
    wait_for_feed(qtbot, window, len(cached_rows))
    sort = window.feed.sort
    qtbot.mouseClick(sort, Qt.MouseButton.LeftButton)  # its list opens
    qtbot.waitUntil(sort.view().isVisible, timeout=3000)
    qtbot.keyClick(sort.view(), Qt.Key.Key_Down)  # Most recent -> Longest
    with qtbot.waitSignal(window.feed.model.loaded, timeout=5000):
        qtbot.keyClick(sort.view(), Qt.Key.Key_Return)
    assert window.feed.sort.currentText() == "Longest"
    window.close()
    again = make_window()
    wait_for_feed(qtbot, again, len(cached_rows))
    assert again.feed.sort.currentText() == "Longest"
    longest_first = [r.id for r in sorted(cached_rows, key=lambda r: -r.duration_ms)]
    assert again.feed.model.ids()[0] == longest_first[0]


def test_open_link_shows_the_copied_link_whole_and_opens_it(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    activate(qtbot, window)
    wait_for_feed(qtbot, window, len(cached_rows))
    row = cached_rows[0]
    link = f"https://replays.example.org/team/replays/{row.id}?t=3.25"
    QApplication.clipboard().setText(link)  # the user copied a link somewhere
    seen: list[tuple[str, bool]] = []

    def look(dialog: QDialog) -> None:
        box = dialog.findChild(QLineEdit)
        assert box is not None
        seen.append((box.text(), box.fontMetrics().horizontalAdvance(link) < box.contentsRect().width()))
        qtbot.keyClick(box, Qt.Key.Key_Return)

    done = in_dialog(qtbot, look)
    with qtbot.waitSignal(window.player.view.seekFinished, timeout=20000):
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert done == ["done"] and seen == [(link, True)]
    assert window.player.replay_id == row.id and window.player.controller.position_ms == 3250


def click_menu_item(qtbot: QtBot, window: MainWindow, menu_title: str, item: str) -> None:
    """Click a menu of the menu bar, then one of its items."""
    bar = window.menuBar()
    menu_action = next(a for a in bar.actions() if a.text().replace("&", "") == menu_title)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(menu_action).center())
    menu = menu_action.menu()
    assert isinstance(menu, QMenu)
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    chosen = next(a for a in menu.actions() if a.text().replace("&", "") == item)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(chosen).center())


def test_loading_the_demo_again_says_it_is_already_there(qtbot: QtBot, window: MainWindow) -> None:
    activate(qtbot, window)
    status = window.statusBar()
    click_menu_item(qtbot, window, "File", "Load demo replays")
    qtbot.waitUntil(lambda: status.currentMessage().startswith("Loaded "), timeout=20000)
    count = int(status.currentMessage().split()[1])  # Loaded 7 demo replays
    wait_for_feed(qtbot, window, count)
    activate(qtbot, window)
    click_menu_item(qtbot, window, "File", "Load demo replays")
    qtbot.waitUntil(lambda: status.currentMessage() == "The demo replays are already in the cache", timeout=20000)
    assert len(window.feed.model.ids()) == count
