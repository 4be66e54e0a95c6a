"""What an older server already stored before the ingest rules refused it: the sync leaves it out with a
reason and goes on, so later replays still arrive and the cache holds nothing it cannot show.

The entries are written into the real server's change feed directly, as that server stored them.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

import httpx

from tests.replay_api.server import RunningServer
from tests.sync.helpers import cache_events, capture_folders, record_synthetic, send_capture, sync
from viewer.storage import ReplayCache


def _feed(server: RunningServer) -> sqlite3.Connection:
    return sqlite3.connect(server.settings.db_url.removeprefix("sqlite:///"), timeout=10)


def _change(db: sqlite3.Connection, kind: str) -> tuple[str, dict[str, Any]]:
    key, payload = db.execute(
        "SELECT key, payload FROM changes WHERE kind = ? AND op = 'upsert' ORDER BY seq LIMIT 1", (kind,)
    ).fetchone()
    return key, json.loads(payload)


def _set_payload(db: sqlite3.Connection, kind: str, key: str, payload: dict[str, Any]) -> None:
    db.execute(
        "UPDATE changes SET payload = ? WHERE kind = ? AND key = ?", (json.dumps(payload), kind, key)
    )


def _add_change(db: sqlite3.Connection, kind: str, key: str, payload: dict[str, Any]) -> None:
    (project_id, last) = db.execute("SELECT project_id, MAX(seq) FROM changes").fetchone()
    db.execute(
        "INSERT INTO changes (seq, project_id, kind, key, op, payload, created_at) VALUES (?, ?, ?, ?, 'upsert', ?, 0)",
        (last + 1, project_id, kind, key, json.dumps(payload)),
    )
    db.execute("UPDATE feed_counter SET value = ? WHERE id = 1", (last + 1,))


def _poison(server: RunningServer) -> dict[str, str]:
    """An event timed 1e300, a profile with lone surrogates, one nested 150 deep, a replay called '..'."""
    with closing(_feed(server)) as db, db:
        event_key, event = _change(db, "event")
        _set_payload(db, "event", event_key, {**event, "time": 1e300})
        user_key, user = _change(db, "user")
        _set_payload(db, "user", user_key, {**user, "properties": {"\ud800": "\udc00", "$name": "Ada"}})
        deep: Any = "bottom"
        for _ in range(150):
            deep = {"inner": deep}
        _add_change(db, "user", "deep-user", {"distinct_id": "deep-user", "properties": {"nest": deep}})
        replay_key, replay = _change(db, "replay")
        _add_change(db, "replay", "..", {**replay, "id": "..", "replay_id": ".."})
    return {"event": event_key, "user": user_key}


def test_entries_an_older_server_stored_are_left_out_and_the_sync_goes_on(
    server: RunningServer, api: httpx.Client, cache: ReplayCache
) -> None:
    send_capture(server, capture_folders()[0])
    poisoned = _poison(server)
    later = record_synthetic(server, replays=2)

    report = sync(cache, server)

    assert report.ok, report.errors
    ignored = "\n".join(report.ignored)
    assert len(report.ignored) == 3, ignored
    assert "event" in ignored and "'time' 1e+300" in ignored
    assert "'..'" in ignored and "deep-user" in ignored and "nested deeper" in ignored
    cached = {row.id for row in cache.all_replays()}
    assert set(later) <= cached and ".." not in cached
    assert poisoned["event"] not in cache_events(cache)
    assert cache.event_counts(bucket="day")  # every stored time can be charted
    profile = cache.get_user(poisoned["user"])
    assert profile is not None and profile.properties == {"?": "?", "$name": "Ada"}
    assert cache.get_user("deep-user") is None

    again = sync(cache, server)
    assert again.ok and again.ignored == [] and again.replays_added == 0
