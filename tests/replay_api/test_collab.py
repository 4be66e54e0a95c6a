"""Comments and collections on the replay API: written by any key of the project, merged by the core's
rule, carried by the change feed with tombstones, removed with their replay; refusals store nothing.
One server per backend for the module (each test uses its own replays and records)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, insert

from replay_api.config import Settings
from replay_api.lifecycle import purge_expired
from replay_api.projects import NewProject, hash_secret
from replay_api.schema import changes, feed_counter, projects
from replay_api.upgrade import upgrade
from replay_core import collab
from tests.replay_api.conftest import BACKENDS, database_url
from tests.replay_api.helpers import T0, TOKEN, feed_all, gz, post_record, rrweb_batch
from tests.replay_api.server import FakeClock, RunningServer, running_server

NOW = 1_795_906_500_000


@pytest.fixture(scope="module", params=BACKENDS)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    url = database_url(request.param, tmp_path_factory.mktemp("collab"), request)
    with running_server(Settings(db_url=url, clock=FakeClock())) as server:
        yield server


@pytest.fixture(scope="module")
def http(shared: RunningServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {shared.project.secret}"}
    with httpx.Client(base_url=shared.base_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def reader(http: httpx.Client, shared: RunningServer) -> Iterator[httpx.Client]:
    """A client with a person's read key (the scope every teammate's sync uses)."""
    key = http.post("/api/v1/keys", params={"name": "teammate", "scope": "read"}).json()["key"]
    with httpx.Client(
        base_url=shared.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as client:
        yield client


def _replay(http: httpx.Client, replay_id: str, distinct_id: str = "user-1") -> None:
    # 20 events 100 ms apart: 1.9 s long
    response = post_record(http, replay_id, 0, gz(rrweb_batch(T0, 20, True)), distinct_id=distinct_id)
    assert response.status_code == 200, response.text


def _comment(
    replay_id: str, text: str = "the total is wrong", at_ms: int = 1_000, **kw: Any
) -> collab.Record:
    return collab.new_comment(replay_id, "ana", at_ms, text, NOW, "dev-a", **kw)


def _post(
    client: httpx.Client, record: collab.Record | dict[str, Any], path: str = "/api/v1/comments"
) -> httpx.Response:
    body = record if isinstance(record, dict) else collab.to_json(record)
    return client.post(path, json=body)


def _feed_entry(http: httpx.Client, kind: str, record_id: str) -> dict[str, Any] | None:
    return next((c for c in feed_all(http)[0] if c["kind"] == kind and c["id"] == record_id), None)


def test_a_read_key_writes_a_comment_and_the_feed_carries_it(
    http: httpx.Client, reader: httpx.Client
) -> None:
    _replay(http, "r-feed")
    made = _comment("r-feed", record_id="c-feed")
    answer = _post(reader, made)
    assert answer.status_code == 200, answer.text
    assert collab.from_json(answer.json()) == made
    entry = _feed_entry(http, "comment", "c-feed")
    assert entry is not None and entry["op"] == "upsert" and collab.from_json(entry["data"]) == made


def test_edits_merge_by_the_core_rule_and_a_delete_is_a_tombstone_for_good(http: httpx.Client) -> None:
    _replay(http, "r-merge")
    base = _comment("r-merge", record_id="c-merge")
    assert _post(http, base).status_code == 200
    later = collab.edited(base, {"text": "edited later"}, NOW + 20, "dev-b")
    earlier = collab.edited(base, {"text": "edited earlier", "at_ms": 1_500}, NOW + 10, "dev-a")
    assert _post(http, later).status_code == 200
    merged = collab.from_json(_post(http, earlier).json())
    assert (merged.text, merged.at_ms) == ("edited later", 1_500)
    assert _post(http, collab.deleted(merged, NOW + 30, "dev-a")).json()["deleted"] is not None
    entry = _feed_entry(http, "comment", "c-merge")
    assert entry is not None and (entry["op"], entry["data"]) == ("delete", None)
    _, cursor = feed_all(http)
    # An edit made offline before the delete arrives later: the comment stays deleted, the feed unchanged.
    stale = collab.edited(base, {"text": "offline edit"}, NOW + 99, "dev-c")
    assert _post(http, stale).json()["deleted"] is not None
    assert feed_all(http, cursor)[0] == []


def test_a_collection_reordered_and_added_to_at_once_keeps_both(http: httpx.Client) -> None:
    made = collab.new_collection("Checkout bug", "ana", NOW, "dev-a", record_id="k-order")
    for n, replay_id in enumerate(["r1", "r2", "r3"], start=1):
        made = collab.with_entry(made, replay_id, None, NOW + n, "dev-a")
    assert _post(http, made, "/api/v1/collections").status_code == 200
    reordered = collab.reordered(made, ["r3", "r2", "r1"], NOW + 10, "dev-a")
    added = collab.with_entry(made, "r4", 1_000, NOW + 5, "dev-b")
    _post(http, reordered, "/api/v1/collections")
    answer = collab.from_json(_post(http, added, "/api/v1/collections").json())
    assert [(e.replay_id, e.start_ms) for e in answer.entries()] == [
        ("r3", None),
        ("r2", None),
        ("r1", None),
        ("r4", 1_000),
    ]
    entry = _feed_entry(http, "collection", "k-order")
    assert entry is not None and collab.from_json(entry["data"]) == answer


def test_bad_comments_are_refused_with_a_reason_and_nothing_is_stored(
    http: httpx.Client, shared: RunningServer
) -> None:
    _replay(http, "r-bad")
    good = collab.to_json(_comment("r-bad", record_id="c-bad"))
    before = feed_all(http)
    refusals = [
        (
            http,
            {**good, "fields": {"text": "x" * 2001, "at_ms": 1}},
            400,
            "'text' is 2001 characters; at most 2000",
        ),
        (http, {**good, "fields": {"text": ["a list"], "at_ms": 1}}, 400, "'text' must be a string"),
        (http, {**good, "fields": {"text": "ok", "at_ms": "1"}}, 400, "'at_ms' must be whole milliseconds"),
        (http, {**good, "fields": {"text": "late", "at_ms": 60_000}}, 400, "past the replay's end"),
        (http, {**good, "kind": "collection"}, 400, "'kind' must be 'comment' here"),
        (http, {**good, "replay_id": "r-unknown"}, 404, "no replay 'r-unknown'"),
        (http, {**good, "fields": {"text": "x" * (300 << 10), "at_ms": 1}}, 413, "limit"),
    ]
    for client, body, status, reason in refusals:
        answer = client.post("/api/v1/comments", json=body)
        assert (answer.status_code, set(answer.json())) == (status, {"status", "error"}), answer.text
        assert reason in answer.json()["error"], (reason, answer.json())
    with httpx.Client(base_url=shared.base_url, timeout=30) as anonymous:
        assert anonymous.post("/api/v1/comments", json=good).status_code == 401
    assert http.post("/api/v1/comments", content=b"{not json").status_code == 400
    assert feed_all(http) == before


def test_a_deleted_user_and_retention_take_their_replays_comments(
    http: httpx.Client, shared: RunningServer
) -> None:
    _replay(http, "r-gone", distinct_id="leaver")
    _replay(http, "r-kept", distinct_id="stayer")
    for replay_id in ("r-gone", "r-kept"):
        assert _post(http, _comment(replay_id, record_id=f"c-{replay_id}")).status_code == 200
    deleted = http.delete("/api/v1/users/leaver").json()["deleted"]
    assert deleted["replays"] == 1
    entry = _feed_entry(http, "comment", "c-r-gone")
    assert entry is not None and entry["op"] == "delete"
    assert _post(http, _comment("r-gone", record_id="c-late")).status_code == 404
    # Retention, run as if 31 days had passed: every replay goes, and every comment with it.
    purge_expired(shared.db, shared.settings.now_ms() + 31 * 86_400_000, 30)
    entry = _feed_entry(http, "comment", "c-r-kept")
    assert entry is not None and entry["op"] == "delete"


def test_revision_0003_adds_comments_to_a_database_at_0002_with_data(db_url: str, tmp_path: Path) -> None:
    engine = create_engine(db_url)
    secret = "rsk_made-at-revision-0002"
    with engine.begin() as conn:
        upgrade(conn, "0002")
        conn.execute(
            insert(projects).values(
                id=1, name="old", token=TOKEN, secret_hash=hash_secret(secret), created_at=1
            )
        )
        conn.execute(insert(feed_counter).values(id=1, value=7))
        payload = '{"distinct_id":"alice","properties":{},"created_at":1,"updated_at":1}'
        change = {"project_id": 1, "kind": "user", "key": "alice", "op": "upsert", "created_at": 1}
        conn.execute(insert(changes).values(seq=7, payload=payload, **change))
    engine.dispose()
    admin = {"Authorization": f"Bearer {secret}"}
    with (
        running_server(Settings(db_url=db_url), project=NewProject(1, "old", TOKEN, secret)) as server,
        httpx.Client(base_url=server.base_url, headers=admin) as client,
    ):
        _replay(client, "r-old")
        assert _post(client, _comment("r-old", record_id="c-old")).status_code == 200
        seen = [(c["seq"], c["kind"], c["id"]) for c in feed_all(client)[0]]
        assert seen == [(7, "user", "alice"), (8, "replay", "r-old"), (9, "comment", "c-old")]
