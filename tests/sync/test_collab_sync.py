"""Two apps (two caches, each its own data) share comments and collections through one real replay API:
offline changes queue and go up on the next sync, concurrent edits resolve the same way in both, a
deleted user's comments leave both caches, and a comment the server refuses is named and kept local.
One server for the module; each test records replays of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from replay_api.config import Settings
from replay_core import collab
from tests.replay_api.helpers import feed_all, gz, post_record, rrweb_batch
from tests.replay_api.server import FakeClock, RunningServer, running_server
from tests.storage.helpers import synthetic_events
from tests.sync.helpers import sync
from viewer.storage import ReplayBatch, ReplayCache

OFFLINE = "http://127.0.0.1:9"  # nothing listens there: the app is offline


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("collab-sync")
    with running_server(Settings(db_url=f"sqlite:///{folder / 'api.sqlite3'}", clock=FakeClock())) as server:
        yield server


@pytest.fixture(scope="module")
def admin(shared: RunningServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {shared.project.secret}"}
    with httpx.Client(base_url=shared.base_url, headers=headers, timeout=30) as http:
        yield http


class App:
    """One app: its cache in a data folder of its own, its clock."""

    def __init__(self, folder: Path, server: RunningServer) -> None:
        self.clock = FakeClock()
        self.cache = ReplayCache.open(folder / "cache.sqlite3", clock=self.clock)
        self.server = server

    def sync(self, offline: bool = False) -> None:
        report = sync(self.cache, self.server, url=OFFLINE if offline else "")
        assert report.offline if offline else report.ok, report.errors

    def texts(self, replay_id: str) -> list[tuple[int, str]]:
        return [(c.at_ms, c.text) for c in self.cache.comments(replay_id)]


@pytest.fixture
def apps(tmp_path: Path, shared: RunningServer) -> Iterator[tuple[App, App]]:
    a, b = App(tmp_path / "a", shared), App(tmp_path / "b", shared)
    yield a, b
    a.cache.close()
    b.cache.close()


def _record(server: RunningServer, replay_id: str, distinct_id: str = "user-1") -> None:
    start = round(server.settings.clock() * 1000) - 60_000
    with httpx.Client(base_url=server.base_url, timeout=30) as page:
        response = post_record(page, replay_id, 0, gz(rrweb_batch(start, 40, True)), distinct_id=distinct_id)
        assert response.status_code == 200, response.text


def test_a_comment_made_offline_in_one_app_appears_in_the_other(
    apps: tuple[App, App], shared: RunningServer
) -> None:
    a, b = apps
    _record(shared, "s-offline")
    a.sync()
    made = a.cache.add_comment("s-offline", 2_500, "Promo code field rejects lowercase", "ana")
    a.sync(offline=True)
    assert a.cache.collab_outbox_size() == 1  # still queued
    a.sync()
    assert a.cache.collab_outbox_size() == 0
    b.sync()
    assert b.texts("s-offline") == [(2_500, "Promo code field rejects lowercase")]
    assert b.cache.comment(made.id) == a.cache.comment(made.id)


def test_a_collection_reordered_in_one_app_shows_the_new_order_in_the_other(
    apps: tuple[App, App], shared: RunningServer
) -> None:
    a, b = apps
    for replay_id in ("s-k1", "s-k2", "s-k3"):
        _record(shared, replay_id)
    a.sync()
    a.cache.create_collection("Review meeting", "ana")
    for replay_id in ("s-k1", "s-k2", "s-k3"):
        a.cache.add_to_collection("Review meeting", replay_id)
    a.sync()
    b.sync()
    assert [e.replay_id for e in b.cache.collection("Review meeting").entries()] == ["s-k1", "s-k2", "s-k3"]
    a.clock.now += 5
    a.cache.reorder_collection("Review meeting", ["s-k3", "s-k1", "s-k2"])
    a.sync()
    b.sync()
    assert [e.replay_id for e in b.cache.collection("Review meeting").entries()] == ["s-k3", "s-k1", "s-k2"]


def test_two_apps_editing_one_comment_offline_end_with_the_same_comment(
    apps: tuple[App, App], shared: RunningServer
) -> None:
    a, b = apps
    _record(shared, "s-edit")
    a.sync()
    made = a.cache.add_comment("s-edit", 1_000, "first words", "ana")
    a.sync()
    b.sync()
    # Offline, both edit it: A the text, then B the text and the moment a minute later by its clock.
    a.clock.now += 60
    a.cache.edit_comment(made.id, text="A's wording")
    b.clock.now += 120
    b.cache.edit_comment(made.id, text="B's wording", at_ms=3_000)
    a.clock.now += 120  # A edits the moment last of all
    a.cache.edit_comment(made.id, at_ms=2_000)
    # B comes online first, then A, then B again: the later edit of each field wins in both apps.
    b.sync()
    a.sync()
    b.sync()
    assert a.texts("s-edit") == b.texts("s-edit") == [(2_000, "B's wording")]
    # A delete wins over an edit made later elsewhere.
    a.cache.delete_comment(made.id)
    b.clock.now += 600
    b.cache.edit_comment(made.id, text="edited after the delete")
    b.sync()
    a.sync()
    b.sync()
    assert a.texts("s-edit") == b.texts("s-edit") == []


def test_a_deleted_users_comments_disappear_from_both_caches(
    apps: tuple[App, App], shared: RunningServer, admin: httpx.Client
) -> None:
    a, b = apps
    _record(shared, "s-leaver", distinct_id="leaver")
    _record(shared, "s-stayer", distinct_id="stayer")
    a.sync()
    a.cache.add_comment("s-leaver", 500, "about the leaver", "ana")
    a.cache.add_comment("s-stayer", 500, "about the stayer", "ana")
    a.sync()
    b.sync()
    assert len(b.cache.comments()) == len(a.cache.comments()) >= 2
    assert admin.delete("/api/v1/users/leaver").status_code == 200
    a.sync()
    b.sync()
    for app in (a, b):
        assert app.texts("s-leaver") == [] and app.texts("s-stayer") == [(500, "about the stayer")]
        assert app.cache.get_replay("s-leaver") is None


def test_a_comment_the_server_refuses_is_named_kept_local_and_stored_nowhere_else(
    apps: tuple[App, App], shared: RunningServer, admin: httpx.Client
) -> None:
    a, b = apps
    # A replay imported from a file into A alone: the server has never heard of it.
    a.cache.add_batch(ReplayBatch("file-only", "file", synthetic_events(1_795_906_413_570, moves=5)))
    a.cache.add_comment("file-only", 1_000, "only on my machine", "ana")
    _, cursor = feed_all(admin)
    report = sync(a.cache, shared)
    assert report.ok and report.collab.uploaded == 0
    assert len(report.collab.refused) == 1 and "no replay 'file-only'" in report.collab.refused[0]
    assert a.texts("file-only") == [(1_000, "only on my machine")] and a.cache.collab_outbox_size() == 0
    # A bad body sent straight to the server: refused with its reason, nothing stored.
    _record(shared, "s-bad")
    _, cursor = feed_all(admin)
    [comment] = a.cache.comments("file-only")
    body = {**collab.to_json(comment), "replay_id": "s-bad", "fields": {"text": 42, "at_ms": 1}}
    refused = admin.post("/api/v1/comments", json=body)
    assert (refused.status_code, refused.json()["error"]) == (400, "'text' must be a string")
    assert feed_all(admin, cursor)[0] == []
    b.sync()
    assert [c.text for c in b.cache.comments() if c.replay_id in ("file-only", "s-bad")] == []
