"""The app does not keep the parsed events of the replay it shows once the page has them (issue 11: on a
2-hour recording they were 281 MB beside the page's own copy). What used them still works from what is
kept: the page heatmap at the playhead, exporting a file's clip, and showing the replay again when its
assets arrive."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from replay_core import read_recording
from replay_core.heatmap import page_of
from tests.paths import RRWEB_FIXTURES
from viewer.storage import ReplayRow
from viewer.ui.asset_fetch import PlayerAssets
from viewer.ui.main_window import MainWindow

pytestmark = pytest.mark.webengine
LARGEST = max(RRWEB_FIXTURES, key=lambda p: p.stat().st_size)


def event_lists(first: dict[str, Any], last: dict[str, Any]) -> list[list[Any]]:
    """Lists anywhere in this process that hold the replay's events, or the part of them after its first
    page (found by its first or last event)."""
    gc.collect()
    return [
        o for o in gc.get_objects()
        if isinstance(o, list) and len(o) > 1 and isinstance(o[0], dict) and (o[0] == first or o[-1] == last)
    ]  # fmt: skip


def watch_loading(window: MainWindow) -> list[tuple[int, int]]:
    progress: list[tuple[int, int]] = [(0, 1)]
    window.player.view.loadProgress.connect(lambda done, total: progress.append((done, total)))
    return progress


def loaded(qtbot: QtBot, progress: list[tuple[int, int]]) -> None:
    """Every chunk of the replay is in the page (with a file: the rest, after its first page)."""
    qtbot.waitUntil(lambda: progress[-1][0] >= progress[-1][1] > 0, timeout=30000)


def visible_text(qtbot: QtBot, window: MainWindow) -> str:
    with qtbot.waitSignal(window.player.view.textReady, timeout=10000) as blocker:
        window.player.view.request_text()
    return str(blocker.args[1])


def seek(qtbot: QtBot, window: MainWindow, at_ms: float) -> None:
    with qtbot.waitSignal(window.player.view.seekFinished, timeout=20000):
        window.player.controller.seek(at_ms)


def test_a_file_shown_is_not_kept_in_python_and_exports_from_what_the_page_was_given(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    recording = read_recording(LARGEST)
    first, last = recording.events[0], recording.events[-1]
    assert event_lists(first, last)  # the check finds them while they are held
    del recording
    progress = watch_loading(window)
    window.session.open_file(LARGEST)
    qtbot.waitUntil(lambda: window.player.shown is not None, timeout=20000)
    loaded(qtbot, progress)
    qtbot.waitUntil(lambda: event_lists(first, last) == [], timeout=10000)  # once the page has them all

    shown = window.player.shown
    assert shown is not None and shown.viewport == read_recording(LARGEST).viewport
    window.player.controller.seek(shown.duration_ms)
    window.show_page_heatmap()  # the page at the playhead, from the pages kept of the recording
    assert window.heatmaps_page().page == page_of(shown.pages[-1][1])

    out = tmp_path / "written.json"
    window.player.view.write_events(out)  # what the export dialog hands its process for a file
    assert read_recording(out).events == read_recording(LARGEST).events


def test_a_cached_replay_shown_again_for_its_assets_is_where_it_was(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    row = max(cached_rows, key=lambda r: r.event_count)
    progress = watch_loading(window)
    with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=20000):
        window.session.open_replay(row.id)
    qtbot.waitUntil(lambda: window.player.shown is not None, timeout=20000)
    loaded(qtbot, progress)
    middle = row.duration_ms / 2
    seek(qtbot, window, middle)
    before = visible_text(qtbot, window)
    with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=20000):
        window.player.show_assets(PlayerAssets(row.id, {}, {}, reload=True, after_fetch=True))
    qtbot.waitUntil(lambda: window.player.controller.position_ms == pytest.approx(middle, abs=1), timeout=5000)
    seek(qtbot, window, middle)
    assert visible_text(qtbot, window) == before
