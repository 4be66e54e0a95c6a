"""Keys per person: read keys sync and download, admin keys also delete users and manage keys; keys are
stored hashed and shown once, note when they were last used, and a revoked key is refused by every worker."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from replay_api.config import Settings
from replay_api.keys import LAST_USED_STEP_MS
from replay_api.schema import api_keys
from tests.paths import REPO
from tests.replay_api.helpers import T0, feed_all, gz, post_record, rrweb_batch
from tests.replay_api.server import FakeClock, RunningServer, running_server
from tests.replay_api.test_feed import _engage


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _new_key(client: httpx.Client, name: str, scope: str) -> str:
    made = client.post("/api/v1/keys", params={"name": name, "scope": scope})
    assert made.status_code == 200, made.text
    assert (made.json()["name"], made.json()["scope"]) == (name, scope)
    return str(made.json()["key"])


@pytest.fixture
def stored(ingest: httpx.Client) -> Iterator[None]:
    assert post_record(ingest, "r1", 0, gz(rrweb_batch(T0, 6, True)), distinct_id="alice").status_code == 200
    _engage(ingest, "alice", plan="pro")
    yield


def test_a_read_key_syncs_and_downloads_but_deletes_nothing(
    server: RunningServer, client: httpx.Client, stored: None
) -> None:
    key = _new_key(client, "ana", "read")
    with httpx.Client(base_url=server.base_url, headers=_bearer(key), timeout=30) as ana:
        assert ana.get("/api/v1/key").json() == {"name": "ana", "scope": "read"}
        changes, _ = feed_all(ana)
        assert {(c["kind"], c["id"]) for c in changes} == {("replay", "r1"), ("user", "alice")}
        assert ana.get("/api/v1/replays/r1/events").status_code == 200
        assert ana.get("/api/v1/users/alice").json()["properties"] == {"plan": "pro"}
        assert ana.get("/replays/r1/download").status_code == 200
        form = httpx.post(f"{server.base_url}/replays/r1/download", data={"key": key})
        assert form.status_code == 200 and form.json()[0]["timestamp"] == T0
        refused = ana.delete("/api/v1/users/alice")
        assert refused.status_code == 403 and "admin" in refused.json()["error"]
        assert ana.get("/api/v1/keys").status_code == 403
        assert ana.post("/api/v1/keys", params={"name": "mine", "scope": "admin"}).status_code == 403
    assert client.get("/api/v1/replays/r1").status_code == 200, "the refused deletion deleted"


def test_an_admin_key_deletes_users_and_manages_keys(
    server: RunningServer, client: httpx.Client, stored: None
) -> None:
    assert client.get("/api/v1/key").json() == {"name": "", "scope": "admin"}, "the project's secret"
    admin_key = _new_key(client, "lead", "admin")
    with httpx.Client(base_url=server.base_url, headers=_bearer(admin_key), timeout=30) as lead:
        reader_key = _new_key(lead, "ana", "read")
        listed = lead.get("/api/v1/keys").json()["keys"]
        assert [(k["name"], k["scope"], k["revoked_at"]) for k in listed] == [
            ("lead", "admin", None),
            ("ana", "read", None),
        ]
        assert reader_key not in str(listed) and admin_key not in str(listed), "a key was shown again"
        assert lead.delete("/api/v1/keys/ana").status_code == 200
        assert lead.delete("/api/v1/keys/ana").status_code == 404
        assert httpx.get(f"{server.base_url}/api/v1/key", headers=_bearer(reader_key)).status_code == 401
        assert lead.delete("/api/v1/users/alice").json()["deleted"]["replays"] == 1
    with server.db.read() as conn:
        stored_text = " ".join(str(value) for row in conn.execute(select(api_keys)).all() for value in row)
    assert reader_key not in stored_text and admin_key not in stored_text, "a key is stored in clear"


def test_a_key_notes_when_it_was_last_used_about_once_a_minute(
    server: RunningServer, client: httpx.Client, clock: FakeClock
) -> None:
    key = _new_key(client, "ana", "read")

    def last_used() -> object:
        return client.get("/api/v1/keys").json()["keys"][0]["last_used_at"]

    assert last_used() is None
    first_use = server.settings.now_ms()
    assert httpx.get(f"{server.base_url}/api/v1/changes", headers=_bearer(key)).status_code == 200
    assert last_used() == first_use
    clock.now += 1
    assert httpx.get(f"{server.base_url}/api/v1/changes", headers=_bearer(key)).status_code == 200
    assert last_used() == first_use, "written again within the minute"
    clock.now += LAST_USED_STEP_MS / 1000
    assert httpx.get(f"{server.base_url}/api/v1/changes", headers=_bearer(key)).status_code == 200
    assert last_used() == server.settings.now_ms()


def test_a_revoked_key_is_refused_at_once_by_every_worker(server: RunningServer, client: httpx.Client) -> None:
    key = _new_key(client, "ana", "read")
    other = Settings(db_url=server.settings.db_url, clock=server.settings.clock)
    with running_server(other, project=server.project) as second:
        for worker in (server, second):
            assert httpx.get(f"{worker.base_url}/api/v1/changes", headers=_bearer(key)).status_code == 200
        assert client.delete("/api/v1/keys/ana").status_code == 200
        for worker in (second, server):
            refused = httpx.get(f"{worker.base_url}/api/v1/changes", headers=_bearer(key))
            assert refused.status_code == 401
            assert httpx.get(f"{worker.base_url}/replays/x/download", headers=_bearer(key)).status_code == 401


def _cli(*args: str, db: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {"REPLAY_API_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "replay_api.cli", *args, "--db", db]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO, env=env)


def test_key_commands_create_list_and_revoke(server: RunningServer, tmp_path: Path) -> None:
    db = server.settings.db_url
    created = _cli("key", "create", "ana", "--scope", "read", db=db, data=tmp_path)
    assert created.returncode == 0, created.stderr
    printed = dict(line.split(": ", 1) for line in created.stdout.splitlines())
    key = printed["key"]
    assert (printed["name"], printed["scope"]) == ("ana", "read") and key.startswith("rk_")
    assert "shown this once" in created.stderr
    again = _cli("key", "create", "ana", "--scope", "admin", db=db, data=tmp_path)
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "exists" in again.stderr
    listed = _cli("key", "list", db=db, data=tmp_path)
    assert listed.stdout.startswith("ana\tread\t") and "last used never\tin use" in listed.stdout
    assert key not in listed.stdout
    assert httpx.get(f"{server.base_url}/api/v1/key", headers=_bearer(key)).json()["scope"] == "read"
    assert "last used never" not in _cli("key", "list", db=db, data=tmp_path).stdout
    revoked = _cli("key", "revoke", "ana", db=db, data=tmp_path)
    assert revoked.returncode == 0 and revoked.stdout == "revoked: ana\n"
    assert httpx.get(f"{server.base_url}/api/v1/key", headers=_bearer(key)).status_code == 401
    assert "\trevoked " in _cli("key", "list", db=db, data=tmp_path).stdout
    assert _cli("key", "revoke", "ana", db=db, data=tmp_path).returncode == 1
