"""The activity panel driven by keys and clicks: chips, text and level filters, details, seeks, the play head."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from replay_core.timeline import ActivityEntry, EntryKind, activity_timeline
from tests.core.test_timeline import CONSOLE_NETWORK, read_capture
from viewer.ui.activity_panel import CHIPS, SEEK_LEAD_IN_MS, ActivityPanel


@pytest.fixture(scope="module")
def entries() -> list[ActivityEntry]:
    recording, analytics = read_capture(CONSOLE_NETWORK)
    return activity_timeline(recording.events, analytics)


@pytest.fixture
def panel(qtbot: QtBot, entries: list[ActivityEntry]) -> ActivityPanel:
    panel = ActivityPanel(entries)
    qtbot.addWidget(panel)
    panel.resize(500, 400)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def chip(panel: ActivityPanel, title: str) -> Any:
    return panel.chips.button(next(i for i, (t, _) in enumerate(CHIPS) if t == title))


def rows(panel: ActivityPanel) -> list[str]:
    return [panel.list.model().index(r, 0).data() for r in range(panel.list.model().rowCount())]


def test_chips_show_one_kind_each(panel: ActivityPanel, qtbot: QtBot, entries: list[ActivityEntry]) -> None:
    assert len(rows(panel)) == len(entries)
    qtbot.mouseClick(chip(panel, "Console"), Qt.MouseButton.LeftButton)
    shown = panel.visible_entries()
    assert [e.level for e in shown] == ["info", "warn", "error"]
    assert rows(panel)[2].startswith("0:09.") and "Payment widget failed to load" in rows(panel)[2]
    qtbot.mouseClick(chip(panel, "Network"), Qt.MouseButton.LeftButton)
    assert {e.kind for e in panel.visible_entries()} == {EntryKind.NETWORK}
    assert sum("/todomvc/learn.json" in r for r in rows(panel)) == 1
    qtbot.mouseClick(chip(panel, "Errors"), Qt.MouseButton.LeftButton)
    assert [e.level for e in panel.visible_entries()] == ["error"]
    qtbot.mouseClick(chip(panel, "Frustration"), Qt.MouseButton.LeftButton)
    assert panel.visible_entries() and all(e.summary.startswith("Dead click") for e in panel.visible_entries())
    qtbot.mouseClick(chip(panel, "All"), Qt.MouseButton.LeftButton)
    assert len(rows(panel)) == len(entries)


def test_typing_filters_and_levels_hide_console_messages(panel: ActivityPanel, qtbot: QtBot) -> None:
    qtbot.keyClicks(panel.search, "LEARN.json")
    assert len(rows(panel)) == 1 and "GET 200" in rows(panel)[0]
    panel.search.clear()
    qtbot.mouseClick(chip(panel, "Console"), Qt.MouseButton.LeftButton)
    errors, warnings = panel.levels[0], panel.levels[1]
    qtbot.mouseClick(errors, Qt.MouseButton.LeftButton)
    assert [e.level for e in panel.visible_entries()] == ["info", "warn"]
    qtbot.mouseClick(warnings, Qt.MouseButton.LeftButton)
    assert [e.level for e in panel.visible_entries()] == ["info"]
    qtbot.mouseClick(errors, Qt.MouseButton.LeftButton)
    assert [e.level for e in panel.visible_entries()] == ["info", "error"]


def test_selecting_a_row_shows_its_details_as_plain_text(qtbot: QtBot) -> None:
    html = "<b>bold</b> <img src=x onerror=alert(1)>"
    entry = ActivityEntry(1500, EntryKind.CONSOLE, f"log: {html}", f"Level: log\nArguments:\n  1. {html}", "log")
    panel = ActivityPanel([entry])
    qtbot.addWidget(panel)
    panel.show()
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Down)
    assert isinstance(panel.details, QPlainTextEdit)
    assert html in panel.details.toPlainText() and "1. " + html in panel.details.toPlainText()
    assert html in rows(panel)[0]  # the row too shows the text the page logged, not markup


def test_double_click_and_enter_seek_with_the_lead_in(panel: ActivityPanel, qtbot: QtBot) -> None:
    qtbot.mouseClick(chip(panel, "Console"), Qt.MouseButton.LeftButton)
    warn = panel.list.model().index(1, 0)
    rect = panel.list.visualRect(warn)
    with qtbot.waitSignal(panel.seekRequested) as seek:
        # A real double-click: the first click's press and release, then the double-click.
        qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert seek.args == [panel.visible_entries()[1].at_ms - SEEK_LEAD_IN_MS]
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Down)
    with qtbot.waitSignal(panel.seekRequested) as seek:
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert seek.args == [panel.visible_entries()[2].at_ms - SEEK_LEAD_IN_MS]
    # An entry in the first seconds seeks to the start, never before it.
    qtbot.mouseClick(chip(panel, "All"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.seekRequested) as seek:
        panel.list.setCurrentIndex(panel.list.model().index(0, 0))
        qtbot.keyClick(panel.list, Qt.Key.Key_Enter)
    assert seek.args == [0.0]


def many_entries(count: int) -> list[ActivityEntry]:
    return [ActivityEntry(i * 1000, EntryKind.CLICK, f"Click on #button-{i}") for i in range(count)]


def highlighted(panel: ActivityPanel) -> str | None:
    row = panel.model.playhead_row
    return None if row is None else panel.model.entries[row].summary


def in_view(panel: ActivityPanel, summary: str) -> bool:
    row = next(r for r in range(panel.list.model().rowCount()) if panel.list.model().index(r, 0).data().endswith(summary))
    rect = panel.list.visualRect(panel.list.model().index(row, 0))
    return panel.list.viewport().rect().contains(rect.center())


def test_the_row_at_the_play_head_is_highlighted_and_followed(qtbot: QtBot) -> None:
    panel = ActivityPanel(many_entries(300))
    qtbot.addWidget(panel)
    panel.resize(400, 300)
    panel.show()
    qtbot.waitExposed(panel)
    panel.setPlayhead(150_500)
    assert highlighted(panel) == "Click on #button-150" and in_view(panel, "#button-150")
    panel.setPlayhead(250_000)
    assert highlighted(panel) == "Click on #button-250" and in_view(panel, "#button-250")
    panel.setPlayhead(-5)
    assert highlighted(panel) is None


def test_the_list_stops_following_when_the_user_scrolls_away(qtbot: QtBot) -> None:
    panel = ActivityPanel(many_entries(300))
    qtbot.addWidget(panel)
    panel.resize(400, 300)
    panel.show()
    qtbot.waitExposed(panel)
    panel.setPlayhead(100_000)
    bar = panel.list.verticalScrollBar()
    bar.setValue(bar.maximum())  # the user drags the scroll bar to the end
    panel.setPlayhead(110_000)
    assert highlighted(panel) == "Click on #button-110" and not in_view(panel, "#button-110")
    assert in_view(panel, "#button-299")  # left where the user put it
    # Scrolling back to the play head's row picks the following up again.
    panel.list.scrollTo(panel.list.model().index(110, 0))
    panel.setPlayhead(200_000)
    assert in_view(panel, "#button-200")


def test_typed_values_are_nowhere_in_the_panel(qtbot: QtBot) -> None:
    from tests.core.test_timeline import ev, page, timeline

    secrets = ["hunter2-Secret!", "Lisbon Street 5"]
    typed = [ev(1000, source=5, text=secrets[0], id=14), ev(5000, source=5, text=secrets[1], id=19)]
    panel = ActivityPanel(timeline(page(*typed)))
    qtbot.addWidget(panel)
    panel.show()
    panel.list.setFocus()
    seen = []
    for row in range(panel.list.model().rowCount()):
        panel.list.setCurrentIndex(panel.list.model().index(row, 0))
        seen += [rows(panel)[row], panel.details.toPlainText()]
    assert any("Typed in" in text for text in seen)
    assert not [s for s in secrets if any(s in text for text in seen)]
