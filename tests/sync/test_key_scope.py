"""The app knows what its key may do: the real server is asked when a source is added and at each sync.

`replay-viewer source add` against the real replay API on 127.0.0.1 stores and prints the key's scope
(read or admin, and its name), refuses a key the server refuses without storing anything, and adds a
source whose server cannot be reached with a warning; a sync then learns the scope it did not know.
"""

from __future__ import annotations

import io

import pytest

from replay_api.keys import create_key, revoke_key
from tests.replay_api.server import RunningServer
from viewer.cli import main
from viewer.storage import ReplayCache
from viewer.sync import sources
from viewer.sync.service import SyncService
from viewer.sync.transport import RetryPolicy, Transport


def _add(monkeypatch: pytest.MonkeyPatch, name: str, url: str, key: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(key + "\n"))
    return main(["source", "add", name, url])


def test_adding_a_read_key_says_and_keeps_what_it_may_do(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = create_key(server.db, server.project.id, "alice", "read", server.settings.now_ms())
    assert _add(monkeypatch, "team", server.base_url, alice.key) == 0
    out = capsys.readouterr().out
    assert "read key 'alice': syncs and downloads replays" in out
    [source] = sources.list_sources()
    assert (source.key_scope, source.key_name) == ("read", "alice")

    assert main(["source", "list"]) == 0
    assert f"team\t{server.base_url}\tread key 'alice'" in capsys.readouterr().out


def test_the_projects_secret_is_an_admin_key(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(monkeypatch, "team", server.base_url, server.project.secret) == 0
    assert "admin key (the project's secret): syncs, downloads, deletes users" in capsys.readouterr().out
    assert sources.list_sources()[0].key_scope == "admin"


def test_a_key_the_server_refuses_is_not_stored(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bob = create_key(server.db, server.project.id, "bob", "read", server.settings.now_ms())
    revoke_key(server.db, server.project.id, "bob", server.settings.now_ms())
    assert _add(monkeypatch, "team", server.base_url, bob.key) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("replay-viewer: error: ") and "refused this key" in line and "401" in line
    assert sources.list_sources() == []
    assert sources.api_key("team") is None


def test_an_unreachable_server_adds_the_source_and_the_next_sync_learns_the_scope(
    server: RunningServer,
    cache: ReplayCache,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    carol = create_key(server.db, server.project.id, "carol", "admin", server.settings.now_ms())
    # Nothing listens on port 9 (discard) of loopback here: the check fails at once, as offline.
    assert _add(monkeypatch, "team", "http://127.0.0.1:9", carol.key) == 0
    captured = capsys.readouterr()
    assert "could not check the key now" in captured.err and "the next sync will" in captured.err
    assert "key not checked" in captured.out
    assert sources.list_sources()[0].key_description() == "key scope not known yet"

    # The server moves to where it can be reached; the first sync asks it about the key and keeps the answer.
    sources.add_source("team", server.base_url, carol.key)
    service = SyncService(
        cache,
        transport_factory=lambda url, key: Transport(url, key, retry=RetryPolicy(attempts=1)),
    )
    [report] = service.sync_all()
    assert report.ok and report.key is not None
    assert sources.list_sources()[0].key_description() == "admin key 'carol'"


def test_a_scope_in_sync_json_that_no_server_grants_is_forgotten() -> None:
    sources.config_path().parent.mkdir(parents=True, exist_ok=True)
    sources.config_path().write_text(
        '{"version": 1, "sources": [{"name": "a", "url": "https://x.test", "key_scope": "root", "key_name": "m"}]}'
    )
    [source] = sources.list_sources()
    assert (source.name, source.key_scope, source.key_name) == ("a", "", "")
