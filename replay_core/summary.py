"""A replay's summary: duration, active time, inactive spans, markers, counts and URLs."""

from __future__ import annotations

from dataclasses import dataclass, field

from replay_core.activity import (
    INACTIVITY_THRESHOLD_MS,
    InactiveSpan,
    active_ms,
    inactive_spans,
)
from replay_core.events import EventType
from replay_core.markers import Marker, MarkerKind, markers_for
from replay_core.reader import Recording


@dataclass(frozen=True)
class ReplaySummary:
    start_ts: float
    duration_ms: float
    active_ms: float
    inactive_spans: list[InactiveSpan]
    markers: list[Marker]
    event_count: int
    click_count: int
    input_count: int
    error_count: int
    start_url: str
    urls: list[str] = field(default_factory=list)
    viewport: tuple[int, int] = (1280, 800)


def summarize(recording: Recording, threshold_ms: float = INACTIVITY_THRESHOLD_MS) -> ReplaySummary:
    events = recording.events
    spans = inactive_spans(events, threshold_ms)
    markers = markers_for(events)
    urls: list[str] = []
    for event in events:
        href = event["data"].get("href") if event["type"] == EventType.META else None
        if isinstance(href, str) and href not in urls:
            urls.append(href)
    return ReplaySummary(
        start_ts=recording.start_ts,
        duration_ms=recording.duration_ms,
        active_ms=active_ms(recording.duration_ms, spans),
        inactive_spans=spans,
        markers=markers,
        event_count=len(events),
        click_count=sum(1 for m in markers if m.kind == MarkerKind.CLICK),
        input_count=sum(1 for m in markers if m.kind == MarkerKind.INPUT),
        error_count=sum(1 for m in markers if m.kind == MarkerKind.ERROR),
        start_url=recording.start_url,
        urls=urls,
        viewport=recording.viewport,
    )
