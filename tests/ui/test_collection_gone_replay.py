"""A collection's replay deleted from the cache (retention here; a user's deletion takes the same path)
stays in the collection, shown greyed as "Replay deleted": it cannot play (a double-click says why in one
line) and playing the collection in order passes it by."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.paths import RRWEB_FIXTURES
from tests.ui.conftest import MakeWindow
from viewer.storage import ReplayCache
from viewer.storage.importer import import_paths
from viewer.storage.removal import DAY_MS

SMALL = sorted((p for p in RRWEB_FIXTURES if p.stat().st_size < 400_000), key=lambda p: p.name)[:3]


def test_a_deleted_replay_shows_greyed_cannot_play_and_is_passed_by(
    qtbot: QtBot, data_dir: Path, make_window: MakeWindow
) -> None:
    with ReplayCache.open() as cache:
        list(import_paths(cache, SMALL))
        rows = sorted(cache.all_replays(), key=lambda r: r.start_ms)
        oldest, others = rows[0], [r.id for r in rows[1:]]
        assert rows[1].start_ms - oldest.start_ms > 120_000
        cache.create_collection("Review", "Ana")
        for replay_id in (others[0], oldest.id, others[1]):
            cache.add_to_collection("Review", replay_id)
        # Retention that takes the oldest replay only (its cut-off a minute after it started).
        days = (time.time() * 1000 - oldest.start_ms - 60_000) / DAY_MS
        assert cache.purge_expired(days).replays == 1
    window = make_window()
    panel = window.collections
    qtbot.waitUntil(lambda: len(panel.shown) == 1, timeout=30000)
    top = panel.tree.topLevelItem(0)
    assert top is not None and top.text(0) == "Review  (3)"
    deleted = top.child(1)
    assert deleted is not None and deleted.text(0) == f"2. Replay deleted — {oldest.id}"
    grey = panel.palette().color(QPalette.ColorRole.PlaceholderText)
    assert deleted.foreground(0).color() == grey
    assert top.child(0).foreground(0).color() != grey  # type: ignore[union-attr]
    assert "deleted from this cache" in deleted.toolTip(0)

    opened: list[str] = []
    window.session.opened.connect(lambda o: opened.append(o.replay_id))
    rect = panel.tree.visualItemRect(deleted)
    # A double-click: its first click, then the second (QTest's double click alone has no first press).
    QTest.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: "was deleted from this cache" in window.statusBar().currentMessage(), timeout=5000)
    qtbot.wait(300)
    assert opened == []

    panel.tree.setCurrentItem(top)
    panel.play_button.click()
    qtbot.waitUntil(lambda: opened == [others[0]], timeout=30000)
    window.session.replay_ended()
    qtbot.waitUntil(lambda: opened == others, timeout=30000)
    window.step(-1)  # P: back past the deleted one to the first
    qtbot.waitUntil(lambda: opened == [*others, others[0]], timeout=30000)
