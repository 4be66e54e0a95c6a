"""Decode what mixpanel-browser sends: `/record/` batches, `/track/` events and `/engage/` profiles.

Small pure functions, bytes and query strings in, typed dataclasses out, shared by the desktop
importer and the replay API server. Wire facts are in docs/FORMATS.md and the fixtures' MANIFEST.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from replay_core.events import Event
from replay_core.reader import RecordingError, decompress_if_gzip, parse_events

QueryParams = dict[str, str]


@dataclass(frozen=True)
class RecordBatch:
    """One `/record/` upload: a slice of a replay's rrweb events, identified by (replay_id, seq)."""

    replay_id: str
    seq: int
    distinct_id: str
    events: list[Event]
    user_id: str | None = None
    device_id: str | None = None
    replay_start_ms: float | None = None
    start_url: str | None = None
    token: str | None = None

    @property
    def person(self) -> str:
        """Who recorded it: the identified user when known, else the (possibly anonymous) distinct id."""
        return self.user_id or self.distinct_id


@dataclass(frozen=True)
class TrackedEvent:
    """One analytics event from `/track/`, deduplicated by `insert_id`."""

    name: str
    time_ms: float
    distinct_id: str | None
    insert_id: str | None
    replay_id: str | None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProfileUpdate:
    """One `/engage/` operation on a user profile."""

    distinct_id: str
    set: dict[str, Any] = field(default_factory=dict)
    set_once: dict[str, Any] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)
    delete: bool = False


def parse_query(query_string: str) -> QueryParams:
    """A query string as a dict of its first values (`%24user_id` becomes `$user_id`)."""
    parsed = parse_qs(query_string, keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items()}


def basic_auth_token(authorization: str | None) -> str | None:
    """The project token from `Authorization: Basic base64("<token>:")`, or None."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded.partition(":")[0] or None


def parse_record_batch(params: QueryParams, body: bytes, authorization: str | None = None) -> RecordBatch:
    """A `/record/` request as a batch; the body is gzip when `format=gzip`, plain JSON when `body`."""
    replay_id = params.get("replay_id", "").strip()
    if not replay_id:
        raise RecordingError("a /record/ request without replay_id")
    try:
        seq = int(params.get("seq", ""))
    except ValueError:
        raise RecordingError(f"a /record/ request with a bad seq {params.get('seq')!r}") from None
    distinct_id = params.get("distinct_id", "")
    if params.get("format", "gzip") == "gzip" and not body.startswith(b"\x1f\x8b"):
        raise RecordingError("a /record/ body marked format=gzip that is not gzip")
    return RecordBatch(
        replay_id=replay_id,
        seq=seq,
        distinct_id=distinct_id,
        events=parse_events(body),
        user_id=params.get("$user_id") or None,
        device_id=params.get("$device_id") or None,
        replay_start_ms=_seconds_to_ms(params.get("replay_start_time")),
        start_url=params.get("replay_start_url") or None,
        token=basic_auth_token(authorization),
    )


def _seconds_to_ms(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds * 1000.0 if math.isfinite(seconds) else None


def decode_data_payload(body: bytes, query_data: str | None = None) -> Any:
    """The JSON a `/track/` or `/engage/` request carries: `data=` (base64 or JSON) in the body or the
    query string, or a plain JSON body. Shared by the server and the importer of captured requests."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordingError("the request body is not UTF-8 text") from None
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        data: str | None = stripped
    else:
        fields = parse_qs(text, keep_blank_values=True)
        data = fields["data"][0] if "data" in fields else query_data
    if data is None or not data.strip():
        raise RecordingError("no 'data' field: expected data=<base64 or JSON> in the body or the query")
    return strict_json(_unwrap_base64(data.strip()), "the 'data' payload")


def _unwrap_base64(data: str) -> str:
    """JSON passes through; base64 (standard or URL-safe, padded or not) is decoded to its UTF-8 text."""
    if data.startswith(("[", "{")):
        return data
    # A literal '+' becomes a space in form decoding when the sender did not percent-encode it.
    cleaned = data.replace(" ", "+").replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise RecordingError("'data' is neither JSON nor base64") from None
    except UnicodeDecodeError:
        raise RecordingError("'data' decodes to bytes that are not UTF-8 text") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def strict_json(data: bytes | str, what: str) -> Any:
    """Parse JSON strictly (no NaN or Infinity); a RecordingError naming `what` on failure."""
    try:
        return json.loads(data, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise RecordingError(f"{what} is not UTF-8 text") from None
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise RecordingError(f"{what} is not valid JSON ({exc})") from None


def _as_items(payload: Any) -> list[dict[str, Any]]:
    items = payload if isinstance(payload, list) else [payload]
    return [item for item in items if isinstance(item, dict)]


def parse_track_events(body: bytes) -> list[TrackedEvent]:
    """The analytics events of a `/track/` body (a batch or one event); malformed items are skipped."""
    found = []
    for item in _as_items(decode_data_payload(decompress_if_gzip(body))):
        name = item.get("event")
        props = item.get("properties")
        if not isinstance(name, str) or not isinstance(props, dict):
            continue
        found.append(
            TrackedEvent(
                name=name,
                time_ms=_event_time_ms(props.get("time")),
                distinct_id=_text(props.get("distinct_id")),
                insert_id=_text(props.get("$insert_id")),
                replay_id=_text(props.get("$mp_replay_id")),
                properties=props,
            )
        )
    return found


def _event_time_ms(value: Any) -> float:
    """mixpanel sends seconds (float); some libraries send milliseconds."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    if not math.isfinite(number):
        return 0.0
    return number if number > 1e11 else number * 1000.0


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        return None
    return str(value)


def parse_profile_updates(body: bytes) -> list[ProfileUpdate]:
    """The profile operations of an `/engage/` body, in the order sent."""
    found = []
    for item in _as_items(decode_data_payload(decompress_if_gzip(body))):
        distinct_id = _text(item.get("$distinct_id"))
        if distinct_id is None:
            continue
        unset = item.get("$unset")
        found.append(
            ProfileUpdate(
                distinct_id=distinct_id,
                set=_dict(item.get("$set")),
                set_once=_dict(item.get("$set_once")),
                unset=[str(key) for key in unset] if isinstance(unset, list) else [],
                delete="$delete" in item,
            )
        )
    return found


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


@dataclass(frozen=True)
class CapturedRequest:
    """One HTTP request as the fixture capture server saved it (`NNN-<path>.req`)."""

    method: str
    path: str
    params: QueryParams
    headers: dict[str, str]
    body: bytes
    order: int = 0

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def parse_captured_request(document: Any) -> CapturedRequest:
    """A capture file's JSON (method, path, query_string, headers, body_b64) as a request."""
    if not isinstance(document, dict) or "body_b64" not in document:
        raise RecordingError("not a captured request: no body_b64")
    try:
        body = base64.b64decode(str(document["body_b64"]), validate=True)
    except binascii.Error:
        raise RecordingError("a captured request whose body_b64 is not base64") from None
    raw_headers = document.get("headers") or []
    pairs = [pair for pair in raw_headers if isinstance(pair, list) and len(pair) == 2]
    headers = {str(name).lower(): str(value) for name, value in pairs}
    path = str(document.get("path") or str(document.get("target") or "").split("?", 1)[0])
    query = str(document.get("query_string") or "")
    order = document.get("seq")
    return CapturedRequest(
        method=str(document.get("method") or "POST").upper(),
        path=path,
        params=parse_query(query),
        headers=headers,
        body=body,
        order=order if isinstance(order, int) else 0,
    )
