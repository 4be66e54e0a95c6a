"""Analytics events (`/track/`) and profile operations (`/engage/`) as mixpanel-browser sends them.

One definition of a valid item, of an event's time and dedupe key, and of what `$set`, `$set_once`,
`$unset` and `$delete` do, used by the replay API server and the desktop importer alike.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from replay_core.epoch import SECONDS_LIMIT
from replay_core.ingest import ID_LIMIT, KEY_LIMIT, IngestError, clean_text, decode_data_items, text_value
from replay_core.reader import MAX_DECOMPRESSED_BYTES
from replay_core.validate import (
    MAX_PROPERTY_DEPTH,
    TIME_RULE,
    id_problem,
    is_valid_id,
    json_problem,
    time_problem,
)

log = logging.getLogger(__name__)
Item = TypeVar("Item")

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
    dropped: list[str] | None = None,
) -> list[TrackedEvent]:
    """The events of a `/track/` request received at `received_ms` (epoch ms, None when unknown)."""
    return parse_track_items(decode_data_items(body, query_data, max_inflated), received_ms, dropped)


def accepted_items(
    items: list[Any], check: Callable[[int, Any], Item], what: str, dropped: list[str] | None = None
) -> list[Item]:
    """Each item checked on its own: a refused one is dropped with its reason (logged, and added to
    `dropped` when given), not the request. A request none of whose items is accepted is refused with the
    first reason, so a sender of one bad item is told why."""
    accepted: list[Item] = []
    reasons: list[str] = []
    for index, item in enumerate(items):
        try:
            accepted.append(check(index, item))
        except IngestError as exc:
            reasons.append(str(exc))
    if reasons and not accepted:
        raise IngestError(reasons[0] + (f" (and {len(reasons) - 1} more refused)" if len(reasons) > 1 else ""))
    for reason in reasons:
        log.warning("dropped %s %s", what, reason)
    if dropped is not None:
        dropped.extend(reasons)
    return accepted


def parse_track_items(
    items: list[Any], received_ms: float | None, dropped: list[str] | None = None
) -> list[TrackedEvent]:
    """The accepted events of a request; refused items are dropped (see `accepted_items`)."""

    def check(index: int, item: Any) -> TrackedEvent:
        return _tracked_event(index, item, received_ms)

    return accepted_items(items, check, "/track/", dropped)


def _not_an_object(index: int, item: Any) -> IngestError:
    return IngestError(f"item {index} of 'data' is a {type(item).__name__}, not an object")


def _tracked_event(index: int, item: Any, received_ms: float | None) -> TrackedEvent:
    if not isinstance(item, dict):
        raise _not_an_object(index, item)
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
    problem = json_problem(properties, MAX_PROPERTY_DEPTH)
    if problem:
        raise IngestError(f"item {index}: 'properties' holds {problem}")
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
        problem = time_problem(received_ms, "the receive time")
        if problem:
            raise IngestError(problem)
        return float(received_ms)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise IngestError("'time' must be a number of seconds (or milliseconds) since the epoch")
    # Checked before any conversion: a 401-digit integer is no float, 1e300 * 1000 no time.
    as_ms = value * 1000 if 0 <= value < SECONDS_LIMIT else value
    if time_problem(as_ms, "time") is not None:
        raise IngestError(
            "'time' must be a number of seconds (or milliseconds) since the epoch, "
            f"from {TIME_RULE}"
        )
    return float(as_ms)


def dedupe_key(name: Any, properties: dict[str, Any]) -> str:
    """The SDK's `$insert_id` when usable, else a digest of the event's content.

    The digest leaves out the receive time, so an event without `$insert_id` sent twice (a beacon, then
    the next page's retry) is still stored once, whichever way it reached the cache.
    """
    insert_id = properties.get("$insert_id")
    if is_valid_id(insert_id):
        return str(insert_id)
    content = json.dumps([name, properties], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return CONTENT_KEY_PREFIX + hashlib.sha256(content.encode("ascii")).hexdigest()[:32]


# mixpanel-browser's distinct_id before identify(): a visitor nobody has named yet.
ANONYMOUS_ID_PREFIX = "$device:"


def is_anonymous_id(distinct_id: str | None) -> bool:
    """No user, or the SDK's id for a device whose visitor was never identified."""
    return not distinct_id or distinct_id.startswith(ANONYMOUS_ID_PREFIX)


@dataclass(frozen=True)
class ProfileUpdate:
    """One `/engage/` item: `$delete` removes the profile's properties (its other operations are
    ignored; the user, their replays and analytics events stay: forgetting a user is an admin's
    `delete-user`, not something a page can ask), else `$set_once` fills what is missing, `$set`
    overwrites, `$unset` removes, in that order."""

    distinct_id: str
    set: dict[str, Any] = field(default_factory=dict)
    set_once: dict[str, Any] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)
    delete: bool = False

    def applied_to(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        """The profile's properties after this update; None when `$delete` empties the profile."""
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
    body: bytes,
    query_data: str | None = None,
    max_inflated: int = MAX_DECOMPRESSED_BYTES,
    dropped: list[str] | None = None,
) -> list[ProfileUpdate]:
    """The profile operations of an `/engage/` request, in the order sent."""
    return parse_engage_items(decode_data_items(body, query_data, max_inflated), dropped)


def parse_engage_items(items: list[Any], dropped: list[str] | None = None) -> list[ProfileUpdate]:
    """The accepted profile updates, in order; refused items are dropped (see `accepted_items`).
    Operations other than the four are ignored."""
    return accepted_items(items, _checked_profile_update, "/engage/", dropped)


def _checked_profile_update(index: int, item: Any) -> ProfileUpdate:
    if not isinstance(item, dict):
        raise _not_an_object(index, item)
    problem = id_problem(item.get("$distinct_id"), "$distinct_id")
    if problem:
        raise IngestError(f"item {index}: {problem}")
    for operation in ("$set", "$set_once"):
        if operation in item and not isinstance(item[operation], dict):
            raise IngestError(f"item {index}: '{operation}' must be an object")
        problem = json_problem(item.get(operation, {}), MAX_PROPERTY_DEPTH)
        if problem:
            raise IngestError(f"item {index}: '{operation}' holds {problem}")
    unset = item.get("$unset", [])
    if not isinstance(unset, list) or not all(isinstance(key, str) for key in unset):
        raise IngestError(f"item {index}: '$unset' must be a list of property names")
    return _profile_update(item)


def _profile_update(item: dict[str, Any]) -> ProfileUpdate:
    distinct_id = str(item["$distinct_id"])
    if "$delete" in item:
        return ProfileUpdate(distinct_id, delete=True)
    return ProfileUpdate(
        distinct_id,
        set=dict(item.get("$set", {})),
        set_once=dict(item.get("$set_once", {})),
        unset=list(item.get("$unset", [])),
    )
