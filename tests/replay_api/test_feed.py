"""The change feed: a consumer stopping after any page and resuming from its cursor sees each change once."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.replay_api.helpers import T0, TOKEN, feed_all, gz, post_record, rrweb_batch

State = dict[tuple[str, str], Any]


def _track(client: httpx.Client, name: str, insert_id: str, distinct_id: str, replay_id: str = "") -> None:
    properties = {"token": TOKEN, "distinct_id": distinct_id, "$insert_id": insert_id, "time": T0 / 1000}
    if replay_id:
        properties["$mp_replay_id"] = replay_id
    data = base64.b64encode(json.dumps([{"event": name, "properties": properties}]).encode()).decode()
    assert client.post("/track/", params={"verbose": "1"}, data={"data": data}).status_code == 200


def _engage(client: httpx.Client, distinct_id: str, **properties: Any) -> None:
    item = {"$token": TOKEN, "$distinct_id": distinct_id, "$set": properties}
    assert client.post("/engage/", data={"data": json.dumps(item)}).status_code == 200


def _activity(client: httpx.Client, round_: int) -> None:
    """A round of writes of every kind: new replays, extended replays, events, profile changes."""
    for user in range(3):
        replay_id = f"r{round_}-{user}"
        assert (
            post_record(
                client, replay_id, 0, gz(rrweb_batch(T0 + round_ * 60000, 10, True)), distinct_id=f"u{user}"
            ).status_code
            == 200
        )
        if round_:
            assert (
                post_record(
                    client,
                    f"r{round_ - 1}-{user}",
                    1,
                    gz(rrweb_batch(T0 + 99000, 5, False)),
                    distinct_id=f"u{user}",
                ).status_code
                == 200
            )
        _track(client, "Step", f"e{round_}-{user}", f"u{user}", replay_id)
        _engage(client, f"u{user}", plan=f"plan{round_}")


def _apply(state: State, changes: list[dict[str, Any]]) -> None:
    for change in changes:
        key = (change["kind"], change["id"])
        if change["op"] == "delete":
            state.pop(key, None)
        else:
            state[key] = change["data"]


@pytest.mark.parametrize("page_size", [1, 2, 5, 1000])
def test_resuming_from_any_page_sees_every_change_once(
    page_size: int, ingest: httpx.Client, client: httpx.Client
) -> None:
    _activity(ingest, 0)
    state: State = {}
    seen: list[int] = []
    cursor = ""
    for round_ in range(1, 5):
        # The consumer reads a few pages, "stops" (keeping only its cursor) while the site keeps sending.
        for _ in range(3):
            page = client.get("/api/v1/changes", params={"cursor": cursor, "limit": page_size}).json()
            assert len(page["changes"]) <= page_size
            seen += [c["seq"] for c in page["changes"]]
            _apply(state, page["changes"])
            cursor = page["next_cursor"]
        _activity(ingest, round_)
        if round_ == 3:
            assert client.delete("/api/v1/users/u1").json()["deleted"]["replays"] == 4
    rest, cursor = _drain(client, cursor, page_size)
    seen += [c["seq"] for c in rest]
    _apply(state, rest)
    assert seen == sorted(set(seen)), "a change was delivered twice or out of order"
    truth: State = {}
    _apply(truth, feed_all(client)[0])
    assert state == truth
    # u1 was deleted in round 3: their replays stay gone (a late batch of r3-1 is not stored again),
    # while the profile update of round 4 makes a new profile.
    assert ("replay", "r1-1") not in state and ("replay", "r3-1") not in state
    assert state[("user", "u1")]["properties"] == {"plan": "plan4"}
    assert state[("replay", "r3-0")]["batch_count"] == 2
    assert state[("user", "u2")]["properties"] == {"plan": "plan4"}
    again = client.get("/api/v1/changes", params={"cursor": cursor}).json()
    assert again["changes"] == [] and again["next_cursor"] == cursor and not again["has_more"]


def _drain(client: httpx.Client, cursor: str, page_size: int) -> tuple[list[dict[str, Any]], str]:
    changes: list[dict[str, Any]] = []
    while True:
        page = client.get("/api/v1/changes", params={"cursor": cursor, "limit": page_size}).json()
        changes += page["changes"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return changes, cursor


def test_an_extended_replay_comes_back_with_its_new_metadata(
    ingest: httpx.Client, client: httpx.Client
) -> None:
    post_record(ingest, "grow", 0, gz(rrweb_batch(T0, 10, True)))
    first, cursor = feed_all(client)
    assert [c["data"]["batch_count"] for c in first] == [1]
    post_record(ingest, "grow", 1, gz(rrweb_batch(T0 + 5000, 10, False)))
    later, _ = feed_all(client, cursor)
    assert [(c["id"], c["data"]["batch_count"], c["data"]["event_count"]) for c in later] == [("grow", 2, 20)]
    assert later[0]["seq"] > first[0]["seq"]
