"""The first page of a recording, read from the head of the file before the rest is parsed (no Qt).

A long recording is megabytes of JSON; the player can show its first page as soon as the first
FullSnapshot and a few events after it are decoded. Anything unusual returns None, and the caller
waits for the whole, validated recording instead.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence

import orjson

from replay_core.events import Event, EventType
from replay_core.reader import Recording, RecordingError, prepare_events, validate_events

PREVIEW_EXTRA_EVENTS = 50
HEAD_SIZES = (256 << 10, 2 << 20, 8 << 20)  # bytes of the file's head to look at, in turn
# A plain file this small is parsed whole, with orjson (a 1 MB first page: 55 -> 35 ms).
WHOLE_FILE_BYTES = 2 << 20
_WHITESPACE = " \t\r\n"
_decoder = json.JSONDecoder()


def read_preview(raw: bytes, name: str = "", extra: int = PREVIEW_EXTRA_EVENTS) -> Recording | None:
    """Events up to the first FullSnapshot and `extra` more, decoded from the head of `raw`."""
    events = None
    whole = len(raw) <= WHOLE_FILE_BYTES and not raw.startswith(b"\x1f\x8b")
    for size in (len(raw),) if whole else HEAD_SIZES:  # most first pages fit in the smallest head
        text = _head_text(raw, size)
        if text is None:
            return None
        try:
            events = _events_in(text, extra, whole)
        except RecursionError:  # nested deeper than json can decode: the full reader says so in one line
            return None
        if events or len(text) < size // 2:
            break
    if not events:
        return None
    try:
        validate_events(events)  # the full reader's bounds too (nesting, 64-bit numbers), not only the shape
        return prepare_events(events, name=name)
    except RecordingError:
        return None


def first_page(events: Sequence[Event], extra: int = PREVIEW_EXTRA_EVENTS) -> list[Event] | None:
    """Of events already read and ordered (a cached replay's first chunk): those up to the first
    FullSnapshot and `extra` more, the same first page `read_preview` decodes from a file; None without one."""
    for index, event in enumerate(events):
        if event.get("type") == EventType.FULL_SNAPSHOT:
            return list(events[: index + 1 + extra])
    return None


def _events_in(text: str, extra: int, whole: bool = False) -> list[Event] | None:
    start = _skip(text, 0)
    if start < len(text) and text[start] == "[":
        if whole:  # the whole file: orjson reads it several times faster than decoding event by event
            return _whole_array_head(text, extra)
        return _array_head(text, start + 1, extra)
    if start < len(text) and text[start] == "{":
        return _lines_head(text, extra)
    return None


def _head_text(raw: bytes, size: int) -> str | None:
    if raw.startswith(b"\x1f\x8b"):
        try:
            raw = zlib.decompressobj(wbits=31).decompress(raw, size)
        except zlib.error:
            return None
    return raw[:size].decode("utf-8", errors="ignore")


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def _whole_array_head(text: str, extra: int) -> list[Event] | None:
    try:
        events = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None  # the full reader says what is wrong, in one line
    head: list[Event] = []
    after_snapshot = -1
    for event in events:
        if after_snapshot >= extra:
            break
        if not isinstance(event, dict):
            return None
        head.append(event)
        after_snapshot = _count_after_snapshot(event, after_snapshot)
    return head if after_snapshot >= 0 else None


def _array_head(text: str, index: int, extra: int) -> list[Event] | None:
    events: list[Event] = []
    after_snapshot = -1
    while after_snapshot < extra:
        index = _skip(text, index)
        if index >= len(text) or text[index] == "]":
            return events if after_snapshot >= 0 else None
        try:
            event, index = _decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            return events if after_snapshot >= 0 else None  # the head ends mid-event
        if not isinstance(event, dict):
            return None  # validate_events checks the rest of every event's shape once, with the bounds
        events.append(event)
        after_snapshot = _count_after_snapshot(event, after_snapshot)
        index = _skip(text, index)
        if index < len(text) and text[index] == ",":
            index += 1
    return events


def _lines_head(text: str, extra: int) -> list[Event] | None:
    events: list[Event] = []
    after_snapshot = -1
    for line in text.split("\n"):
        if after_snapshot >= extra:
            break
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            break
        if not isinstance(event, dict):
            return None  # validate_events checks the rest of every event's shape once, with the bounds
        events.append(event)
        after_snapshot = _count_after_snapshot(event, after_snapshot)
    return events if after_snapshot >= 0 else None


def _count_after_snapshot(event: Event, after_snapshot: int) -> int:
    if after_snapshot >= 0:
        return after_snapshot + 1
    return 0 if event.get("type") == EventType.FULL_SNAPSHOT else -1
