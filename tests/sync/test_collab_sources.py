"""A collection with replays from two sources goes to both servers (each a real replay API on 127.0.0.1),
and each later change to it too: it leaves the outbox only when every one of them has it. A collection
of one source's replays goes to that source only; one of imported replays only to the first source that
syncs (which holds it from then on); one a server's feed brought goes back to that server when changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from replay_api.config import Settings
from tests.paths import RRWEB_FIXTURES
from tests.replay_api.helpers import feed_all, gz, post_record, rrweb_batch
from tests.replay_api.server import FakeClock, RunningServer, running_server
from tests.sync.helpers import transport
from viewer.storage import ReplayCache
from viewer.storage.importer import import_paths
from viewer.sync.client import ReplayApiClient
from viewer.sync.syncer import Syncer

SMALL = min(RRWEB_FIXTURES, key=lambda p: p.stat().st_size)


@pytest.fixture()
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningServer]]:
    folder = tmp_path_factory.mktemp("two-sources")  # two fresh servers for each run (a second sees none of it)
    settings = [
        Settings(db_url=f"sqlite:///{folder / f'{name}.sqlite3'}", clock=FakeClock()) for name in "ab"
    ]
    with running_server(settings[0]) as a, running_server(settings[1]) as b:
        yield {"a": a, "b": b}


def _record(server: RunningServer, replay_id: str) -> None:
    start = round(server.settings.clock() * 1000) - 60_000
    with httpx.Client(base_url=server.base_url, timeout=30) as page:
        response = post_record(page, replay_id, 0, gz(rrweb_batch(start, 40, True)), distinct_id="user-1")
        assert response.status_code == 200, response.text


def _sync(cache: ReplayCache, servers: dict[str, RunningServer], name: str) -> None:
    with transport(servers[name]) as http:
        report = Syncer(cache, ReplayApiClient(http), name).run()
    assert report.ok, report.errors


def _collections(server: RunningServer) -> dict[str, Any]:
    """The server's collections by name (deleted ones left out), as its change feed carries them."""
    headers = {"Authorization": f"Bearer {server.project.secret}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as api:
        changes, _ = feed_all(api)
    found = {}
    for change in changes:
        if change["kind"] == "collection" and change["op"] == "upsert":
            found[change["data"]["fields"]["name"]] = change["data"]
    return found


def _order(record: dict[str, Any]) -> list[str]:
    entries = [
        (v["order"], k.removeprefix("entry:"))
        for k, v in record["fields"].items()
        if k.startswith("entry:") and v
    ]
    return [replay_id for _, replay_id in sorted(entries)]


def test_a_collection_goes_to_the_sources_its_replays_come_from(
    tmp_path: Path, servers: dict[str, RunningServer]
) -> None:
    _record(servers["a"], "m-a1")
    _record(servers["b"], "m-b1")
    with (
        ReplayCache.open(tmp_path / "app" / "cache.sqlite3") as cache,
        ReplayCache.open(tmp_path / "teammate" / "cache.sqlite3") as teammate,
    ):
        list(import_paths(cache, [SMALL]))
        imported = next(r.id for r in cache.all_replays() if r.source != "a" and r.source != "b")
        for name in ("a", "b"):
            _sync(cache, servers, name)
        cache.create_collection("Mixed", "ana")
        cache.add_to_collection("Mixed", "m-a1")
        cache.add_to_collection("Mixed", "m-b1")
        cache.create_collection("Only A", "ana")
        cache.add_to_collection("Only A", "m-a1")
        cache.create_collection("Imported", "ana")
        cache.add_to_collection("Imported", imported)

        _sync(cache, servers, "a")  # Mixed waits for b still
        assert {q.record.name for q in cache.collab_outbox()} == {"Mixed"}
        _sync(cache, servers, "b")
        assert cache.collab_outbox_size() == 0
        on_a, on_b = _collections(servers["a"]), _collections(servers["b"])
        assert set(on_a) == {"Mixed", "Only A", "Imported"}  # Imported: the first source that synced
        assert set(on_b) == {"Mixed"}
        assert _order(on_b["Mixed"]) == ["m-a1", "m-b1"]

        # A reorder goes to both; b's teammate sees it (one entry of a replay b does not have).
        cache.reorder_collection("Mixed", ["m-b1", "m-a1"])
        _sync(cache, servers, "b")
        assert cache.collab_outbox_size() == 1  # a has not got it yet
        _sync(cache, servers, "a")
        assert cache.collab_outbox_size() == 0
        assert (
            _order(_collections(servers["a"])["Mixed"])
            == _order(_collections(servers["b"])["Mixed"])
            == [
                "m-b1",
                "m-a1",
            ]
        )
        _sync(teammate, servers, "b")
        assert [e.replay_id for e in teammate.collection("Mixed").entries()] == ["m-b1", "m-a1"]

        # The teammate's own collection (b only) reaches the app through b; changed there, it goes back
        # to b, and to a too once it holds a's replay.
        teammate.create_collection("From B", "ben")
        teammate.add_to_collection("From B", "m-b1")
        _sync(teammate, servers, "b")
        _sync(cache, servers, "b")
        cache.add_to_collection("From B", "m-a1")
        _sync(cache, servers, "b")
        _sync(cache, servers, "a")
        assert cache.collab_outbox_size() == 0
        assert _order(_collections(servers["b"])["From B"]) == ["m-b1", "m-a1"]
        assert _order(_collections(servers["a"])["From B"]) == ["m-b1", "m-a1"]
        assert "Only A" not in _collections(servers["b"])
