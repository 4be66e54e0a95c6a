"""The rrweb 2.x event vocabulary: event types, incremental sources, mouse interactions."""

from __future__ import annotations

import json
from enum import IntEnum
from typing import Any

import orjson

Event = dict[str, Any]


class EventType(IntEnum):
    DOM_CONTENT_LOADED = 0
    LOAD = 1
    FULL_SNAPSHOT = 2
    INCREMENTAL_SNAPSHOT = 3
    META = 4
    CUSTOM = 5
    PLUGIN = 6
    ASSET = 7


class IncrementalSource(IntEnum):
    MUTATION = 0
    MOUSE_MOVE = 1
    MOUSE_INTERACTION = 2
    SCROLL = 3
    VIEWPORT_RESIZE = 4
    INPUT = 5
    TOUCH_MOVE = 6
    MEDIA_INTERACTION = 7
    STYLE_SHEET_RULE = 8
    CANVAS_MUTATION = 9
    FONT = 10
    LOG = 11
    DRAG = 12
    STYLE_DECLARATION = 13
    SELECTION = 14
    ADOPTED_STYLE_SHEET = 15
    CUSTOM_ELEMENT = 16


class MouseInteraction(IntEnum):
    MOUSE_UP = 0
    MOUSE_DOWN = 1
    CLICK = 2
    CONTEXT_MENU = 3
    DBL_CLICK = 4
    FOCUS = 5
    BLUR = 6
    TOUCH_START = 7
    TOUCH_END = 9
    TOUCH_CANCEL = 10


def incremental_source(event: Event) -> int | None:
    """The incremental source of an IncrementalSnapshot event, else None."""
    if event["type"] != EventType.INCREMENTAL_SNAPSHOT:
        return None
    source = event["data"].get("source")
    return source if isinstance(source, int) else None


def events_json(value: Any) -> bytes:
    """Events (one, or a list) as compact JSON: orjson (several times the standard library's speed: the
    app serialises a 2-hour recording's 58 MB as the page loads it), or the standard library for what
    orjson refuses (integers beyond 64 bits, which the standard library reads and writes)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":")).encode("utf-8")

