"""Comments and collections in the window: a collection in the sidebar plays in order from its start
moments (N / P within it), the open replay's comments are timeline markers and activity rows, and C adds one at the
playhead. The text dialog is answered by the test (a modal dialog waits for a person); the rest is real."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from replay_core.markers import MarkerKind
from replay_core.timeline import EntryKind
from tests.paths import RRWEB_FIXTURES
from tests.ui.conftest import MakeWindow
from viewer.storage import ReplayCache
from viewer.storage.importer import import_paths

SMALL = sorted((p for p in RRWEB_FIXTURES if p.stat().st_size < 400_000), key=lambda p: p.name)[:3]


def _comment_markers(window: object) -> list[str]:
    markers = window.player.controller.markers  # type: ignore[attr-defined]
    return [m.label for m in markers if m.kind == MarkerKind.COMMENT]


def test_a_collection_plays_in_order_and_comments_show_and_are_added(
    qtbot: QtBot, data_dir: Path, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ReplayCache.open() as cache:
        list(import_paths(cache, SMALL))
        first, skipped, last = [row.id for row in cache.all_replays()]  # the feed's order
        cache.add_comment(first, 1_000, "Layout jumps here", "Ana")
        cache.create_collection("Review", "Ana")
        cache.add_to_collection("Review", first, 500)
        cache.add_to_collection("Review", last)
    window = make_window()
    panel = window.collections
    qtbot.waitUntil(lambda: len(panel.shown) == 1, timeout=30000)
    top = panel.tree.topLevelItem(0)
    assert top is not None and top.text(0) == "Review  (2)" and top.childCount() == 2
    opened: list[str] = []
    window.session.opened.connect(lambda o: opened.append(o.replay_id))
    panel.tree.setCurrentItem(top)
    panel.play_button.click()
    qtbot.waitUntil(lambda: opened == [first], timeout=30000)
    assert window.player.controller.skip_inactivity  # a collection plays as a presentation
    window.session.replay_ended()  # the first reached its end: the collection goes on
    qtbot.waitUntil(lambda: opened == [first, last], timeout=30000)
    window.step(-1)  # P: the previous replay of the collection
    qtbot.waitUntil(lambda: opened == [first, last, first], timeout=30000)
    window.step(1)  # N: the next of the collection, not the feed's next
    qtbot.waitUntil(lambda: opened == [first, last, first, last], timeout=30000)
    assert skipped not in opened
    window.step(-1)
    qtbot.waitUntil(lambda: _comment_markers(window) == ["Ana: Layout jumps here"], timeout=30000)
    qtbot.waitUntil(
        lambda: (
            [e.summary for e in window.activity.model.entries if e.kind == EntryKind.COMMENT]
            == ["Comment — Ana: Layout jumps here"]
        ),
        timeout=30000,
    )
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *args, **kwargs: ("Second look", True))
    window.comments.ask_for_comment()
    qtbot.waitUntil(lambda: len(_comment_markers(window)) == 2, timeout=30000)
    # A feed row's "Add to collection…", the collection named in the dialog: at its end, from its start.
    monkeypatch.setattr(QInputDialog, "getItem", lambda *args, **kwargs: ("Review", True))
    window.feed.collection_offer.requested.emit(skipped, -1.0, "")
    qtbot.waitUntil(lambda: len(panel.shown) == 1 and len(panel.shown[0].record.entries()) == 3, timeout=30000)
    assert [(e.replay_id, e.start_ms) for e in panel.shown[0].record.entries()] == [
        (first, 500),
        (last, None),
        (skipped, None),
    ]
    with ReplayCache.open() as cache:
        assert sorted(c.text for c in cache.comments(first)) == ["Layout jumps here", "Second look"]


def test_the_collections_panel_shows_once_there_is_a_collection_or_as_chosen(
    qtbot: QtBot, data_dir: Path, make_window: MakeWindow
) -> None:
    """A new user's window keeps the room for the player: the empty panel stays hidden until a collection
    exists; hidden from View, it stays hidden."""
    window = make_window()
    window.resize(1400, 900)
    dock = window.collections_dock
    qtbot.waitUntil(lambda: window.collections.shown == [] and window.collections.tree.topLevelItemCount() == 1)
    assert not dock.isVisible()
    with ReplayCache.open() as cache:
        cache.create_collection("Review", "Ana")
    window.collections.refresh()
    qtbot.waitUntil(dock.isVisible, timeout=10000)
    assert window.collections_action.isChecked()
    window.collections_action.trigger()  # View → Collections panel, unticked by the user
    window.collections.refresh()
    qtbot.waitUntil(lambda: len(window.collections.shown) == 1)
    qtbot.wait(100)
    assert not dock.isVisible()
