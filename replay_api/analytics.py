"""Analytics events (`/track/`) and user profiles (`/engage/`) in the server's database: the project
token, storage deduplicated on the key of `replay_core.analytics`, profile updates by its rules."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select, update

from replay_api.db import Writer, insert_if_absent
from replay_api.errors import ApiError, bad_request
from replay_api.schema import events, users
from replay_core.analytics import ProfileUpdate, TrackedEvent
from replay_core.validate import replace_lone_surrogates

EVENT = "event"
USER = "user"


def event_payload(event: TrackedEvent) -> dict[str, Any]:
    """An event as the change feed carries it."""
    return {
        "insert_id": event.insert_id,
        "name": event.name,
        "time": event.time_ms,
        "distinct_id": event.distinct_id,
        "user_id": event.user_id,
        "replay_id": event.replay_id,
        "properties": event.properties,
    }


def request_token(items: list[Any], key_of: str) -> str:
    """The one project token the items carry (in `properties.token` or `$token`); 401 when absent."""
    # Items that are not objects are dropped by the ingest rules; they carry no token either way.
    tokens = {_token(item, key_of) for item in items if isinstance(item, dict)}
    if len(tokens) > 1:
        raise bad_request("the items of one request carry different project tokens")
    token = tokens.pop() if tokens else ""
    if not token:
        raise ApiError(401, "missing project token")
    return token


def _token(item: dict[str, Any], key_of: str) -> str:
    holder = item.get("properties") if key_of == "properties" else item
    value = holder.get("token" if key_of == "properties" else "$token") if isinstance(holder, dict) else None
    return value if isinstance(value, str) else ""


def store_events(writer: Writer, project_id: int, tracked: list[TrackedEvent]) -> int:
    """Store events not seen before (by `$insert_id`); the number stored."""
    stored = 0
    seen: set[str] = set()
    for event in tracked:
        if event.insert_id in seen:
            continue
        seen.add(event.insert_id)
        values = {
            "project_id": project_id,
            "insert_id": event.insert_id,
            "name": event.name,
            "time_ms": event.time_ms,
            "distinct_id": event.distinct_id,
            "user_id": event.user_id,
            "replay_id": event.replay_id,
            "properties": json.dumps(event.properties, separators=(",", ":")),
            "received_at": writer.now_ms,
        }
        # Stored already (a retry, a beacon sent twice), perhaps by another worker at this very moment.
        if insert_if_absent(writer.conn, events, values, ["project_id", "insert_id"]) is None:
            continue
        writer.record_change(project_id, EVENT, event.insert_id, event_payload(event))
        stored += 1
    return stored


def apply_engage(writer: Writer, project_id: int, updates: list[ProfileUpdate]) -> None:
    """Apply the profile updates in order, by the rules of `ProfileUpdate.applied_to`.

    Each profile's row is locked while it is read and written, so updates reaching two workers at once
    are applied one after the other."""
    for change in updates:
        row = _locked_profile(writer, project_id, change.distinct_id)
        created = False
        if row is None:
            if change.applied_to({}) is None:
                continue  # `$delete` of a profile that does not exist
            created = _create_profile(writer, project_id, change.distinct_id)
            row = _locked_profile(writer, project_id, change.distinct_id)
            if row is None:
                continue
        properties: dict[str, Any] = json.loads(row.properties)
        updated = change.applied_to(properties)
        if updated is None:
            # `$delete` empties the profile; the user's replays and events stay, and caches keep them
            # too (only `delete_user`, an admin's act, leaves the tombstone that makes them forget).
            updated = {}
        if created or updated != properties:
            _save_profile(writer, project_id, change.distinct_id, updated)


def _locked_profile(writer: Writer, project_id: int, distinct_id: str) -> Any:
    return writer.conn.execute(select(users).where(_user(project_id, distinct_id)).with_for_update()).first()


def _create_profile(writer: Writer, project_id: int, distinct_id: str) -> bool:
    """An empty profile, unless another worker is creating it at this moment (then False)."""
    values = {
        "project_id": project_id,
        "distinct_id": distinct_id,
        "properties": "{}",
        "created_at": writer.now_ms,
        "updated_at": writer.now_ms,
    }
    return insert_if_absent(writer.conn, users, values, ["project_id", "distinct_id"]) is not None


def _user(project_id: int, distinct_id: str) -> Any:
    return (users.c.project_id == project_id) & (users.c.distinct_id == distinct_id)


def _save_profile(writer: Writer, project_id: int, distinct_id: str, properties: dict[str, Any]) -> None:
    text = json.dumps(properties, separators=(",", ":"))
    query = update(users).where(_user(project_id, distinct_id))
    writer.conn.execute(query.values(properties=text, updated_at=writer.now_ms))
    created = writer.conn.execute(
        select(users.c.created_at).where(_user(project_id, distinct_id))
    ).scalar_one()
    payload = {
        "distinct_id": distinct_id,
        "properties": properties,
        "created_at": created,
        "updated_at": writer.now_ms,
    }
    writer.record_change(project_id, USER, distinct_id, payload)


def delete_profile(writer: Writer, project_id: int, distinct_id: str) -> bool:
    """Delete the profile and leave its tombstone; False when there was no profile."""
    gone = writer.conn.execute(delete(users).where(_user(project_id, distinct_id))).rowcount
    if gone:
        writer.record_change(project_id, USER, distinct_id, None)
    return bool(gone)


def profile(conn: Any, project_id: int, distinct_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(users).where(_user(project_id, distinct_id))).first()
    if row is None:
        return None
    return {
        "distinct_id": row.distinct_id,
        # Rows written before text was cleaned at ingest may hold lone surrogates: never a 500 for them.
        "properties": replace_lone_surrogates(json.loads(row.properties)),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
