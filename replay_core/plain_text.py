"""Untrusted recorded values as bounded plain text: what the activity timeline shows of a page's data.

A console argument may be 10 MB, nested as deep as the reader lets an event be, or full of HTML and
terminal escapes. Everything shown is cut to a number of characters, nested containers are written
out at most `MAX_PROPERTY_DEPTH` levels deep (the limit `replay_core.validate` sets for properties),
and control characters other than newline and tab are dropped. The result is text to show as text:
nothing here is markup, and a consumer must never render it as rich text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from replay_core.validate import MAX_PROPERTY_DEPTH, replace_lone_surrogates_in_text

SUMMARY_CHARS = 200  # a one-line summary
VALUE_CHARS = 4_000  # one console argument, one property value, one URL in the details
DETAILS_CHARS = 20_000  # an entry's whole details text
ELLIPSIS = "…"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s+")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, an ellipsis marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS


def clean(text: str, limit: int) -> str:
    """Multi-line plain text: clipped first (a 10 MB value is never scanned whole), control characters
    other than newline and tab removed, lone surrogates replaced."""
    return replace_lone_surrogates_in_text(_CONTROL.sub("", clip(text, limit)))


def one_line(text: str, limit: int = SUMMARY_CHARS) -> str:
    """One line of plain text: whitespace runs (newlines too) become one space."""
    head = clip(text, limit * 4)  # enough to fill a line after whitespace collapses
    return clip(_WHITESPACE.sub(" ", clean(head, len(head))).strip(), limit)


def render(value: Any, limit: int = VALUE_CHARS) -> str:
    """A decoded JSON value as compact text: strings as they are, containers written as JSON no deeper
    than MAX_PROPERTY_DEPTH, stopping once `limit` characters are written."""
    if isinstance(value, str):
        return clean(value, limit)
    parts: list[str] = []
    _write(value, parts, [limit], 0)
    return clean("".join(parts), limit)


def _write(value: Any, parts: list[str], budget: list[int], depth: int) -> None:
    if budget[0] <= 0:
        return
    if isinstance(value, dict | list) and depth >= MAX_PROPERTY_DEPTH:
        _emit("…", parts, budget)
    elif isinstance(value, dict):
        _emit("{", parts, budget)
        for index, (key, item) in enumerate(value.items()):
            if budget[0] <= 0:
                return
            _emit((", " if index else "") + _scalar(str(key), budget[0]) + ": ", parts, budget)
            _write(item, parts, budget, depth + 1)
        _emit("}", parts, budget)
    elif isinstance(value, list):
        _emit("[", parts, budget)
        for index, item in enumerate(value):
            if budget[0] <= 0:
                return
            if index:
                _emit(", ", parts, budget)
            _write(item, parts, budget, depth + 1)
        _emit("]", parts, budget)
    else:
        _emit(_scalar(value, budget[0]), parts, budget)


def _scalar(value: Any, limit: int) -> str:
    if isinstance(value, str):
        return json.dumps(clip(value, limit), ensure_ascii=False)
    return json.dumps(value) if value is None or isinstance(value, bool | int | float) else clip(str(value), limit)


def _emit(text: str, parts: list[str], budget: list[int]) -> None:
    parts.append(text[: budget[0]])
    budget[0] -= len(text)


def console_argument(recorded: Any, limit: int = VALUE_CHARS) -> str:
    """One console argument as rrweb's console plugin recorded it: a JSON text (a string argument
    arrives quoted: `"\\"cart: 3 items\\""`), shown unquoted when it is a JSON string, else as recorded."""
    if isinstance(recorded, str) and len(recorded) >= 2 and recorded[0] == recorded[-1] == '"':
        head = recorded if len(recorded) <= limit * 2 else recorded[: limit * 2] + '"'
        try:
            decoded = json.loads(head)
        except ValueError:
            decoded = None
        if isinstance(decoded, str):
            return clean(decoded, limit)
    return render(recorded, limit)
