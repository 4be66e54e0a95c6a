"""One set of ingest rules: a capture imported from its files and the same traffic sent to the replay
API and synced give the cache the same analytics events, profiles and replays, each stored once."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx

from tests.paths import MIXPANEL_CAPTURES
from tests.replay_api.captures import load_capture, send
from tests.replay_api.server import FakeClock, RunningServer
from tests.sync.helpers import cache_events, sync
from viewer.storage import ReplayCache
from viewer.storage.importer import import_path

# The first /track/ request of this capture carries two events: `$identify` and `Sign Up`.
EDITED_CAPTURE = "mp-todomvc-vue_idle-timeout"
EDITED_REQUEST = "001-track.req"


def _track_items(document: dict[str, Any]) -> list[dict[str, Any]]:
    form = parse_qs(base64.b64decode(document["body_b64"]).decode())
    items: list[dict[str, Any]] = json.loads(base64.b64decode(form["data"][0]))
    return items


def _with_items(document: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """The captured request with `items` as its body, encoded as the SDK encodes it."""
    data = base64.b64encode(json.dumps(items).encode()).decode()
    body = urlencode({"data": data}).encode()
    return {**document, "body_b64": base64.b64encode(body).decode(), "body_length": len(body)}


def _without_insert_id_and_time(document: dict[str, Any]) -> dict[str, Any]:
    """Older SDKs and other libraries: one event has no `$insert_id`, the other no `time`."""
    items = _track_items(document)
    del items[0]["properties"]["$insert_id"]
    del items[1]["properties"]["time"]
    return _with_items(document, items)


def _profile_deleted(document: dict[str, Any]) -> dict[str, Any]:
    """The SDK's `people.delete_user()`: one `/engage/` item with `$delete`, a minute after the capture."""
    items = [{"$token": "0c0ffee0c0ffee0c0ffee0c0ffee0c0f", "$distinct_id": "user-123", "$delete": ""}]
    later = document["received_at_ms"] + 60_000
    return {**_with_items(document, items), "received_at_ms": later, "seq": 99}


def _captures(tmp_path: Path, delete_profile: bool = False) -> list[Path]:
    """Copies of the fixture captures, the edited one changed as above (the fixtures stay untouched);
    with `delete_profile`, the edited capture ends with the page deleting its user's profile."""
    copies = []
    for source in MIXPANEL_CAPTURES:
        target = tmp_path / "captures" / source.name
        target.mkdir(parents=True)
        for path in sorted(source.glob("*.req")):
            document = json.loads(path.read_text())
            if (source.name, path.name) == (EDITED_CAPTURE, EDITED_REQUEST):
                document = _without_insert_id_and_time(document)
            (target / path.name).write_text(json.dumps(document))
            if delete_profile and (source.name, path.name) == (EDITED_CAPTURE, "002-engage.req"):
                (target / "099-engage.req").write_text(json.dumps(_profile_deleted(document)))
        copies.append(target)
    return copies


def _send_at_capture_times(server: RunningServer, clock: FakeClock, folder: Path) -> None:
    """Byte for byte, each request arriving at the moment the capture server received it."""
    with httpx.Client(base_url=server.base_url, timeout=30) as page:
        for request in load_capture(folder):
            clock.now = request.received_at_ms / 1000
            response = send(page, request)
            assert response.status_code == 200, (request.name, response.text)


def _import(path: Path, captures: list[Path]) -> ReplayCache:
    cache = ReplayCache.open(path)
    for folder in captures:
        outcome = import_path(cache, folder)
        assert not outcome.failed, outcome.summary_line()
    return cache


def _edited_events(events: dict[str, dict[str, Any]]) -> dict[str, tuple[str, float]]:
    edited = {"$identify", "Sign Up"}
    return {
        event["name"]: (insert_id, event["time_ms"])
        for insert_id, event in events.items()
        if event["name"] in edited and event["replay_id"] and event["replay_id"].startswith("5632f76b")
    }


def test_imported_and_synced_captures_hold_the_same_events_once(
    tmp_path: Path, server: RunningServer, clock: FakeClock, cache: ReplayCache
) -> None:
    captures = _captures(tmp_path)
    for folder in captures:
        _send_at_capture_times(server, clock, folder)
    assert sync(cache, server).ok
    with _import(tmp_path / "imported.sqlite3", captures) as imported:
        synced_events, imported_events = cache_events(cache), cache_events(imported)
        assert imported_events == synced_events

        received_ms = json.loads((captures[-1] / EDITED_REQUEST).read_text())["received_at_ms"]
        edited = _edited_events(imported_events)
        assert edited["Sign Up"][1] == received_ms  # no time: the time the request was received
        assert edited["$identify"][1] == 1795906557640  # no $insert_id: its own time still
        assert edited["$identify"][0] != edited["Sign Up"][0]

        # The same traffic reaching the imported cache a second way adds no copy.
        again = sync(imported, server)
        assert again.ok
        assert cache_events(imported) == synced_events
        assert imported.row_counts()["analytics_events"] == len(synced_events)


def test_imported_and_synced_captures_hold_the_same_profiles_and_replays(
    tmp_path: Path, server: RunningServer, clock: FakeClock, cache: ReplayCache
) -> None:
    captures = _captures(tmp_path)
    for folder in captures:
        _send_at_capture_times(server, clock, folder)
    assert sync(cache, server).ok
    with _import(tmp_path / "imported.sqlite3", captures) as imported:
        synced_replays = {row.id: row.user_id for row in cache.all_replays()}
        assert {row.id: row.user_id for row in imported.all_replays()} == synced_replays
        for replay_id in synced_replays:
            assert imported.events(replay_id) == cache.events(replay_id), replay_id
            assert imported.batch_keys(replay_id) == cache.batch_keys(replay_id), replay_id
        for user_id in set(synced_replays.values()):
            mine, theirs = imported.get_user(str(user_id)), cache.get_user(str(user_id))
            assert mine is not None and theirs is not None
            assert mine.properties == theirs.properties, user_id


def test_a_page_deleting_its_profile_empties_it_everywhere_and_keeps_the_replays(
    tmp_path: Path, server: RunningServer, clock: FakeClock, cache: ReplayCache
) -> None:
    """`$delete` comes from a page, with the project's public token: it empties the profile on the
    server, in a synced cache and in an imported one alike, and none of them forgets the user's
    replays or events (that is the admin's `delete-user`)."""
    captures = _captures(tmp_path, delete_profile=True)
    for folder in captures:
        _send_at_capture_times(server, clock, folder)
    assert sync(cache, server).ok
    with httpx.Client(base_url=server.base_url, timeout=30) as api:
        api.headers["Authorization"] = f"Bearer {server.project.secret}"
        answer = api.get("/api/v1/users/user-123")
        assert answer.status_code == 200 and answer.json()["properties"] == {}
    with _import(tmp_path / "imported.sqlite3", captures) as imported:
        for held in (cache, imported):
            user = held.get_user("user-123")
            assert user is not None and user.properties == {}
            mine = [r.id for r in held.all_replays() if r.user_id == "user-123"]
            assert mine, "the user's replays were forgotten"
        synced = sorted(r.id for r in cache.all_replays())
        assert sorted(r.id for r in imported.all_replays()) == synced
        assert cache_events(imported) == cache_events(cache)
