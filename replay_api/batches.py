"""One mixpanel-browser `/record/` request decoded and checked: its parameters, events and statistics."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from replay_api.errors import bad_request
from replay_api.wire import GZIP_MAGIC, clean_text, inflate, loads
from replay_core.activity import is_user_interaction
from replay_core.events import Event, EventType
from replay_core.markers import MarkerKind, markers_for
from replay_core.reader import event_problem
from replay_core.runs import Run, interaction_runs

# Epoch milliseconds pass 1e11 in 1973; smaller timestamps are seconds, which rrweb never records.
_SECONDS_LIMIT = 1e11
_REPLAY_ID = re.compile(r"[A-Za-z0-9._:-]{1,200}")
_DIGITS = re.compile(r"[0-9]{1,10}")
_MAX_SEQ = 10**9


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


@dataclass(frozen=True)
class Batch:
    """A checked batch, its events in timestamp order, stored as gzip of their JSON array."""

    events_gz: bytes
    event_count: int
    min_ms: float
    max_ms: float
    click_count: int
    input_count: int
    error_count: int
    runs: list[Run]
    first_href: str


def parse_record_params(query: Mapping[str, str]) -> RecordParams:
    replay_id = query.get("replay_id", "")
    if not replay_id:
        raise bad_request("missing query parameter 'replay_id'")
    if not _REPLAY_ID.fullmatch(replay_id):
        raise bad_request("'replay_id' must be 1-200 letters, digits, '.', '_', ':' or '-'")
    seq_text = query.get("seq", "")
    if not seq_text:
        raise bad_request("missing query parameter 'seq'")
    if not _DIGITS.fullmatch(seq_text) or int(seq_text) > _MAX_SEQ:
        raise bad_request(f"'seq' must be a whole number from 0 to {_MAX_SEQ}, got {seq_text[:40]!r}")
    device_id = clean_text(query.get("$device_id", ""), 400)
    return RecordParams(
        replay_id=replay_id,
        seq=int(seq_text),
        distinct_id=clean_text(query.get("distinct_id", ""), 400) or device_id,
        device_id=device_id,
        user_id=clean_text(query.get("$user_id", ""), 400),
        start_url=clean_text(query.get("replay_start_url", ""), 4000),
        lib_version=clean_text(query.get("$lib_version", ""), 40),
        format=query.get("format", ""),
    )


def parse_batch(body: bytes, params: RecordParams, max_inflated: int) -> Batch:
    """Decode (gzip or plain JSON), validate and summarize the body of a `/record/` request."""
    if body.startswith(GZIP_MAGIC):
        data, single_member = inflate(body, max_inflated)
    elif params.format == "gzip":
        raise bad_request("format=gzip but the body is not gzip data")
    else:
        data, single_member = body, False
    events = loads(data, "the /record/ body")
    _check_events(events, params.seq)
    ordered = sorted(events, key=lambda e: e["timestamp"])
    # The SDK's own gzip of an already ordered batch is kept as is: no recompression on the hot path.
    if single_member and all(a is b for a, b in zip(ordered, events, strict=True)):
        stored = body
    else:
        stored = gzip.compress(json.dumps(ordered, separators=(",", ":")).encode("utf-8"), 6, mtime=0)
    return _summarize(ordered, stored)


def _check_events(events: object, seq: int) -> None:
    if not isinstance(events, list):
        raise bad_request(
            f"the /record/ body must be a JSON array of rrweb events, not a {type(events).__name__}"
        )
    if not events:
        raise bad_request("the /record/ body holds no events")
    for index, event in enumerate(events):
        problem = event_problem(event)
        if problem:
            raise bad_request(f"event {index}: {problem}")
    if max(e["timestamp"] for e in events) < _SECONDS_LIMIT:
        raise bad_request("event timestamps look like seconds; rrweb records epoch milliseconds")
    if seq == 0 and not any(e["type"] == EventType.FULL_SNAPSHOT for e in events):
        raise bad_request("batch seq=0 has no FullSnapshot (type 2): the replay could not be shown")


def _summarize(ordered: list[Event], stored: bytes) -> Batch:
    markers = markers_for(ordered)
    origin = float(ordered[0]["timestamp"])
    href = next(
        (
            str(e["data"].get("href"))
            for e in ordered
            if e["type"] == EventType.META and e["data"].get("href")
        ),
        "",
    )
    return Batch(
        events_gz=stored,
        event_count=len(ordered),
        min_ms=origin,
        max_ms=float(ordered[-1]["timestamp"]),
        click_count=sum(1 for m in markers if m.kind == MarkerKind.CLICK),
        input_count=sum(1 for m in markers if m.kind == MarkerKind.INPUT),
        error_count=sum(1 for m in markers if m.kind == MarkerKind.ERROR),
        runs=interaction_runs(float(e["timestamp"]) for e in ordered if is_user_interaction(e)),
        first_href=clean_text(href, 4000),
    )
