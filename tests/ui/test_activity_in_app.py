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
