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
    follower = MarkerFollower(float(events[0]["timestamp"]))
    for event in events:
        follower.add(event)
    return follower.found


class MarkerFollower:
    """`markers_for` one event at a time, for a replay that grows."""

    def __init__(self, origin: float) -> None:
        self.origin = origin
        self.found: list[Marker] = []
        self.counts: dict[MarkerKind, int] = {}
        self.last_href: str | None = None
        self.last_input: tuple[Any, float] | None = None

    def _mark(self, marker: Marker) -> None:
        self.found.append(marker)
        self.counts[marker.kind] = self.counts.get(marker.kind, 0) + 1

    def add(self, event: Event) -> None:
        at = float(event["timestamp"]) - self.origin
        kind = event["type"]
        data = event.get("data") or {}
        if kind == EventType.META:
            href = str(data.get("href") or "")
            if href != self.last_href:
                label = ("Page load: " if self.last_href is None else "Page: ") + href
                self._mark(Marker(at, MarkerKind.PAGE, _short(label)))
                self.last_href = href
        elif kind == EventType.CUSTOM:
            self._mark(_custom_marker(at, data))
        elif kind == EventType.PLUGIN:
            error = _console_error(data.get("plugin"), data.get("payload"))
            if error is not None:
                self._mark(Marker(at, MarkerKind.ERROR, _short("Console error: " + error)))
        elif kind == EventType.INCREMENTAL_SNAPSHOT:
            source = data.get("source")
            if source == IncrementalSource.MOUSE_INTERACTION:
                click = _click_label(data.get("type"))
                if click:
                    self._mark(Marker(at, MarkerKind.CLICK, click))
            elif source == IncrementalSource.INPUT:
                field_id = data.get("id")
                last = self.last_input
                if last is None or last[0] != field_id or at - last[1] > INPUT_MERGE_MS:
                    self._mark(Marker(at, MarkerKind.INPUT, _input_label(data)))
                self.last_input = (field_id, at)
            elif source == IncrementalSource.LOG:
                error = _console_error(CONSOLE_PLUGIN, data)
                if error is not None:
                    self._mark(Marker(at, MarkerKind.ERROR, _short("Console error: " + error)))


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
