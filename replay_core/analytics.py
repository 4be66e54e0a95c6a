"""Analytics events (`/track/`) and profile operations (`/engage/`) as mixpanel-browser sends them.

One definition of a valid item, of an event's time and dedupe key, and of what `$set`, `$set_once`,
`$unset` and `$delete` do, used by the replay API server and the desktop importer alike.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from replay_core.epoch import epoch_ms
from replay_core.ingest import ID_LIMIT, KEY_LIMIT, IngestError, clean_text, decode_data_items, text_value
from replay_core.reader import MAX_DECOMPRESSED_BYTES

# The prefix of a dedupe key made from an event's content; an SDK `$insert_id` never has it in practice.
CONTENT_KEY_PREFIX = "h:"


@dataclass(frozen=True)
class TrackedEvent:
    """One analytics event; `insert_id` is its dedupe key, `time_ms` epoch milliseconds."""

    insert_id: str
    name: str
    time_ms: float
    distinct_id: str
    user_id: str
    replay_id: str
    properties: dict[str, Any] = field(default_factory=dict)


def parse_track_events(
    body: bytes,
    received_ms: float | None,
    query_data: str | None = None,
    max_inflated: int = MAX_DECOMPRESSED_BYTES,
) -> list[TrackedEvent]:
    """The events of a `/track/` request received at `received_ms` (epoch ms, None when unknown)."""
    return parse_track_items(decode_data_items(body, query_data, max_inflated), received_ms)


def parse_track_items(items: list[dict[str, Any]], received_ms: float | None) -> list[TrackedEvent]:
    """Every item checked: one bad item refuses the request, as the SDK would be told."""
    return [_tracked_event(index, item, received_ms) for index, item in enumerate(items)]


def _tracked_event(index: int, item: dict[str, Any], received_ms: float | None) -> TrackedEvent:
    name = item.get("event")
    if not isinstance(name, str) or not name.strip():
        raise IngestError(f"item {index}: 'event' must be a non-empty string")
    properties = item.get("properties", {})
    if not isinstance(properties, dict):
        raise IngestError(f"item {index}: 'properties' must be an object")
    try:
        time_ms = event_time_ms(properties.get("time"), received_ms)
    except IngestError as exc:
        raise IngestError(f"item {index}: {exc}") from None
    return TrackedEvent(
        insert_id=dedupe_key(name, properties),
        name=clean_text(name, ID_LIMIT),
        time_ms=time_ms,
        distinct_id=text_value(properties.get("distinct_id")),
        user_id=text_value(properties.get("$user_id")),
        replay_id=text_value(properties.get("$mp_replay_id"), KEY_LIMIT),
        properties=properties,
    )


def event_time_ms(value: Any, received_ms: float | None) -> float:
    """An event's `time` (seconds, or milliseconds from some libraries) in epoch milliseconds.

    Without a time the event happened when its request was received: the server passes its clock, the
    importer the capture's `received_at_ms`.
    """
    if value is None:
        if received_ms is None:
            raise IngestError("no 'time', and no receive time to stand for it")
        return float(received_ms)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise IngestError("'time' must be a number of seconds (or milliseconds) since the epoch")
    return epoch_ms(value)


def dedupe_key(name: Any, properties: dict[str, Any]) -> str:
    """The SDK's `$insert_id` when usable, else a digest of the event's content.

    The digest leaves out the receive time, so an event without `$insert_id` sent twice (a beacon, then
    the next page's retry) is still stored once, whichever way it reached the cache.
    """
    insert_id = properties.get("$insert_id")
    if isinstance(insert_id, str) and 0 < len(insert_id) <= KEY_LIMIT:
        return clean_text(insert_id, KEY_LIMIT)
    content = json.dumps([name, properties], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return CONTENT_KEY_PREFIX + hashlib.sha256(content.encode("ascii")).hexdigest()[:32]


@dataclass(frozen=True)
class ProfileUpdate:
    """One `/engage/` item: `$delete` removes the profile (its other operations are ignored), else
    `$set_once` fills what is missing, `$set` overwrites, `$unset` removes, in that order."""

    distinct_id: str
    set: dict[str, Any] = field(default_factory=dict)
    set_once: dict[str, Any] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)
    delete: bool = False

    def applied_to(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        """The profile's properties after this update; None when it deletes the profile."""
        if self.delete:
            return None
        updated = dict(properties)
        for key, value in self.set_once.items():
            updated.setdefault(key, value)
        updated.update(self.set)
        for key in self.unset:
            updated.pop(key, None)
        return updated


def parse_profile_updates(
    body: bytes, query_data: str | None = None, max_inflated: int = MAX_DECOMPRESSED_BYTES
) -> list[ProfileUpdate]:
    """The profile operations of an `/engage/` request, in the order sent."""
    return parse_engage_items(decode_data_items(body, query_data, max_inflated))


def parse_engage_items(items: list[dict[str, Any]]) -> list[ProfileUpdate]:
    """Every item checked first: one bad item refuses the request. Operations other than the four are
    ignored."""
    for index, item in enumerate(items):
        _check_engage_item(index, item)
    return [_profile_update(item) for item in items]


def _check_engage_item(index: int, item: dict[str, Any]) -> None:
    distinct_id = item.get("$distinct_id")
    if not isinstance(distinct_id, str) or not distinct_id:
        raise IngestError(f"item {index}: '$distinct_id' must be a non-empty string")
    for operation in ("$set", "$set_once"):
        if operation in item and not isinstance(item[operation], dict):
            raise IngestError(f"item {index}: '{operation}' must be an object")
    unset = item.get("$unset", [])
    if not isinstance(unset, list) or not all(isinstance(key, str) for key in unset):
        raise IngestError(f"item {index}: '$unset' must be a list of property names")


def _profile_update(item: dict[str, Any]) -> ProfileUpdate:
    distinct_id = clean_text(item["$distinct_id"], ID_LIMIT)
    if "$delete" in item:
        return ProfileUpdate(distinct_id, delete=True)
    return ProfileUpdate(
        distinct_id,
        set=dict(item.get("$set", {})),
        set_once=dict(item.get("$set_once", {})),
        unset=list(item.get("$unset", [])),
    )
