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
    duration = next(r.duration_ms for r in ReplayCache.open().all_replays() if r.id == replay_id)

    def built(count: int, until_ms: float, finished: bool, _ms: float) -> None:
        # The first page shown ahead of the rest gets its (no) keyframes first: wait for the whole replay's.
        if finished and until_ms >= duration - 1:
            done.append(count)

    view.keyframesBuilt.connect(built)
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


def test_a_cached_replay_shows_its_first_page_from_its_first_chunk(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    """Opened from the cache, a long replay's first page is shown from its first chunk before the whole
    replay is read and summarized; the page does not start over when the rest arrives."""
    row = max(cached_rows, key=lambda r: r.event_count)
    order: list[str] = []
    previews: list[int] = []
    session, view = window.session, window.player.view
    session.previewed.connect(lambda preview: (order.append("preview"), previews.append(len(preview.events))))
    session.opened.connect(lambda *_: order.append("whole"))
    view.firstFrameShown.connect(lambda: order.append("first frame"))
    session.open_replay(row.id)
    qtbot.waitUntil(lambda: "whole" in order and "first frame" in order, timeout=30000)
    assert order.index("preview") < order.index("whole")
    assert 0 < previews[0] < row.event_count
    assert order.count("first frame") == 1  # the whole replay did not make the page start over
    controller = window.player.controller
    with qtbot.waitSignal(view.seekFinished, timeout=30000):
        controller.seek(controller.duration_ms)  # the rest of the replay is there to seek to
    assert controller.duration_ms == pytest.approx(row.duration_ms, abs=1)
