"""The app as a user drives it: feed search, sort, click, N/P; profile View replays; reports; links."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from replay_core.links import parse_link
from viewer.storage import ReplayCache, ReplayRow, ReplaySort
from viewer.ui.main_window import MainWindow

pytestmark = pytest.mark.webengine


def feed_ids(window: MainWindow) -> list[str]:
    return window.feed.model.ids()


def search(qtbot: QtBot, window: MainWindow, text: str) -> None:
    with qtbot.waitSignal(window.feed.model.loaded, timeout=5000):
        window.feed.search.setText(text)
        window.feed.apply_query()


def wait_for_feed(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.feed.model.loaded, timeout=5000):
        window.feed.refresh()


def open_by_click(qtbot: QtBot, window: MainWindow, position: int) -> None:
    index = window.feed.model.index(position)
    rect = window.feed.list.visualRect(index)
    with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=20000):
        qtbot.mouseClick(window.feed.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def page_time(qtbot: QtBot, window: MainWindow) -> float:
    with qtbot.waitSignal(window.player.view.textReady, timeout=10000) as blocker:
        window.player.view.request_text()
    return float(blocker.args[3])


def test_feed_search_sort_click_and_next_previous(qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]) -> None:
    wait_for_feed(qtbot, window)
    newest_first = [r.id for r in sorted(cached_rows, key=lambda r: (-r.start_ms, r.id))]
    assert feed_ids(window) == newest_first
    search(qtbot, window, "user-123")
    assert sorted(feed_ids(window)) == sorted(r.id for r in cached_rows if r.user_id == "user-123")
    search(qtbot, window, "nobody-like-this")
    assert feed_ids(window) == [] and window.feed.empty.text() == "No replays match 'nobody-like-this'."
    search(qtbot, window, "")
    window.feed.sort.setCurrentIndex(window.feed.sort.findData(ReplaySort.DURATION))
    with qtbot.waitSignal(window.feed.model.loaded, timeout=5000):
        window.feed.apply_query()
    durations = [window.feed.model.row_at(i).duration_ms for i in range(len(cached_rows))]  # type: ignore[union-attr]
    assert durations == sorted((r.duration_ms for r in cached_rows), reverse=True)
    open_by_click(qtbot, window, 2)
    assert window.player.replay_id == feed_ids(window)[2]
    with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=20000):
        qtbot.keyClick(window, Qt.Key.Key_N)
    assert window.player.replay_id == feed_ids(window)[3]
    with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=20000):
        qtbot.keyClick(window, Qt.Key.Key_P)
    assert window.player.replay_id == feed_ids(window)[2]


def test_search_by_date_finds_that_days_replays(qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]) -> None:
    from datetime import datetime

    day = datetime.fromtimestamp(cached_rows[0].start_ms / 1000).date()
    expected = sorted(r.id for r in cached_rows if datetime.fromtimestamp(r.start_ms / 1000).date() == day)
    search(qtbot, window, day.isoformat())
    assert sorted(feed_ids(window)) == expected


def test_profile_view_replays_plays_them_newest_first_one_after_another(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    mine = sorted((r for r in cached_rows if r.user_id == "user-123"), key=lambda r: -r.start_ms)
    assert len(mine) >= 3
    window.player.controller.set_speed(16.0)
    window.show_profile("user-123")
    qtbot.waitUntil(lambda: len(window.profile.rows) == len(mine), timeout=5000)
    assert window.profile.name.text() != "user-123"  # the profile's $name is shown
    shown: list[str] = []
    window.session.opened.connect(lambda opened: shown.append(opened.replay_id))
    qtbot.mouseClick(window.profile.view_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(shown) == len(mine) and window.player.controller.at_end, timeout=60000)
    assert shown == [r.id for r in mine]


def test_clicking_a_chart_point_lists_its_replays_and_opens_the_moment(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    reports = window.reports
    reports.range_box.setCurrentIndex(reports.range_box.findData(None))  # all time: the captures are old
    window.show_reports()
    qtbot.waitUntil(lambda: "Add To Cart" in reports.names, timeout=5000)
    reports.event_box.setCurrentIndex(reports.event_box.findData("Add To Cart"))
    reports.refresh_chart()
    qtbot.waitUntil(lambda: bool(reports.counts), timeout=5000)
    bucket = reports.counts[0]
    series = next(s for s in reports.event_chart.series() if s.name() == "Add To Cart")
    series.clicked.emit(QPointF(bucket.bucket_ms + 60_000, bucket.count))  # a click near the point
    qtbot.waitUntil(lambda: reports.view_button.isEnabled(), timeout=5000)
    cache = ReplayCache.open()
    size = 86_400_000 if reports.bucket_box.currentData() == "day" else 3_600_000
    moments = cache.event_moments("Add To Cart", bucket.bucket_ms, bucket.bucket_ms + size)
    cache.close()
    first_moments: dict[str, float] = {}
    for moment in moments:  # each replay once, at its first moment in the bucket
        first_moments.setdefault(moment.replay_id, float(moment.time_ms))
    expected = list(first_moments.items())
    assert reports.listed() == expected and expected
    assert reports.selection.text().endswith(f": {len(expected)} replay" + ("s" if len(expected) > 1 else ""))
    replay_id, at_ms = expected[0]
    row = next(r for r in cached_rows if r.id == replay_id)
    with qtbot.waitSignal(window.session.opened, timeout=20000) as opened:
        qtbot.mouseClick(reports.view_button, Qt.MouseButton.LeftButton)
    assert window.player.replay_id == replay_id
    expected_offset = min(max(0.0, at_ms - row.start_ms), row.duration_ms)
    assert opened.args[0].start_at_s * 1000 == pytest.approx(expected_offset)
    qtbot.waitUntil(lambda: window.player.controller.playing, timeout=20000)  # View replays plays them


def test_copy_link_then_open_it_returns_to_the_same_moment(qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]) -> None:
    row = max(cached_rows, key=lambda r: r.duration_ms)
    wait_for_feed(qtbot, window)
    with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=20000):
        window.session.open_replay(row.id)
    with qtbot.waitSignal(window.player.view.seekFinished, timeout=20000):
        window.player.controller.seek(12_300)
    qtbot.keyClick(window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    link = QGuiApplication.clipboard().text()
    assert parse_link(link).replay_id == row.id and parse_link(link).at_s == pytest.approx(12.3)
    window.session.open_replay(next(r.id for r in cached_rows if r.id != row.id))
    qtbot.waitUntil(lambda: window.player.replay_id not in (None, row.id), timeout=20000)
    with qtbot.waitSignal(window.player.view.seekFinished, timeout=20000):
        assert window.session.open_link(link)
    assert window.player.replay_id == row.id
    assert window.player.controller.position_ms == pytest.approx(12_300)
    assert abs(page_time(qtbot, window) - 12_300) <= 50


def test_copy_link_works_as_soon_as_a_cached_replay_is_shown(qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]) -> None:
    """The first page shows from the replay's first chunk while the whole replay is still read: Copy link
    at that moment copies this replay's link (it once copied nothing: the row came with the whole read)."""
    first, second = sorted(cached_rows, key=lambda r: r.id)[:2]
    copied: list[str] = []

    def copy_now() -> None:  # in the slot: before the whole read's answer can reach the GUI thread
        qtbot.keyClick(window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        copied.append(QGuiApplication.clipboard().text())

    window.session.previewed.connect(copy_now)
    for row in (first, second):
        QGuiApplication.clipboard().clear()
        with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=20000):
            window.session.open_replay(row.id)
        qtbot.waitUntil(lambda: window.player.replay_id == row.id, timeout=20000)  # noqa: B023 (waited for here)
    window.session.previewed.disconnect(copy_now)
    assert [parse_link(link).replay_id for link in copied] == [first.id, second.id]


def test_space_and_right_pressed_as_the_first_page_shows_are_done_once_the_replay_is_in(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    """Before, the keys went to the previous (here: no) replay's timeline and were lost when it came."""
    row = max(cached_rows, key=lambda r: r.duration_ms)
    window.player.controller.set_skip_inactivity(False)

    def keys() -> None:
        qtbot.keyClick(window, Qt.Key.Key_Space)
        qtbot.keyClick(window, Qt.Key.Key_Right)
        assert window.player.controls.play_button.text() == "Pause"

    window.session.previewed.connect(keys)
    with qtbot.waitSignal(window.session.opened, timeout=20000):
        window.session.open_replay(row.id)
    window.session.previewed.disconnect(keys)
    controller = window.player.controller
    assert controller.playing and controller.position_ms >= 5000
    qtbot.waitUntil(lambda: page_time(qtbot, window) > 5000, timeout=10000)


def test_typing_n_and_p_in_the_search_box_types_them(qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]) -> None:
    wait_for_feed(qtbot, window)
    open_by_click(qtbot, window, 0)
    window.feed.search.setFocus()
    qtbot.keyClicks(window.feed.search, "np")
    assert window.feed.search.text() == "np"
    assert window.player.replay_id == feed_ids(window)[0]


def test_window_geometry_and_splitter_are_remembered(qtbot: QtBot, make_window) -> None:  # type: ignore[no-untyped-def]
    from viewer.settings import load_settings

    first = make_window()
    first.feed.hide()  # the feed's and the player's minimum widths leave the splitter no room offscreen
    splitter = bytes(first.splitter.saveState().data())
    first.close()
    stored = load_settings()
    assert stored.window_geometry and stored.splitter_state
    again = make_window()
    # Offscreen, Qt keeps a restored window on its small virtual screen; what we stored is what comes back.
    assert bytes(again.splitter.saveState().data()) == splitter
