"""Cutting a replay's events into the chunks the player page fetches one by one (no Qt)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from replay_core.events import Event, EventType

# The first chunk holds the first page and a little more, so the first frame shows at once.
FIRST_CHUNK_EXTRA_EVENTS = 200
CHUNK_EVENTS = 2000


class EventChunks:
    """A replay's events as numbered JSON chunks, serialised only when the page asks for them."""

    def __init__(self, events: Sequence[Event], chunk_events: int = CHUNK_EVENTS) -> None:
        if not events:
            raise ValueError("a replay needs at least one event")
        self._events = events
        self._bounds = _chunk_bounds(events, chunk_events)

    def __len__(self) -> int:
        return len(self._bounds)

    def chunk(self, index: int) -> bytes:
        start, end = self._bounds[index]
        return json.dumps(self._events[start:end], separators=(",", ":")).encode()


def _chunk_bounds(events: Sequence[Event], chunk_events: int) -> list[tuple[int, int]]:
    first_snapshot = next(
        (i for i, e in enumerate(events) if e["type"] == EventType.FULL_SNAPSHOT), len(events) - 1
    )
    first_end = min(len(events), first_snapshot + 1 + FIRST_CHUNK_EXTRA_EVENTS)
    bounds = [(0, first_end)]
    for start in range(first_end, len(events), chunk_events):
        bounds.append((start, min(len(events), start + chunk_events)))
    return bounds
