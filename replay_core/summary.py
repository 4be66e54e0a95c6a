"""A replay's summary: duration, active time, inactive spans, markers, counts and URLs."""

from __future__ import annotations

from dataclasses import dataclass, field

from replay_core.activity import INACTIVITY_THRESHOLD_MS, InactiveSpan, SpanFollower, active_ms
from replay_core.events import Event, EventType
from replay_core.markers import Marker, MarkerFollower, MarkerKind
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
    builder = SummaryBuilder(recording.start_ts, threshold_ms)
    for event in recording.events:
        builder.add(event)
    return builder.summary()


class SummaryBuilder:
    """`summarize` one event at a time, for a replay that grows (the cache appends a synced batch without
    reading the events it has): every figure is the one `summarize` gives for all the events added."""

    def __init__(self, start_ts: float, threshold_ms: float = INACTIVITY_THRESHOLD_MS) -> None:
        self.start_ts = start_ts
        self.end_ts = start_ts
        self.spans = SpanFollower(start_ts, threshold_ms)
        self.markers = MarkerFollower(start_ts)
        self.event_count = 0
        self.urls: list[str] = []
        self._seen_urls: set[str] = set()
        self.start_url: str | None = None
        self.viewport: tuple[int, int] | None = None

    def add(self, event: Event) -> None:
        self.event_count += 1
        self.end_ts = float(event["timestamp"])
        self.spans.add(event)
        self.markers.add(event)
        if event["type"] != EventType.META:
            return
        data = event["data"]
        if self.viewport is None:
            self.viewport = int(data.get("width") or 1280), int(data.get("height") or 800)
        href = data.get("href")
        if isinstance(href, str):
            if self.start_url is None:
                self.start_url = href
            if href not in self._seen_urls:
                self._seen_urls.add(href)
                self.urls.append(href)

    @property
    def duration_ms(self) -> float:
        return self.end_ts - self.start_ts

    def count(self, kind: MarkerKind) -> int:
        return self.markers.counts.get(kind, 0)

    def active_ms(self) -> float:
        return max(0.0, self.duration_ms - self.spans.inactive_ms(self.duration_ms))

    def summary(self) -> ReplaySummary:
        duration = self.duration_ms
        spans = self.spans.spans(duration)
        return ReplaySummary(
            start_ts=self.start_ts,
            duration_ms=duration,
            active_ms=active_ms(duration, spans),
            inactive_spans=spans,
            markers=list(self.markers.found),
            event_count=self.event_count,
            click_count=self.count(MarkerKind.CLICK),
            input_count=self.count(MarkerKind.INPUT),
            error_count=self.count(MarkerKind.ERROR),
            start_url=self.start_url or "",
            urls=list(self.urls),
            viewport=self.viewport or (1280, 800),
        )
