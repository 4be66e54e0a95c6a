"""The app syncing from a real replay API on 127.0.0.1: the feed fills, an open replay grows, offline shows."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from replay_api.config import Settings as ServerSettings
from replay_core.timeline import activity_timeline
from tests.paths import MIXPANEL_CAPTURES
from tests.replay_api.captures import load_capture, send
from tests.replay_api.server import FakeClock, running_server
from tests.sync.conftest import memory_keyring  # noqa: F401 (the keychain stand-in, autouse there)
from viewer.sync.sources import add_source
from viewer.ui import session as session_module
from viewer.ui.main_window import MainWindow
from viewer.ui.session import ReplaySession

pytestmark = pytest.mark.webengine
IDLE_TIMEOUT = next(p for p in MIXPANEL_CAPTURES if "idle-timeout" in p.name)
GROWING = "679b6dee-d796-4af3-8c58-d02585cde4b1"  # three /record batches in the capture


def sync_and_wait(qtbot: QtBot, session: ReplaySession) -> list:
    with qtbot.waitSignal(session.synced, timeout=30000) as blocker:
        session.sync_now()
    return blocker.args[0]


def test_synced_replays_appear_grow_while_open_and_offline_is_shown(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, memory_keyring: object  # noqa: F811
) -> None:
    requests = load_capture(IDLE_TIMEOUT)
    last_batch = [r for r in requests if r.path.startswith("/record") and r.query.get("replay_id") == GROWING][-1]
    first_part = [r for r in requests if r is not last_batch]
    settings = ServerSettings(db_url=f"sqlite:///{tmp_path / 'api.sqlite3'}", clock=FakeClock())
    with running_server(settings) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as page:
            for request in first_part:
                assert send(page, request).status_code == 200
        add_source("team", server.base_url, server.project.secret)
        session = window.session
        with qtbot.waitSignal(session.synced, timeout=30000) as blocker:
            session.reload_sources(sync=True)  # as the settings dialog does after a source is added
        reports = blocker.args[0]
        assert all(r.ok for r in reports), reports
        qtbot.waitUntil(lambda: GROWING in window.feed.model.ids(), timeout=5000)
        assert window.sync_label.text().startswith("Synced ")
        with qtbot.waitSignal(window.player.view.firstFrameShown, timeout=20000):
            window.session.open_replay(GROWING)
        controller = window.player.controller
        before = controller.duration_ms
        controller.set_skip_inactivity(False)
        controller.play()
        qtbot.wait(500)
        with httpx.Client(base_url=server.base_url, timeout=30) as page:
            assert send(page, last_batch).status_code == 200
        with qtbot.waitSignal(window.player.view.eventsAppended, timeout=30000):
            sync_and_wait(qtbot, session)
        assert controller.duration_ms > before  # the timeline grew ...
        assert controller.playing and 400 <= controller.position_ms < before  # ... and playback went on
        with qtbot.waitCallback(timeout=10000) as whole:  # the activity panel: the whole replay's timeline
            session.cache.call(lambda cache: activity_timeline(cache.events(GROWING), cache.replay_analytics(GROWING)), whole)
        qtbot.waitUntil(lambda: window.activity.model.entries == whole.args[0], timeout=10000)
        assert whole.args[0][-1].at_ms > before - 1000  # it has entries of the batch the sync added
        assert session.share_link(None) == f"{server.base_url}/replays/{GROWING}"
    sync_and_wait(qtbot, session)  # the server is gone now
    assert window.sync_label.text().startswith("Offline — last synced")
    assert window.feed.model.ids(), "what was synced stays available offline"


def test_a_replay_grown_by_a_sync_while_it_opens_gets_the_growth(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, memory_keyring: object, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The sync commits after the opening read the replay's events and before the player has them: the
    player is then handed the grown replay too (it once kept the replay as read, until the next growth)."""
    requests = load_capture(IDLE_TIMEOUT)
    last_batch = [r for r in requests if r.path.startswith("/record") and r.query.get("replay_id") == GROWING][-1]
    read_done, synced = threading.Event(), threading.Event()
    real_look_up = session_module.look_up_replay

    def read_then_wait_for_the_sync(cache, replay_id):  # type: ignore[no-untyped-def]
        found = real_look_up(cache, replay_id)  # the opening's read (a growth reads only what it added)
        read_done.set()
        assert synced.wait(30), "the sync did not report"
        return found

    monkeypatch.setattr(session_module, "look_up_replay", read_then_wait_for_the_sync)
    settings = ServerSettings(db_url=f"sqlite:///{tmp_path / 'api.sqlite3'}", clock=FakeClock())
    with running_server(settings) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as page:
            for request in requests:
                if request is not last_batch:
                    assert send(page, request).status_code == 200
        add_source("team", server.base_url, server.project.secret)
        session = window.session
        assert all(r.ok for r in sync_and_wait(qtbot, session))
        with qtbot.waitSignal(session.previewed, timeout=20000):
            session.open_replay(GROWING)
        assert read_done.wait(30)
        with httpx.Client(base_url=server.base_url, timeout=30) as page:
            assert send(page, last_batch).status_code == 200
        reports = sync_and_wait(qtbot, session)
        assert any(r.replays_extended for r in reports), reports
        synced.set()
        with qtbot.waitCallback(timeout=10000) as row:
            session.cache.call(lambda cache: cache.get_replay(GROWING), row)
        grown_ms = row.args[0].duration_ms
        qtbot.waitUntil(lambda: window.player.controller.duration_ms == grown_ms, timeout=20000)
