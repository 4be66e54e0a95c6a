"""Timeline markers: clicks, page loads and URL changes, inputs, custom events, console errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from replay_core.events import Event, EventType, IncrementalSource, MouseInteraction

# Keystrokes into the same field closer together than this make one input marker.
INPUT_MERGE_MS = 3000.0
CONSOLE_PLUGIN = "rrweb/console@1"
# What an error is, for the markers, the summary's error count and the activity timeline alike: a console
# message at one of these levels, or a Custom event with one of these tags.
CONSOLE_ERROR_LEVELS = frozenset({"error", "assert"})
ERROR_TAGS = frozenset({"error", "exception"})
_LABEL_LIMIT = 120


class MarkerKind(StrEnum):
    CLICK = "click"
    PAGE = "page"
    INPUT = "input"
    CUSTOM = "custom"
    ERROR = "error"
    FRUSTRATION = "frustration"  # a rage, dead or error click (replay_core.frustration), from the activity timeline
    COMMENT = "comment"  # a teammate's comment at this moment (replay_core.collab), from the cache


@dataclass(frozen=True)
class Marker:
    """A moment worth jumping to, in ms from the recording's start."""

    at_ms: float
    kind: MarkerKind
    label: str


def markers_for(events: Sequence[Event]) -> list[Marker]:
    """Markers for events in time order."""
    if not events:
        return []
    origin = float(events[0]["timestamp"])
    found: list[Marker] = []
    last_href: str | None = None
    last_input: tuple[Any, float] | None = None
    for event in events:
        at = float(event["timestamp"]) - origin
        kind = event["type"]
        data = event.get("data") or {}
        if kind == EventType.META:
            href = str(data.get("href") or "")
            if href != last_href:
                found.append(
                    Marker(
                        at, MarkerKind.PAGE, _short(("Page load: " if last_href is None else "Page: ") + href)
                    )
                )
                last_href = href
        elif kind == EventType.CUSTOM:
            found.append(_custom_marker(at, data))
        elif kind == EventType.PLUGIN:
            error = _console_error(data.get("plugin"), data.get("payload"))
            if error is not None:
                found.append(Marker(at, MarkerKind.ERROR, _short("Console error: " + error)))
        elif kind == EventType.INCREMENTAL_SNAPSHOT:
            source = data.get("source")
            if source == IncrementalSource.MOUSE_INTERACTION:
                click = _click_label(data.get("type"))
                if click:
                    found.append(Marker(at, MarkerKind.CLICK, click))
            elif source == IncrementalSource.INPUT:
                field_id = data.get("id")
                if last_input is None or last_input[0] != field_id or at - last_input[1] > INPUT_MERGE_MS:
                    found.append(Marker(at, MarkerKind.INPUT, _input_label(data)))
                last_input = (field_id, at)
            elif source == IncrementalSource.LOG:
                error = _console_error(CONSOLE_PLUGIN, data)
                if error is not None:
                    found.append(Marker(at, MarkerKind.ERROR, _short("Console error: " + error)))
    return found


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_LIMIT else text[: _LABEL_LIMIT - 1] + "…"


def _click_label(interaction: Any) -> str | None:
    if interaction == MouseInteraction.CLICK:
        return "Click"
    if interaction == MouseInteraction.DBL_CLICK:
        return "Double-click"
    if interaction == MouseInteraction.CONTEXT_MENU:
        return "Right-click"
    return None


def _input_label(data: dict[str, Any]) -> str:
    if "isChecked" in data and not isinstance(data.get("text"), str):
        return "Checked" if data["isChecked"] else "Unchecked"
    if isinstance(data.get("isChecked"), bool) and data.get("text") in ("on", ""):
        return "Checked" if data["isChecked"] else "Unchecked"
    return "Input"


def _custom_marker(at: float, data: dict[str, Any]) -> Marker:
    tag = str(data.get("tag") or "custom event")
    if tag.lower() in ERROR_TAGS:
        return Marker(at, MarkerKind.ERROR, _short(f"Error: {_payload_text(data.get('payload'))}"))
    return Marker(at, MarkerKind.CUSTOM, _short(tag))


def _console_error(plugin: Any, payload: Any) -> str | None:
    if (
        plugin != CONSOLE_PLUGIN
        or not isinstance(payload, dict)
        or payload.get("level") not in CONSOLE_ERROR_LEVELS
    ):
        return None
    return _payload_text(payload.get("payload"))


def _payload_text(payload: Any) -> str:
    if isinstance(payload, list):
        return " ".join(str(part).strip('"') for part in payload)
    if isinstance(payload, dict):
        return str(payload.get("message") or payload.get("value") or payload)
    return str(payload or "")
