"""One mixpanel-browser `/record/` batch as the server stores it: its events (checked by the ingest rules
of `replay_core.ingest`) and their statistics."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass

from replay_api.wire import refused_as_http
from replay_core.activity import is_user_interaction
from replay_core.events import Event, EventType
from replay_core.ingest import URL_LIMIT, RecordParams, clean_text, record_body_json, record_events
from replay_core.markers import MarkerKind, markers_for
from replay_core.runs import Run, interaction_runs
from replay_core.validate import may_hold_lone_surrogates


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


def parse_batch(body: bytes, params: RecordParams, max_inflated: int) -> Batch:
    """Decode (gzip or plain JSON), check and summarize the body of a `/record/` request."""
    with refused_as_http():
        data, single_member = record_body_json(body, params, max_inflated)
        events = record_events(data, params.seq)
    ordered = sorted(events, key=lambda e: e["timestamp"])
    # The SDK's own gzip of an already ordered batch is kept as is: no recompression on the hot path.
    # Not when its text escapes surrogates: what is stored is the cleaned events, never a lone surrogate.
    as_sent = single_member and not may_hold_lone_surrogates(data)
    if as_sent and all(a is b for a, b in zip(ordered, events, strict=True)):
        stored = body
    else:
        stored = gzip.compress(json.dumps(ordered, separators=(",", ":")).encode("utf-8"), 6, mtime=0)
    return _summarize(ordered, stored)


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
        first_href=clean_text(href, URL_LIMIT),
    )
