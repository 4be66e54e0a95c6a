"""Cutting a replay's events into the chunks the player page fetches one by one (no Qt).

The app does not keep the parsed events of the replay it shows (issue 11: on a 2-hour recording they
were 281 MB of Python objects beside the page's own copy). A chunk is serialised when the page first
asks for it and kept compressed, and its events are let go at once, so that Python's copy shrinks as the
page's grows rather than both being whole at the same time (the peak of opening a long recording). The
compressed chunks (about a tenth of the JSON) are what showing the replay again or writing it out use.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

import zstandard

from replay_core.events import Event, EventType, events_json

# The first chunk holds the first page and a little more, so the first frame shows at once.
FIRST_CHUNK_EXTRA_EVENTS = 200
CHUNK_EVENTS = 2000
# Fast enough (several hundred MB/s) to cost nothing beside serialising; rrweb JSON shrinks ~10×.
_PACK_LEVEL = 1


class EventChunks:
    """A replay's events as numbered JSON chunks, serialised only when the page asks for them."""

    def __init__(self, events: Sequence[Event], chunk_events: int = CHUNK_EVENTS) -> None:
        if not events:
            raise ValueError("a replay needs at least one event")
        # A list of its own: a chunk's places are emptied once it is packed (the caller's list is left as it
        # is; its events go when the caller lets go of them too).
        self._events: list[Event | None] | None = list(events)
        self._bounds = _chunk_bounds(events, chunk_events)
        self._packed: list[bytes | None] = [None] * len(self._bounds)
        self._unpacked = len(self._bounds)

    def __len__(self) -> int:
        return len(self._bounds)

    @property
    def holds_events(self) -> bool:
        """Whether the parsed events are still held (until every chunk has been asked for once)."""
        return self._events is not None

    def chunk(self, index: int) -> bytes:
        packed = self._packed[index]
        if packed is not None:
            return zstandard.ZstdDecompressor().decompress(packed)
        assert self._events is not None  # the events go only once every chunk is packed
        start, end = self._bounds[index]
        body = events_json(self._events[start:end])
        self._packed[index] = zstandard.ZstdCompressor(level=_PACK_LEVEL).compress(body)
        self._events[start:end] = [None] * (end - start)
        self._unpacked -= 1
        if self._unpacked == 0:
            self._events = None
            _give_back_freed_memory()
        return body


class ShownChunks:
    """Every part of the replay shown (its events, then each appended batch), as one numbered series:
    to show the replay again from the start, or to write it out as one JSON array."""

    def __init__(self, parts: Sequence[EventChunks]) -> None:
        self._index = [(part, i) for part in parts for i in range(len(part))]

    def __len__(self) -> int:
        return len(self._index)

    def chunk(self, index: int) -> bytes:
        part, i = self._index[index]
        return part.chunk(i)

    def bodies(self) -> Iterator[bytes]:
        for part, i in self._index:
            yield part.chunk(i)

    def write_json(self, out: BinaryIO) -> None:
        """The events as one JSON array (what `read_recording` reads), written chunk by chunk."""
        out.write(b"[")
        first = True
        for body in self.bodies():
            inner = body.strip()[1:-1]
            if inner:
                out.write(inner if first else b"," + inner)
                first = False
        out.write(b"]")


def _chunk_bounds(events: Sequence[Event], chunk_events: int) -> list[tuple[int, int]]:
    first_snapshot = next(
        (i for i, e in enumerate(events) if e["type"] == EventType.FULL_SNAPSHOT), len(events) - 1
    )
    first_end = min(len(events), first_snapshot + 1 + FIRST_CHUNK_EXTRA_EVENTS)
    bounds = [(0, first_end)]
    for start in range(first_end, len(events), chunk_events):
        bounds.append((start, min(len(events), start + chunk_events)))
    return bounds


def _give_back_freed_memory() -> None:
    """Ask glibc to return the heap the freed events held to the system (freed Python objects otherwise
    stay in the process: 20 MB of a 2-hour recording's, measured). Elsewhere there is nothing to ask."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim  # the process's own symbols: glibc's
    except (OSError, AttributeError, TypeError):  # not glibc, or no such lookup on this system
        return None
    return trim
