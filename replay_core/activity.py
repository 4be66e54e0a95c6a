"""What counts as user interaction, and the inactive spans the player shades and skips.

One definition, used by the timeline shading, the skip logic and the summary's active time:
an event is **user interaction** when it is an IncrementalSnapshot from one of the sources
MouseMove, MouseInteraction, Scroll, ViewportResize, Input, TouchMove, MediaInteraction, Drag or
Selection. These are the sources mixpanel-browser's own idle timer counts. TouchMove is included
because rrweb records mouse movement inside same-origin iframes as TouchMove. Mutations, style
changes, canvas frames, console logs and page snapshots are the page's doing, not the user's.

A span of the recording is **inactive** when no user interaction happens in it for at least the
threshold, INACTIVITY_THRESHOLD_MS (5 s). The recording's start and end bound the first and last spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from replay_core.events import Event, EventType, IncrementalSource, incremental_source

INACTIVITY_THRESHOLD_MS = 5000.0

INTERACTION_SOURCES = frozenset(
    {
        IncrementalSource.MOUSE_MOVE,
        IncrementalSource.MOUSE_INTERACTION,
        IncrementalSource.SCROLL,
        IncrementalSource.VIEWPORT_RESIZE,
        IncrementalSource.INPUT,
        IncrementalSource.TOUCH_MOVE,
        IncrementalSource.MEDIA_INTERACTION,
        IncrementalSource.DRAG,
        IncrementalSource.SELECTION,
    }
)


@dataclass(frozen=True)
class InactiveSpan:
    """A stretch with no user interaction, in ms from the recording's start."""

    start_ms: float
    end_ms: float

    @property
    def duration_ms(self) -> float:
        return self.end_ms - self.start_ms

    def contains(self, at_ms: float) -> bool:
        return self.start_ms <= at_ms < self.end_ms


def is_user_interaction(event: Event) -> bool:
    return incremental_source(event) in INTERACTION_SOURCES


def inactive_spans(
    events: Sequence[Event], threshold_ms: float = INACTIVITY_THRESHOLD_MS
) -> list[InactiveSpan]:
    """Spans of at least `threshold_ms` without user interaction, for events in time order."""
    if not events:
        return []
    origin = float(events[0]["timestamp"])
    spans = SpanFollower(origin, threshold_ms)
    for event in events:
        spans.add(event)
    return spans.spans(float(events[-1]["timestamp"]) - origin)


class SpanFollower:
    """`inactive_spans` one event at a time, for a replay that grows: the spans closed so far are kept,
    the last one runs from the last interaction to wherever the replay ends now."""

    def __init__(self, origin: float, threshold_ms: float = INACTIVITY_THRESHOLD_MS) -> None:
        self.origin = origin
        self.threshold_ms = threshold_ms
        self.last_ms = 0.0  # the last user interaction, or the recording's start
        self.closed: list[InactiveSpan] = []
        self.closed_ms = 0.0

    def add(self, event: Event) -> None:
        if event["type"] != EventType.INCREMENTAL_SNAPSHOT or event["data"].get("source") not in INTERACTION_SOURCES:
            return
        at = float(event["timestamp"]) - self.origin
        if at - self.last_ms >= self.threshold_ms:
            self.closed.append(InactiveSpan(self.last_ms, at))
            self.closed_ms += at - self.last_ms
        self.last_ms = at

    def _tail(self, end_ms: float) -> InactiveSpan | None:
        return InactiveSpan(self.last_ms, end_ms) if end_ms - self.last_ms >= self.threshold_ms else None

    def spans(self, end_ms: float) -> list[InactiveSpan]:
        tail = self._tail(end_ms)
        return [*self.closed, tail] if tail else list(self.closed)

    def inactive_ms(self, end_ms: float) -> float:
        tail = self._tail(end_ms)
        return self.closed_ms + (tail.duration_ms if tail else 0.0)


def active_ms(duration_ms: float, spans: Sequence[InactiveSpan]) -> float:
    return max(0.0, duration_ms - sum(span.duration_ms for span in spans))
