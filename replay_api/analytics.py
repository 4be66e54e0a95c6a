"""Analytics events (`/track/`) and user profiles (`/engage/`): decoding, dedupe and storage."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update

from replay_api.db import Writer
from replay_api.errors import ApiError, bad_request
from replay_api.schema import events, users
from replay_api.wire import clean_text

EVENT = "event"
USER = "user"
_SECONDS_LIMIT = 1e11


@dataclass(frozen=True)
class TrackedEvent:
    insert_id: str
    name: str
    time_ms: float
    distinct_id: str
    user_id: str
    replay_id: str
    properties: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {
            "insert_id": self.insert_id,
            "name": self.name,
            "time": self.time_ms,
            "distinct_id": self.distinct_id,
            "user_id": self.user_id,
            "replay_id": self.replay_id,
            "properties": self.properties,
        }


def request_token(items: list[dict[str, Any]], key_of: str) -> str:
    """The one project token the items carry (in `properties.token` or `$token`); 401 when absent."""
    tokens = {_token(item, key_of) for item in items}
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


def parse_track_items(items: list[dict[str, Any]], now_ms: int) -> list[TrackedEvent]:
    return [_tracked_event(index, item, now_ms) for index, item in enumerate(items)]


def _tracked_event(index: int, item: dict[str, Any], now_ms: int) -> TrackedEvent:
    name = item.get("event")
    if not isinstance(name, str) or not name.strip():
        raise bad_request(f"item {index}: 'event' must be a non-empty string")
    properties = item.get("properties", {})
    if not isinstance(properties, dict):
        raise bad_request(f"item {index}: 'properties' must be an object")
    insert_id = properties.get("$insert_id")
    if not isinstance(insert_id, str) or not insert_id or len(insert_id) > 200:
        # Without the SDK's dedupe key, the same request sent twice still stores the event once.
        insert_id = "h:" + hashlib.sha1(json.dumps(item, sort_keys=True).encode("utf-8")).hexdigest()
    return TrackedEvent(
        insert_id=clean_text(insert_id, 200),
        name=clean_text(name, 400),
        time_ms=_time_ms(index, properties.get("time"), now_ms),
        distinct_id=_text(properties.get("distinct_id")),
        user_id=_text(properties.get("$user_id")),
        replay_id=_text(properties.get("$mp_replay_id"), 200),
        properties=properties,
    )


def _time_ms(index: int, value: Any, now_ms: int) -> float:
    if value is None:
        return float(now_ms)
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise bad_request(
            f"item {index}: 'time' must be a number of seconds (or milliseconds) since the epoch"
        )
    return float(value) * 1000 if value < _SECONDS_LIMIT else float(value)


def _text(value: Any, limit: int = 400) -> str:
    if value is None:
        return ""
    return clean_text(value if isinstance(value, str) else str(value), limit)


def store_events(writer: Writer, project_id: int, tracked: list[TrackedEvent]) -> int:
    """Store events not seen before (by `$insert_id`); the number stored."""
    stored = 0
    seen: set[str] = set()
    for event in tracked:
        if event.insert_id in seen:
            continue
        seen.add(event.insert_id)
        known = select(events.c.id).where(
            (events.c.project_id == project_id) & (events.c.insert_id == event.insert_id)
        )
        if writer.conn.execute(known).first() is not None:
            continue
        writer.conn.execute(
            insert(events).values(
                project_id=project_id,
                insert_id=event.insert_id,
                name=event.name,
                time_ms=event.time_ms,
                distinct_id=event.distinct_id,
                user_id=event.user_id,
                replay_id=event.replay_id,
                properties=json.dumps(event.properties, separators=(",", ":")),
                received_at=writer.now_ms,
            )
        )
        writer.record_change(project_id, EVENT, event.insert_id, event.payload())
        stored += 1
    return stored


def check_engage_items(items: list[dict[str, Any]]) -> None:
    for index, item in enumerate(items):
        distinct_id = item.get("$distinct_id")
        if not isinstance(distinct_id, str) or not distinct_id:
            raise bad_request(f"item {index}: '$distinct_id' must be a non-empty string")
        for operation in ("$set", "$set_once"):
            if operation in item and not isinstance(item[operation], dict):
                raise bad_request(f"item {index}: '{operation}' must be an object")
        if "$unset" in item and not (
            isinstance(item["$unset"], list) and all(isinstance(k, str) for k in item["$unset"])
        ):
            raise bad_request(f"item {index}: '$unset' must be a list of property names")


def apply_engage(writer: Writer, project_id: int, items: list[dict[str, Any]]) -> None:
    """Apply `$set`, `$set_once`, `$unset` and `$delete` in order; other operations are ignored."""
    for item in items:
        distinct_id = clean_text(str(item["$distinct_id"]), 400)
        if "$delete" in item:
            delete_profile(writer, project_id, distinct_id)
            continue
        row = writer.conn.execute(select(users).where(_user(project_id, distinct_id))).first()
        properties: dict[str, Any] = json.loads(row.properties) if row is not None else {}
        updated = dict(properties)
        for key, value in item.get("$set_once", {}).items():
            updated.setdefault(key, value)
        updated.update(item.get("$set", {}))
        for key in item.get("$unset", []):
            updated.pop(key, None)
        if row is not None and updated == properties:
            continue
        _save_profile(writer, project_id, distinct_id, updated, row is None)


def _user(project_id: int, distinct_id: str) -> Any:
    return (users.c.project_id == project_id) & (users.c.distinct_id == distinct_id)


def _save_profile(
    writer: Writer, project_id: int, distinct_id: str, properties: dict[str, Any], new: bool
) -> None:
    text = json.dumps(properties, separators=(",", ":"))
    if new:
        writer.conn.execute(
            insert(users).values(
                project_id=project_id,
                distinct_id=distinct_id,
                properties=text,
                created_at=writer.now_ms,
                updated_at=writer.now_ms,
            )
        )
    else:
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
        "properties": json.loads(row.properties),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
