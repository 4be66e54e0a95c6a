"""Deleting a user and the retention job: data goes, tombstones stay in the feed, late batches stay out."""

from __future__ import annotations

import time

import httpx

from replay_api.config import Settings
from replay_api.lifecycle import purge_expired
from tests.replay_api.helpers import T0, feed_all, gz, post_record, rrweb_batch
from tests.replay_api.server import FakeClock, RunningServer, running_server
from tests.replay_api.test_feed import _engage, _track


def _tombstones(changes: list[dict[str, object]]) -> set[tuple[object, object]]:
    return {(c["kind"], c["id"]) for c in changes if c["op"] == "delete"}


def test_deleting_a_user_removes_profile_replays_and_events(
    ingest: httpx.Client, client: httpx.Client
) -> None:
    post_record(ingest, "mine", 0, gz(rrweb_batch(T0, 10, True)), distinct_id="alice")
    post_record(ingest, "theirs", 0, gz(rrweb_batch(T0, 10, True)), distinct_id="bob")
    _track(ingest, "Buy", "e-alice", "alice", "mine")
    _track(ingest, "Buy", "e-bob", "bob", "theirs")
    _engage(ingest, "alice", **{"$name": "Alice", "$email": "alice@example.com"})
    _, cursor = feed_all(client)
    answer = client.delete("/api/v1/users/alice")
    assert answer.status_code == 200
    assert answer.json() == {"deleted": {"replays": 1, "events": 1, "user": True}}
    changes, _ = feed_all(client, cursor)
    assert _tombstones(changes) == {("replay", "mine"), ("event", "e-alice"), ("user", "alice")}
    assert client.get("/api/v1/replays/mine").status_code == 404
    assert client.get("/api/v1/users/alice").status_code == 404
    assert client.get("/api/v1/replays/theirs").status_code == 200
    # The page is still open and uploads its next batch: it is acknowledged but not stored again.
    assert (
        post_record(ingest, "mine", 1, gz(rrweb_batch(T0 + 9000, 5, False)), distinct_id="alice").status_code
        == 200
    )
    assert client.get("/api/v1/replays/mine").status_code == 404


def test_retention_purges_old_replays_and_events_with_tombstones(
    server: RunningServer, clock: FakeClock, ingest: httpx.Client, client: httpx.Client
) -> None:
    post_record(ingest, "old", 0, gz(rrweb_batch(T0, 10, True)))
    _track(ingest, "Old", "e-old", "user-1", "old")
    clock.advance_days(29)
    post_record(ingest, "recent", 0, gz(rrweb_batch(T0, 10, True)))
    _, cursor = feed_all(client)
    assert purge_expired(server.db, server.settings.now_ms(), 30).replays == 0
    clock.advance_days(2)
    removed = purge_expired(server.db, server.settings.now_ms(), 30)
    assert (removed.replays, removed.events) == (1, 1)
    changes, _ = feed_all(client, cursor)
    assert _tombstones(changes) == {("replay", "old"), ("event", "e-old")}
    assert client.get("/api/v1/replays/old").status_code == 404
    assert client.get("/api/v1/replays/recent").status_code == 200


def test_the_server_runs_retention_periodically(db_url: str, clock: FakeClock) -> None:
    settings = Settings(db_url=db_url, purge_interval_s=0.1, retention_days=1, clock=clock)
    with running_server(settings) as server, httpx.Client(base_url=server.base_url) as http:
        post_record(http, "aging", 0, gz(rrweb_batch(T0, 10, True)))
        http.headers["Authorization"] = f"Bearer {server.project.secret}"
        assert http.get("/api/v1/replays/aging").status_code == 200
        clock.advance_days(2)
        deadline = time.monotonic() + 10
        while http.get("/api/v1/replays/aging").status_code != 404:
            assert time.monotonic() < deadline, "the retention job never ran"
            time.sleep(0.1)
