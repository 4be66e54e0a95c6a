"""The activity timeline in the app: replays cached before the activity rules get their figures while the
app is idle, and the open replay's timeline reaches the window."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.ui.conftest import MakeWindow
from viewer.storage import ReplayRow

FIGURES = "rage_count, dead_count, failed_request_count, frustration, activity_version"


def _figures(path: Path) -> dict[str, tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return {row[0]: tuple(row[1:]) for row in conn.execute(f"SELECT id, {FIGURES} FROM replays")}


def test_replays_cached_before_the_rules_are_backfilled_while_idle(
    qtbot: QtBot, data_dir: Path, cached_rows: list[ReplayRow], make_window: MakeWindow
) -> None:
    path = data_dir / "cache.sqlite3"
    computed = _figures(path)
    assert any(figures[0] or figures[1] or figures[2] for figures in computed.values())
    with sqlite3.connect(path) as conn:  # what a cache from before migration 0004 holds after it
        conn.execute(
            "UPDATE replays SET rage_count = 0, dead_count = 0, failed_request_count = 0, frustration = 0,"
            " activity_version = NULL"
        )
    window = make_window()
    with qtbot.waitSignal(window.session.replaysChanged, timeout=60000):
        pass
    qtbot.waitUntil(lambda: _figures(path) == computed, timeout=60000)


def test_the_open_replay_s_timeline_reaches_the_window(
    qtbot: QtBot, cached_rows: list[ReplayRow], make_window: MakeWindow
) -> None:
    row = next(r for r in cached_rows if r.error_count)
    window = make_window()
    timelines: list[list[object]] = []
    window.session.activity.connect(timelines.append)
    window.session.open_replay(row.id)
    qtbot.waitUntil(lambda: bool(timelines and timelines[-1]), timeout=30000)
    kinds = {str(entry.kind) for entry in timelines[-1]}  # type: ignore[attr-defined]
    assert {"page", "console"} <= kinds or {"page", "error"} <= kinds, kinds


def _console_capture_row(rows: list[ReplayRow]) -> ReplayRow:
    return next(r for r in rows if "preact" in r.start_url and r.error_count)


def test_the_panel_lists_the_console_and_a_double_click_seeks_there(
    qtbot: QtBot, cached_rows: list[ReplayRow], make_window: MakeWindow
) -> None:
    from PySide6.QtCore import QPoint, Qt

    from replay_core.timeline import EntryKind
    from viewer.ui.activity_panel import SEEK_LEAD_IN_MS

    row = _console_capture_row(cached_rows)
    window = make_window()
    panel = window.activity
    assert window.activity_dock.isVisible()
    with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=30000):
        window.pick_replay(row.id)
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=20000)
    consoles = [e for e in panel.model.entries if e.kind == EntryKind.CONSOLE]
    assert [e.level for e in consoles] == ["info", "warn", "error"]
    # The Console chip, then a double-click on the error's row: the player goes a lead-in before it.
    console_chip = next(b for b in panel.chips.buttons() if b.text() == "Console")
    qtbot.mouseClick(console_chip, Qt.MouseButton.LeftButton)
    assert [e.kind for e in panel.visible_entries()] == [EntryKind.CONSOLE] * 3
    error = panel.visible_entries()[2]
    index = panel.filter.index(2, 0)
    rect = panel.list.visualRect(index)
    where = QPoint(20, rect.center().y())  # rows are as wide as their text; the panel shows their start
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=where)  # a double-click's first click
    qtbot.mouseDClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=where)
    expected = max(0.0, error.at_ms - SEEK_LEAD_IN_MS)
    controller = window.player.controller
    qtbot.waitUntil(lambda: abs(controller.position_ms - expected) < 1, timeout=5000)
    # With every kind shown again, the row at the play head (the last one before it) is highlighted.
    all_chip = next(b for b in panel.chips.buttons() if b.text() == "All")
    qtbot.mouseClick(all_chip, Qt.MouseButton.LeftButton)
    controller.seek(expected)  # the play head reports where it is again
    qtbot.waitUntil(lambda: panel.model.playhead_row is not None, timeout=5000)
    at_head = panel.model.entries[panel.model.playhead_row]
    later = [e for e in panel.model.entries if at_head.at_ms < e.at_ms <= expected]
    assert at_head.at_ms <= expected and not later


def test_the_panel_hidden_with_its_shortcut_stays_hidden_next_time(
    qtbot: QtBot, cached_rows: list[ReplayRow], make_window: MakeWindow
) -> None:
    from PySide6.QtCore import Qt

    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5000)
    assert window.activity_dock.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not window.activity_dock.isVisible()
    window.close()
    again = make_window()
    again.resize(1400, 900)  # restored geometry is clamped to the small offscreen screen
    again.activateWindow()
    qtbot.waitUntil(lambda: again.isActiveWindow(), timeout=5000)
    assert not again.activity_dock.isVisible() and not again.activity_action.isChecked()
    qtbot.keyClick(again, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert again.activity_dock.isVisible()
    # A narrow window gives the player the room; widened again, the panel comes back.
    again.resize(800, 500)
    qtbot.waitUntil(lambda: again.activity_dock.isHidden(), timeout=3000)
    assert again.activity_action.isChecked()
    again.resize(1400, 900)
    qtbot.waitUntil(lambda: again.activity_dock.isVisible(), timeout=3000)


def test_rage_clicks_become_timeline_markers_of_their_own_colour(
    qtbot: QtBot, tmp_path: Path, cached_rows: list[ReplayRow], make_window: MakeWindow
) -> None:
    import json

    from replay_core.markers import MarkerKind
    from tests.core.test_timeline import click, ev, page
    from viewer.storage import ReplayCache
    from viewer.storage.importer import import_path
    from viewer.ui.timeline import MARKER_COLORS

    events = page(*(click(1000 + i * 150, 12, 200 + i, 50) for i in range(5)), ev(9000, source=1))
    path = tmp_path / "rage.json"
    path.write_text(json.dumps(events))
    with ReplayCache.open() as cache:
        assert not import_path(cache, path).failed
        [rage_id] = [r.id for r in cache.all_replays() if r.rage_count]
    window = make_window()
    with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=30000):
        window.pick_replay(rage_id)
    timeline = window.player.controls.timeline
    qtbot.waitUntil(lambda: any(m.kind == MarkerKind.FRUSTRATION for m in timeline.markers), timeout=20000)
    [signal] = [m for m in timeline.markers if m.kind == MarkerKind.FRUSTRATION]
    assert signal.at_ms == 1000 and signal.label.startswith("Rage click")
    assert MARKER_COLORS[MarkerKind.FRUSTRATION] not in (MARKER_COLORS[k] for k in MarkerKind if k != MarkerKind.FRUSTRATION)
    # Shift+←/→ go through the controller's markers: it is one of them.
    controller = window.player.controller
    assert signal in controller.markers
