"""The player window as a user drives it: keys, skip inactivity, fullscreen, errors, remembered speed."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from replay_core import read_recording
from replay_core.timeline import activity_timeline
from tests.paths import FIXTURES, RRWEB_FIXTURES
from tests.ui.conftest import MakeWindow
from viewer.settings import load_settings
from viewer.ui.main_window import MainWindow

pytestmark = pytest.mark.webengine
VUE = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)
REFERENCE = json.loads((FIXTURES / "reference-frames.json").read_text())["files"]


def open_and_wait(qtbot: QtBot, win: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(win.player.view.firstFrameShown, timeout=20000):
        win.session.open_file(path)
    assert win.player.pages.currentWidget() is win.player.stage


def page_state(qtbot: QtBot, win: MainWindow) -> tuple[str, float]:
    with qtbot.waitSignal(win.player.view.textReady, timeout=10000) as blocker:
        win.player.view.request_text()
    _, visible, _, at = blocker.args
    return visible, at


def key(
    qtbot: QtBot,
    win: MainWindow,
    which: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    qtbot.keyClick(win, which, modifier)


def test_keys_drive_playback(qtbot: QtBot, window: MainWindow) -> None:
    open_and_wait(qtbot, window, VUE)
    controller = window.player.controller
    key(qtbot, window, Qt.Key.Key_Right)
    assert controller.position_ms == 5000
    key(qtbot, window, Qt.Key.Key_Left)
    assert controller.position_ms == 0
    key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    first_marker_after_start = next(m.at_ms for m in controller.markers if m.at_ms > 1)
    assert controller.position_ms == first_marker_after_start
    key(qtbot, window, Qt.Key.Key_Up)
    assert controller.speed == 2.0 and window.player.controls.speed_box.currentText() == "2×"
    key(qtbot, window, Qt.Key.Key_Space)
    assert controller.playing and window.player.controls.play_button.text() == "Pause"
    key(qtbot, window, Qt.Key.Key_Space)
    assert not controller.playing


def test_skip_inactivity_crosses_the_idle_gap_in_under_a_second_and_seeking_works_in_it(
    qtbot: QtBot, window: MainWindow
) -> None:
    open_and_wait(qtbot, window, VUE)
    controller = window.player.controller
    gap = max(controller.inactive_spans, key=lambda s: s.duration_ms)
    assert gap.duration_ms > 30000
    # Paused, a seek into the gap shows that moment, exactly as rrweb's own Replayer shows it.
    reference = next(f for f in REFERENCE[VUE.name]["frames"] if gap.start_ms < f["at_ms"] < gap.end_ms)
    with qtbot.waitSignal(window.player.view.seekFinished, timeout=10000):
        window.player.controls.timeline.seekRequested.emit(reference["at_ms"])
    visible, at = page_state(qtbot, window)
    assert at == pytest.approx(reference["at_ms"], abs=1) and visible == reference["text"]
    # Playing at 1x from just before the gap: the gap is jumped, not played.
    controller.seek(gap.start_ms - 300)
    assert controller.speed == 1.0 and controller.skip_inactivity
    started = time.monotonic()
    controller.play()
    qtbot.waitUntil(lambda: controller.position_ms >= gap.end_ms, timeout=5000)
    crossed_in = time.monotonic() - started
    assert crossed_in < 1.0, f"crossing a {gap.duration_ms / 1000:.0f} s gap took {crossed_in:.2f} s"
    assert window.player.notice.isVisible() and window.player.notice.text().startswith("Skipped ")
    qtbot.wait(300)
    _, page_at = page_state(qtbot, window)
    assert page_at >= gap.end_ms
    key(qtbot, window, Qt.Key.Key_Space)  # the controls answered throughout
    assert not controller.playing


def test_fullscreen_hides_controls_after_idle_and_esc_leaves(qtbot: QtBot, window: MainWindow) -> None:
    open_and_wait(qtbot, window, VUE)
    key(qtbot, window, Qt.Key.Key_F)
    qtbot.waitUntil(window.isFullScreen, timeout=3000)
    assert window.player.controls.isVisible()
    qtbot.waitUntil(lambda: not window.player.controls.isVisible(), timeout=4000)
    window.player.view.bridge.pointerMove.emit()  # the mouse moved over the replay
    assert window.player.controls.isVisible()
    key(qtbot, window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=3000)
    assert window.player.controls.isVisible()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"not json at all", "not valid JSON"),
        (gzip.compress(VUE.read_bytes())[:4000], "truncated gzip"),
        (
            json.dumps(
                [{"type": 4, "timestamp": 1700000000000, "data": {"href": "x", "width": 1, "height": 1}}]
            ).encode(),
            "no FullSnapshot",
        ),
        (json.dumps([{"type": 2, "timestamp": 1700000000.5, "data": {"node": {}}}]).encode(), "seconds"),
    ],
    ids=["empty", "not-json", "truncated-gzip", "no-snapshot", "seconds"],
)
def test_bad_recordings_show_the_error_panel(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    window.session.open_file(bad)
    qtbot.waitUntil(lambda: window.player.pages.currentWidget() is window.player.error_panel, timeout=5000)
    assert message in window.player.error_panel.message.text()
    assert not window.player.controls.isEnabled()
    open_and_wait(qtbot, window, VUE)  # and the window still works


def test_speed_and_skip_are_remembered_between_runs(qtbot: QtBot, window: MainWindow, make_window: MakeWindow) -> None:
    open_and_wait(qtbot, window, VUE)
    window.player.controller.set_speed(4.0)
    window.player.controls.skip_box.setChecked(False)
    settings = load_settings()
    assert settings.playback_speed == 4.0 and settings.skip_inactivity is False
    again = make_window()
    assert again.player.controller.speed == 4.0 and again.player.controls.speed_box.currentText() == "4×"
    assert not again.player.controls.skip_box.isChecked()


def test_the_view_follows_recorded_viewport_resizes(qtbot: QtBot, window: MainWindow) -> None:
    jquery = next(p for p in RRWEB_FIXTURES if "jquery" in p.name)
    events = json.loads(jquery.read_bytes())
    resize = next(e for e in events if e["type"] == 3 and e["data"]["source"] == 4)
    open_and_wait(qtbot, window, jquery)
    at = resize["timestamp"] - events[0]["timestamp"] + 1
    assert window.player.view.recorded_viewport == (1280, 800)
    window.player.controller.seek(at)
    expected = (resize["data"]["width"], resize["data"]["height"])
    qtbot.waitUntil(lambda: window.player.view.recorded_viewport == expected, timeout=10000)
    window.player.controller.seek(0)
    qtbot.waitUntil(lambda: window.player.view.recorded_viewport == (1280, 800), timeout=10000)


def test_a_long_file_shows_its_first_page_before_it_is_read_whole_then_plays_to_the_end(
    qtbot: QtBot, window: MainWindow
) -> None:
    preact = next(p for p in RRWEB_FIXTURES if "preact" in p.name)
    order: list[str] = []
    panel = window.player
    window.session.previewed.connect(lambda *_: order.append("preview"))
    window.session.opened.connect(lambda *_: order.append("whole"))
    panel.view.firstFrameShown.connect(lambda: order.append("first frame"))
    window.session.open_file(preact)
    qtbot.waitUntil(lambda: "whole" in order and "first frame" in order, timeout=30000)
    assert order.index("preview") < order.index("whole")
    assert order.count("first frame") == 1  # the whole file did not make the page start over
    last = REFERENCE[preact.name]["frames"][-1]
    with qtbot.waitSignal(panel.view.seekFinished, timeout=30000):
        panel.controller.seek(last["at_ms"])
    visible, at = page_state(qtbot, window)
    assert at == pytest.approx(last["at_ms"], abs=1) and visible == last["text"]


def test_a_files_activity_fills_the_panel_once_it_is_read(qtbot: QtBot, window: MainWindow) -> None:
    """A file's activity timeline is made by the reader with the rest of the file (not on the cache
    thread while the player lets go of the events), and the panel shows all of it."""
    path = next(p for p in RRWEB_FIXTURES if "checkout-sampling" in p.name)  # clicks, inputs, page loads
    expected = activity_timeline(read_recording(path).events)
    assert len(expected) > 10
    window.session.open_file(path)
    qtbot.waitUntil(lambda: window.activity.model.entries == expected, timeout=30000)
