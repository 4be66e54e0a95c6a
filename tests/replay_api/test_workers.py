"""Several workers on one database: the change feed under writers whose commits are delayed and out of
order, the same batch reaching two workers at once, and retention run by one worker at a time."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from replay_api.config import Settings
from replay_api.db import Database
from replay_api.feed import read_page
from replay_api.lifecycle import RETENTION, purge_expired_unless_running
from replay_api.projects import NewProject, create_project
from replay_api.replays import REPLAY
from tests.replay_api.helpers import T0, feed_all, gz, post_record, rrweb_batch
from tests.replay_api.server import FakeClock, running_server
from tests.replay_api.test_feed import _engage, _track

WRITERS = 6
WRITES_EACH = 15


@pytest.fixture
def project(db_url: str, clock: FakeClock) -> Iterator[NewProject]:
    db = Database(db_url)
    try:
        yield create_project(db, "test", int(clock() * 1000), token="0c0ffee0c0ffee0c0ffee0c0ffee0c0f")
    finally:
        db.dispose()


def _slow_writer(db: Database, project_id: int, name: str, start: threading.Barrier, seed: int) -> None:
    """Writes one change per transaction and sleeps before committing, so commits interleave at random."""
    pause = random.Random(seed)
    start.wait()
    for index in range(WRITES_EACH):
        with db.write(0) as writer:
            writer.record_change(project_id, REPLAY, f"{name}-{index}", {"n": index})
            threading.Event().wait(pause.uniform(0, 0.02))


def test_a_reader_following_the_feed_during_delayed_commits_sees_each_change_once(
    db_url: str, project: NewProject
) -> None:
    # Each writer is a worker of its own (its own engine and connections), as `serve --workers` runs them.
    workers = [Database(db_url) for _ in range(WRITERS)]
    reader = Database(db_url)
    start = threading.Barrier(WRITERS + 1)
    threads = [
        threading.Thread(target=_slow_writer, args=(db, project.id, f"w{i}", start, i))
        for i, db in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    seen: list[str] = []
    cursor = 0
    start.wait()
    try:
        while any(thread.is_alive() for thread in threads):
            cursor = _follow(reader, project.id, cursor, seen)
        cursor = _follow(reader, project.id, cursor, seen)
    finally:
        for thread in threads:
            thread.join()
        for db in [*workers, reader]:
            db.dispose()
    expected = {f"w{i}-{n}" for i in range(WRITERS) for n in range(WRITES_EACH)}
    assert len(seen) == len(expected), "a change was repeated or skipped"
    assert set(seen) == expected


def _follow(reader: Database, project_id: int, cursor: int, seen: list[str]) -> int:
    """Read the next page after `cursor` as a syncing client does, and return the cursor it hands back."""
    with reader.read() as conn:
        page = read_page(conn, project_id, cursor, 7)
    seen += [change["id"] for change in json.loads(page.body)["changes"]]
    return int(page.next_cursor)


def _two_workers(db_url: str, clock: FakeClock, project: NewProject) -> Any:
    settings = Settings(db_url=db_url, clock=clock)
    return running_server(settings, project=project), running_server(settings, project=project)


def test_the_same_batch_reaching_two_workers_at_once_is_stored_once(
    db_url: str, clock: FakeClock, project: NewProject
) -> None:
    first_server, second_server = _two_workers(db_url, clock, project)
    with first_server as first, second_server as second:
        bodies = {f"twice-{n}": gz(rrweb_batch(T0 + n, 6, True)) for n in range(12)}
        answers: list[int] = []

        def send(base_url: str, start: threading.Barrier) -> None:
            with httpx.Client(base_url=base_url, timeout=60) as http:
                for replay_id, body in bodies.items():
                    start.wait()
                    answers.append(post_record(http, replay_id, 0, body).status_code)

        start = threading.Barrier(2)
        senders = [threading.Thread(target=send, args=(s.base_url, start)) for s in (first, second)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        assert answers == [200] * (2 * len(bodies))
        headers = {"Authorization": f"Bearer {project.secret}"}
        with httpx.Client(base_url=second.base_url, headers=headers, timeout=30) as client:
            changes, _ = feed_all(client)
            assert sorted(c["id"] for c in changes) == sorted(bodies)
            assert {c["data"]["batch_count"] for c in changes} == {1}
            for replay_id in bodies:
                lines = client.get(f"/api/v1/replays/{replay_id}/events").text.splitlines()
                assert len(lines) == 1, f"{replay_id} was stored {len(lines)} times"


def test_retention_runs_in_one_worker_at_a_time(
    db_url: str, clock: FakeClock, project: NewProject
) -> None:
    settings = Settings(db_url=db_url, clock=clock)
    other_worker = Database(db_url)
    try:
        with running_server(settings, project=project) as server, httpx.Client(base_url=server.base_url) as http:
            assert post_record(http, "expiring", 0, gz(rrweb_batch(T0, 6, True))).status_code == 200
            clock.advance_days(31)
            now = server.settings.now_ms()
            http.headers["Authorization"] = f"Bearer {project.secret}"
            with other_worker.turn(RETENTION, wait=False) as theirs:
                assert theirs, "the other worker takes the retention turn"
                assert purge_expired_unless_running(server.db, now, 30) is None
                assert http.get("/api/v1/replays/expiring").status_code == 200
            removed = purge_expired_unless_running(server.db, now, 30)
            assert removed is not None and removed.replays == 1, "the turn was not handed back"
            assert http.get("/api/v1/replays/expiring").status_code == 404
    finally:
        other_worker.dispose()


def test_the_same_events_and_new_profiles_reaching_two_workers_at_once_are_stored_once(
    db_url: str, clock: FakeClock, project: NewProject
) -> None:
    first_server, second_server = _two_workers(db_url, clock, project)
    with first_server as first, second_server as second:
        answers: list[int] = []

        def send(base_url: str, start: threading.Barrier) -> None:
            with httpx.Client(base_url=base_url, timeout=60) as http:
                for n in range(10):
                    start.wait()
                    _track(http, "Buy", f"both-{n}", f"new-user-{n}")
                    _engage(http, f"new-user-{n}", plan=f"plan-{n}")
                    answers.append(200)

        start = threading.Barrier(2)
        senders = [threading.Thread(target=send, args=(s.base_url, start)) for s in (first, second)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        assert len(answers) == 20, "a request was refused"
        headers = {"Authorization": f"Bearer {project.secret}"}
        with httpx.Client(base_url=first.base_url, headers=headers, timeout=30) as client:
            changes, _ = feed_all(client)
            events = sorted(c["id"] for c in changes if c["kind"] == "event")
            profiles = {c["id"]: c["data"]["properties"] for c in changes if c["kind"] == "user"}
        assert events == sorted(f"both-{n}" for n in range(10))
        assert profiles == {f"new-user-{n}": {"plan": f"plan-{n}"} for n in range(10)}


def test_one_transaction_numbers_its_changes_in_order_and_an_entity_changed_twice_once(
    db_url: str, project: NewProject
) -> None:
    """The feed's numbering, now one statement on PostgreSQL: a transaction's changes in the order made,
    an entity changed twice in it has its last change (PostgreSQL refuses to replace one row twice in a
    statement), and the next transaction's come after."""
    db = Database(db_url)

    def feed() -> list[tuple[str, str, Any]]:
        with db.read() as conn:
            page = json.loads(read_page(conn, project.id, 0, 100).body)
        seqs = [c["seq"] for c in page["changes"]]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        return [(c["id"], c["op"], c["data"]) for c in page["changes"]]

    try:
        with db.write(0) as writer:
            for key, n in [("a", 1), ("b", 1), ("a", 2), ("c", 1)]:
                writer.record_change(project.id, REPLAY, key, {"n": n})
        assert feed() == [("b", "upsert", {"n": 1}), ("a", "upsert", {"n": 2}), ("c", "upsert", {"n": 1})]
        with db.write(0) as writer:
            writer.record_change(project.id, REPLAY, "b", None)
        assert feed() == [("a", "upsert", {"n": 2}), ("c", "upsert", {"n": 1}), ("b", "delete", None)]
    finally:
        db.dispose()


def test_a_transaction_with_more_changes_than_one_statement_takes_numbers_them_all(
    db_url: str, project: NewProject
) -> None:
    """Deleting a user with thousands of analytics events leaves a tombstone for each in one transaction:
    more than one PostgreSQL statement's 65,535 parameters would hold."""
    count = 65_535 // 6 + 500  # a tombstone has no payload: 6 parameters
    db = Database(db_url)
    try:
        with db.write(0) as writer:
            for index in range(count):
                writer.record_change(project.id, "event", f"e{index}", None)
        with db.read() as conn:
            page = json.loads(read_page(conn, project.id, 0, count + 10).body)
    finally:
        db.dispose()
    assert [c["id"] for c in page["changes"]] == [f"e{index}" for index in range(count)]
    seqs = [c["seq"] for c in page["changes"]]
    assert seqs == list(range(seqs[0], seqs[0] + count))
