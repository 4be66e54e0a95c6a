"""The server's schema migrations: the revisions build exactly `schema.py`, a database `create_all` made
before migrations is adopted with its data, and workers starting together upgrade once."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, insert, text

from replay_api.assets import set_policy
from replay_api.config import Settings
from replay_api.db import Database
from replay_api.projects import NewProject, hash_secret
from replay_api.schema import changes, feed_counter, metadata, projects
from replay_api.upgrade import HEAD, SchemaProblem, current_revision, upgrade
from tests.assets.shop import recording, serve_shop
from tests.replay_api.helpers import T0, TOKEN, feed_all, gz, post_record, replay_lines, rrweb_batch
from tests.replay_api.server import FakeClock, running_server

OLD_DATABASE = Path(__file__).parent / "data" / "create_all_before_migrations.sql"
# The secret create-project printed for the project in that dump (only its hash is stored there).
OLD_SECRET = "rsk_9DyT5Wh1jgWwR1oBUxJqG3tG0B1NucCyK860yFp07P0"


def test_the_revisions_build_exactly_the_schema_the_server_uses(db_url: str) -> None:
    Database(db_url).dispose()
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == HEAD
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert differences == []


def _old_database(tmp_path: Path) -> str:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_DATABASE.read_text())
    return f"sqlite:///{path}"


# SQLite only: the servers that made databases with create_all before migrations ran on SQLite alone.
def test_a_database_made_by_create_all_is_adopted_with_its_data(tmp_path: Path) -> None:
    url = _old_database(tmp_path)
    settings = Settings(db_url=url, clock=FakeClock())
    old_project = NewProject(1, "test", TOKEN, OLD_SECRET)
    with running_server(settings, project=old_project) as server, httpx.Client(base_url=server.base_url) as http:
        http.headers["Authorization"] = f"Bearer {OLD_SECRET}"
        before, cursor = feed_all(http)
        assert [(c["kind"], c["id"]) for c in before] == [
            ("replay", "adopted-replay"),
            ("event", "adopted-event"),
            ("user", "alice"),
        ]
        assert [line["seq"] for line in replay_lines(http, "adopted-replay")] == [0, 1]
        assert http.get("/api/v1/users/alice").json()["properties"] == {"$name": "Alice"}
        # The feed goes on from where the old server left it: a consumer's cursor stays valid.
        assert post_record(http, "adopted-replay", 2, gz(rrweb_batch(T0 + 2000, 3, False))).status_code == 200
        after, _ = feed_all(http, cursor)
        assert [(c["id"], c["data"]["batch_count"]) for c in after] == [("adopted-replay", 3)]
        assert int(after[0]["seq"]) > int(cursor)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert current_revision(conn) == HEAD
    engine.dispose()


def test_a_database_of_a_newer_server_is_refused_untouched(db_url: str) -> None:
    Database(db_url).dispose()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaProblem, match="9999"):
        Database(db_url)
    with engine.connect() as conn:
        assert current_revision(conn) == "9999"
    engine.dispose()


def test_a_database_with_only_some_of_the_tables_is_not_touched(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE projects (id INTEGER PRIMARY KEY, name VARCHAR(10))"))
    with pytest.raises(SchemaProblem, match="not"):
        Database(db_url)
    with engine.connect() as conn:
        assert current_revision(conn) is None
    engine.dispose()


def test_workers_starting_together_upgrade_an_empty_database_once(db_url: str) -> None:
    start = threading.Barrier(4)
    problems: list[BaseException] = []
    opened: list[Database] = []

    def open_database() -> None:
        start.wait()
        try:
            opened.append(Database(db_url))
        except BaseException as exc:
            problems.append(exc)

    workers = [threading.Thread(target=open_database) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for database in opened:
        database.dispose()
    assert problems == []
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM feed_counter")).scalars().all() == [0]
        assert current_revision(conn) == HEAD
    engine.dispose()


def test_revision_0002_adds_keys_to_a_database_at_0001_with_data(db_url: str) -> None:
    engine = create_engine(db_url)
    secret = "rsk_made-at-revision-0001"
    with engine.begin() as conn:
        upgrade(conn, "0001")
        conn.execute(
            insert(projects).values(id=1, name="old", token=TOKEN, secret_hash=hash_secret(secret), created_at=1)
        )
        conn.execute(insert(feed_counter).values(id=1, value=7))
        payload = '{"distinct_id":"alice","properties":{"plan":"pro"},"created_at":1,"updated_at":1}'
        change = {"project_id": 1, "kind": "user", "key": "alice", "op": "upsert", "created_at": 1}
        conn.execute(insert(changes).values(seq=7, payload=payload, **change))
    engine.dispose()
    old_project = NewProject(1, "old", TOKEN, secret)
    admin = {"Authorization": f"Bearer {secret}"}
    with (
        running_server(Settings(db_url=db_url), project=old_project) as server,
        httpx.Client(base_url=server.base_url, headers=admin) as http,
    ):
        assert [(c["seq"], c["id"], c["data"]["properties"]) for c in feed_all(http)[0]] == [
            (7, "alice", {"plan": "pro"})
        ]
        made = http.post("/api/v1/keys", params={"name": "ana", "scope": "read"}).json()
        reader = {"Authorization": f"Bearer {made['key']}"}
        assert http.get("/api/v1/changes", headers=reader).json()["next_cursor"] == "7"


def test_revision_0004_adds_asset_capture_to_a_database_at_0003_with_data(db_url: str) -> None:
    """A replay stored before assets were captured keeps its events, says it has none captured, and its
    project can turn capture on: the replay's next batch has its assets captured."""
    engine = create_engine(db_url)
    secret = "rsk_made-at-revision-0003"
    events = rrweb_batch(T0, 3, True)
    with engine.begin() as conn:
        upgrade(conn, "0003")
        conn.execute(
            insert(projects).values(id=1, name="old", token=TOKEN, secret_hash=hash_secret(secret), created_at=1)
        )
        conn.execute(insert(feed_counter).values(id=1, value=0))
        conn.execute(
            text(
                "INSERT INTO replays (id, project_id, replay_id, distinct_id, device_id, user_id, start_ms, end_ms,"
                " start_url, lib_version, event_count, click_count, input_count, error_count, batch_count,"
                " last_seq, stored_bytes, interaction_runs, created_at, updated_at) VALUES (1, 1, 'old-replay',"
                " 'user-1', '', '', :start, :end, '', '', 3, 0, 0, 0, 1, 0, 10, '[]', :now, :now)"
            ),
            {"start": T0, "end": T0 + 200, "now": int(time.time() * 1000)},  # not yet due for retention
        )
        conn.execute(
            text(
                "INSERT INTO replay_batches (replay_pk, seq, event_count, min_ms, max_ms, events_gz, received_at)"
                " VALUES (1, 0, 3, :start, :end, :gz, 1)"
            ),
            {"start": T0, "end": T0 + 200, "gz": gz(events)},
        )
    engine.dispose()
    site = serve_shop()
    settings = Settings(db_url=db_url, asset_capture_delay_s=0, asset_capture_interval_s=0.05)
    try:
        with (
            running_server(settings, project=NewProject(1, "old", TOKEN, secret)) as server,
            httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {secret}"}) as http,
        ):
            assert [line["seq"] for line in replay_lines(http, "old-replay")] == [0]
            assert http.get("/api/v1/replays/old-replay").json()["assets_at"] == 0
            assert http.get("/api/v1/replays/old-replay/assets").json() == {"assets": {}, "missing": {}}
            set_policy(server.db, 1, settings.now_ms(), True, private_hosts=["127.0.0.1"])
            more = recording(site.origin, T0 + 1000)[1:]
            assert post_record(http, "old-replay", 1, gz(more)).status_code == 200
            deadline = time.monotonic() + 20
            while len(http.get("/api/v1/replays/old-replay/assets").json()["assets"]) < 4:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert http.get("/api/v1/replays/old-replay").json()["assets_at"] > 0
    finally:
        site.stop()
