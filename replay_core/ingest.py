"""Decode and check what mixpanel-browser sends: `/record/` batches, `data=` payloads, captured requests.

The one set of ingest rules, shared by the replay API server and the desktop importer of captured SDK
traffic, so that the same request gives both the same data or the same one-line refusal. Analytics
events and profiles are in `replay_core.analytics`. Wire facts: docs/FORMATS.md, the fixtures' MANIFEST.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from replay_core.epoch import epoch_ms, looks_like_seconds
from replay_core.events import Event, EventType
from replay_core.reader import (
    MAX_DECOMPRESSED_BYTES,
    RecordingError,
    RecordingTooLarge,
    inflate_gzip,
    validate_events,
)
from replay_core.validate import (
    ID_MAX_LENGTH,
    id_problem,
    may_hold_lone_surrogates,
    replace_lone_surrogates,
    replace_lone_surrogates_in_text,
    time_problem,
)

QueryParams = dict[str, str]
GZIP_MAGIC = b"\x1f\x8b"

# Lengths stored text is cut to, the same in the server's database and in the cache.
ID_LIMIT = 400  # distinct ids, user ids, device ids, event names
KEY_LIMIT = ID_MAX_LENGTH  # replay ids and $insert_id (replay_core.validate.ID_PATTERN)
URL_LIMIT = 4000
VERSION_LIMIT = 40
MAX_SEQ = 10**9
# ASCII digits only: str.isdigit() and int() also take other scripts' digits.
_DIGITS = re.compile(r"[0-9]{1,10}")
# `replay_start_time`: epoch seconds (or milliseconds) as the SDK writes them, in plain decimal.
_DECIMAL = re.compile(r"[0-9]{1,16}(\.[0-9]{1,9})?")
_BYTE_ORDER_MARKS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


class IngestError(RecordingError):
    """A request the ingest rules refuse, with a one-line reason: the server answers it with a 400,
    the importer reports it and skips the request."""


def clean_text(value: str, limit: int) -> str:
    """Text every database stores: no lone surrogates (not UTF-8), no NUL (PostgreSQL refuses it), bounded."""
    return replace_lone_surrogates_in_text(value).replace("\x00", "")[:limit]


def text_value(value: Any, limit: int = ID_LIMIT) -> str:
    """An id sent as a string or a number, as cleaned text; anything else (null, booleans, objects) is ""."""
    if isinstance(value, str):
        return clean_text(value, limit)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return clean_text(str(value), limit)
    return ""


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


@dataclass(frozen=True)
class RecordParams:
    """The query parameters of a `/record/` request; only replay_id and seq are required."""

    replay_id: str
    seq: int
    distinct_id: str = ""
    device_id: str = ""
    user_id: str = ""
    start_url: str = ""
    lib_version: str = ""
    format: str = ""
    # `replay_start_time` in epoch milliseconds, when sent (checked, not stored).
    start_time_ms: float | None = None

    @property
    def person(self) -> str:
        """Who recorded it: the identified user when known, else the (possibly anonymous) distinct id."""
        return self.user_id or self.distinct_id


@dataclass(frozen=True)
class RecordBatch:
    """One checked `/record/` upload: a slice of a replay's rrweb events, in the order sent."""

    params: RecordParams
    events: list[Event]


def parse_record_params(query: Mapping[str, str]) -> RecordParams:
    """The checked parameters of a `/record/` request (a replay is idempotent on replay_id and seq)."""
    device_id = clean_text(query.get("$device_id", ""), ID_LIMIT)
    return RecordParams(
        replay_id=_replay_id(query.get("replay_id", "")),
        seq=_seq(query.get("seq", "")),
        distinct_id=clean_text(query.get("distinct_id", ""), ID_LIMIT) or device_id,
        device_id=device_id,
        user_id=clean_text(query.get("$user_id", ""), ID_LIMIT),
        start_url=clean_text(query.get("replay_start_url", ""), URL_LIMIT),
        lib_version=clean_text(query.get("$lib_version", ""), VERSION_LIMIT),
        format=query.get("format", ""),
        start_time_ms=_start_time(query.get("replay_start_time", "")),
    )


def _replay_id(value: str) -> str:
    if not value:
        raise IngestError("missing query parameter 'replay_id'")
    problem = id_problem(value, "replay_id")
    if problem:
        raise IngestError(problem)
    return value


def _start_time(value: str) -> float | None:
    """`replay_start_time` (seconds or milliseconds) in epoch ms; None when not sent."""
    if not value:
        return None
    if not _DECIMAL.fullmatch(value):
        raise IngestError(f"'replay_start_time' must be a decimal number, got {value[:40]!r}")
    number = float(value)
    problem = time_problem(epoch_ms(number), "replay_start_time")
    if problem:
        raise IngestError(problem)
    return epoch_ms(number)


def _seq(value: str) -> int:
    if not value:
        raise IngestError("missing query parameter 'seq'")
    if not _DIGITS.fullmatch(value) or int(value) > MAX_SEQ:
        raise IngestError(f"'seq' must be a whole number from 0 to {MAX_SEQ}, got {value[:40]!r}")
    return int(value)


def parse_record_batch(
    query: Mapping[str, str], body: bytes, max_inflated: int = MAX_DECOMPRESSED_BYTES
) -> RecordBatch:
    """A whole `/record/` request checked: its parameters, then its body."""
    params = parse_record_params(query)
    data, _ = record_body_json(body, params, max_inflated)
    return RecordBatch(params, record_events(data, params.seq))


def inflated(body: bytes, max_bytes: int) -> tuple[bytes, bool]:
    """A gzip body inflated (RecordingTooLarge past `max_bytes`), a plain one as is; also says whether it
    was one clean gzip member (which the server may then store as sent)."""
    if not body.startswith(GZIP_MAGIC):
        return body, False
    try:
        return inflate_gzip(body, max_bytes)
    except RecordingTooLarge:
        raise RecordingTooLarge(f"the inflated body is larger than the {max_bytes} byte limit") from None
    except RecordingError as exc:
        raise IngestError(str(exc).replace("gzip data", "gzip body")) from None


def record_body_json(body: bytes, params: RecordParams, max_inflated: int) -> tuple[bytes, bool]:
    """The JSON text of a `/record/` body: gzip whatever `format` says, but format=gzip must be gzip."""
    if params.format == "gzip" and not body.startswith(GZIP_MAGIC):
        raise IngestError("format=gzip but the body is not gzip data")
    return inflated(body, max_inflated)


def record_events(data: bytes, seq: int) -> list[Event]:
    """The rrweb events of a `/record/` body, checked, in the order sent."""
    events = strict_json(data, "the /record/ body")
    if not isinstance(events, list):
        raise IngestError(
            f"the /record/ body must be a JSON array of rrweb events, not a {type(events).__name__}"
        )
    if not events:
        raise IngestError("the /record/ body holds no events")
    if may_hold_lone_surrogates(data):
        replace_lone_surrogates(events)
    try:
        validate_events(events)
    except RecordingError as exc:
        raise IngestError(str(exc)) from None
    if looks_like_seconds(max(e["timestamp"] for e in events)):
        raise IngestError("event timestamps look like seconds; rrweb records epoch milliseconds")
    if seq == 0 and not any(e["type"] == EventType.FULL_SNAPSHOT for e in events):
        raise IngestError("batch seq=0 has no FullSnapshot (type 2): the replay could not be shown")
    return events


def decode_data_items(
    body: bytes, query_data: str | None = None, max_inflated: int = MAX_DECOMPRESSED_BYTES
) -> list[Any]:
    """The items of a `/track/` or `/engage/` request (a batch, or one item sent alone), their text
    cleaned of lone surrogates. Each item is checked on its own by `replay_core.analytics`: one that is
    not an object is dropped there, not the request."""
    document = decode_data_payload(inflated(body, max_inflated)[0], query_data)
    return document if isinstance(document, list) else [document]


def decode_data_payload(body: bytes, query_data: str | None = None) -> Any:
    """The JSON a `/track/` or `/engage/` request carries: `data=` (base64 or JSON) in the body or the
    query string, or a plain JSON body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise IngestError("the request body is not UTF-8 text") from None
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        data: str | None = stripped
    else:
        fields = parse_qs(text, keep_blank_values=True)
        data = fields["data"][0] if "data" in fields else query_data
    if data is None or not data.strip():
        raise IngestError("no 'data' field: expected data=<base64 or JSON> in the body or the query")
    text = _unwrap_base64(data.strip())
    document = strict_json(text, "the 'data' payload")
    if may_hold_lone_surrogates(text):
        document = replace_lone_surrogates(document)
    return document


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
        raise IngestError("'data' is neither JSON nor base64") from None
    except UnicodeDecodeError:
        raise IngestError("'data' decodes to bytes that are not UTF-8 text") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"the number {text[:40]} is too large")
    return number


def strict_json(data: bytes | str, what: str) -> Any:
    """Parse JSON strictly: UTF-8 without a byte-order mark (no UTF-16, the server may store the body as
    sent), no NaN or Infinity, no number too large for a float; an IngestError naming `what` on failure."""
    if isinstance(data, bytes):
        if data.startswith(_BYTE_ORDER_MARKS):
            raise IngestError(f"{what} starts with a byte-order mark: send UTF-8 JSON without one")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise IngestError(f"{what} is not UTF-8 text") from None
    try:
        return json.loads(data, parse_constant=_reject_constant, parse_float=_finite_float)
    except UnicodeDecodeError:
        raise IngestError(f"{what} is not UTF-8 text") from None
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise IngestError(f"{what} is not valid JSON ({exc})") from None


@dataclass(frozen=True)
class CapturedRequest:
    """One HTTP request as the fixture capture server saved it (`NNN-<path>.req`)."""

    method: str
    path: str
    params: QueryParams
    headers: dict[str, str]
    body: bytes
    order: int = 0
    # When the capture server had the whole request (epoch ms): the receive time a server would have used.
    received_ms: float | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def parse_captured_request(document: Any) -> CapturedRequest:
    """A capture file's JSON (method, path, query_string, headers, body_b64, received_at_ms) as a request."""
    if not isinstance(document, dict) or "body_b64" not in document:
        raise RecordingError("not a captured request: no body_b64")
    try:
        body = base64.b64decode(str(document["body_b64"]), validate=True)
    except binascii.Error:
        raise RecordingError("a captured request whose body_b64 is not base64") from None
    raw_headers = document.get("headers") or []
    pairs = [pair for pair in raw_headers if isinstance(pair, list) and len(pair) == 2]
    path = str(document.get("path") or str(document.get("target") or "").split("?", 1)[0])
    order = document.get("seq")
    return CapturedRequest(
        method=str(document.get("method") or "POST").upper(),
        path=path,
        params=parse_query(str(document.get("query_string") or "")),
        headers={str(name).lower(): str(value) for name, value in pairs},
        body=body,
        order=order if isinstance(order, int) else 0,
        received_ms=_received_ms(document),
    )


def _received_ms(document: dict[str, Any]) -> float | None:
    """`received_at_ms`, else the ISO `received_at` of older captures, else unknown."""
    stamp = document.get("received_at_ms")
    if isinstance(stamp, (int, float)) and time_problem(stamp, "received_at_ms") is None:
        return float(stamp)
    try:
        moment = datetime.fromisoformat(str(document["received_at"]))
    except (KeyError, ValueError):
        return None
    # A time without its offset would be read in this machine's zone: not the moment it names.
    if moment.tzinfo is None:
        return None
    received = moment.timestamp() * 1000.0
    return received if time_problem(received, "received_at") is None else None
