"""A cached replay's keyframes outlive its opening: the app keeps what the player page made, and the replay
opened again seeks from them at once instead of making them again."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from viewer.player.scheme import keyframe_format
from viewer.storage import ReplayCache, ReplayRow
from viewer.storage.keyframes import StoredKeyframe
from viewer.ui.main_window import MainWindow

pytestmark = pytest.mark.webengine


def _open_and_wait_for_keyframes(
    qtbot: QtBot, window: MainWindow, replay_id: str
) -> tuple[list[StoredKeyframe], int]:
    """Open a replay and wait until the page has all its keyframes: those it made, and how many it has."""
    made: list[StoredKeyframe] = []
    view = window.player.view
    view.keyframeMade.connect(made.append)
    done: list[int] = []
    view.keyframesBuilt.connect(lambda count, _until, finished, _ms: done.append(count) if finished else None)
    try:
        with qtbot.waitSignal(view.firstFrameShown, timeout=30000):
            window.session.open_replay(replay_id)
        qtbot.waitUntil(lambda: bool(done), timeout=120000)
    finally:
        view.keyframeMade.disconnect(made.append)
    return made, done[-1]


def test_a_replay_opened_again_takes_back_its_keyframes(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    replay_id = max(cached_rows, key=lambda row: row.event_count).id  # the long-mutations fixture
    made, count = _open_and_wait_for_keyframes(qtbot, window, replay_id)
    assert len(made) == count >= 5

    def kept() -> list[StoredKeyframe]:
        with ReplayCache.open() as cache:  # a second connection, as another process would read the file
            return cache.stored_keyframes(replay_id, keyframe_format())

    qtbot.waitUntil(lambda: len(kept()) == len(made), timeout=20000)
    assert kept() == made

    other = next(r.id for r in cached_rows if r.id != replay_id)
    _open_and_wait_for_keyframes(qtbot, window, other)  # its late answers must not count as the next's
    again, count = _open_and_wait_for_keyframes(qtbot, window, replay_id)
    assert again == [] and count == len(made), "every keyframe came from the cache, none was made again"
    controller = window.player.controller
    with qtbot.waitSignal(window.player.view.seekFinished, timeout=30000):
        controller.seek(controller.duration_ms * 0.9)
