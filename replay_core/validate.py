"""What may cross the edge into storage: the one definition of an id, a time, a bounded JSON value and
clean text, used by the reader, the ingest rules, the replay API server and the desktop importer.

- **Ids** (`replay_id`, an `/engage/` `$distinct_id` that becomes `/api/v1/users/<id>`, an `$insert_id`)
  are opaque strings matching `ID_PATTERN`: 1 to `ID_MAX_LENGTH` (200) characters, none of them
  whitespace, a control character (C0, DEL, C1), a lone surrogate, `/` or `\\`; and not `.` or `..`.
  Clients still quote every path segment; the pattern is what makes an id safe to store at all.
- **Times** are epoch milliseconds, finite, with `TIME_MIN_MS` <= t < `TIME_MAX_MS`
  (2000-01-01 to 2100-01-01 UTC): rrweb timestamps, `/track/` `time`, `replay_start_time`. A time
  outside is refused before it is converted or stored (SQLite holds no integer >= 2^63, dates past the
  year 9999 break every listing).
- **Nesting** is bounded: an rrweb event at most `MAX_EVENT_DEPTH` (200) JSON levels (a DOM node
  takes two: the node and its `childNodes`; real recordings stay under 30), analytics properties and
  profile values at most `MAX_PROPERTY_DEPTH` (100). Both are under the 254 levels orjson, which the
  cache and the sync client use, can write.
- **Numbers** in stored JSON fit in 64 bits (orjson refuses larger integers) and are finite.
- **Text** is valid Unicode: lone surrogates (which JSON escapes can carry, but UTF-8 cannot) are
  replaced by `?` before anything is stored.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

ID_MAX_LENGTH = 200
_ID_CHARACTER = r"[^\s\x00-\x1f\x7f-\x9f/\\\ud800-\udfff]"
ID_PATTERN = re.compile(rf"(?!\.\.?\Z){_ID_CHARACTER}{{1,{ID_MAX_LENGTH}}}\Z")
ID_RULE = f"1-{ID_MAX_LENGTH} characters, no whitespace, control characters, '/' or '\\', not '.' or '..'"

TIME_MIN_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
TIME_MAX_MS = 4_102_444_800_000  # 2100-01-01T00:00:00Z
TIME_RULE = "2000-01-01 to 2100-01-01"

MAX_EVENT_DEPTH = 200
MAX_PROPERTY_DEPTH = 100
# orjson writes at most this many nested containers; deeper is a "Recursion limit reached" error.
_ORJSON_MAX_DEPTH = 254

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A JSON escape of a surrogate: the only way JSON text decoded from UTF-8 can hold a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89abcdefABCDEF]")


def id_problem(value: Any, what: str) -> str | None:
    """Why `value` is not a valid id, or None."""
    if not isinstance(value, str) or not value:
        return f"'{what}' must be a non-empty string"
    if not ID_PATTERN.match(value):
        return f"'{what}' must be {ID_RULE}"
    return None


def is_valid_id(value: Any) -> bool:
    return isinstance(value, str) and ID_PATTERN.match(value) is not None


def in_time_range(value: Any) -> bool:
    """Whether `value` is a number of epoch milliseconds inside the accepted range (NaN and infinities,
    huge integers and booleans are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return TIME_MIN_MS <= value < TIME_MAX_MS


def time_problem(value: Any, what: str) -> str | None:
    """Why `value` is not an accepted epoch-millisecond time, or None."""
    if in_time_range(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"'{what}' is missing or not a number"
    return f"'{what}' {short_number(value)} is not a time from {TIME_RULE} in epoch milliseconds"


def short_number(value: float) -> str:
    """A number for a one-line message: a 401-digit integer is not printed whole."""
    if isinstance(value, int) and abs(value) >= 10**20:
        return f"(an integer of {len(str(abs(value)))} digits)"
    return repr(value)


def json_problem(value: Any, max_depth: int) -> str | None:
    """Why `value` (decoded JSON) cannot be stored and read back, or None: nested deeper than
    `max_depth`, an integer outside 64 bits, or text with a lone surrogate.

    Written by orjson in C, wrapped so that its own depth limit falls at `max_depth`."""
    wrapped = value
    for _ in range(_ORJSON_MAX_DEPTH - max_depth):
        wrapped = [wrapped]
    try:
        orjson.dumps(wrapped)
    except orjson.JSONEncodeError as exc:
        message = str(exc)
        if "Recursion" in message:
            return f"nested deeper than {max_depth} levels"
        if "64-bit" in message:
            return "a number outside the 64-bit integer range"
        if "surrogates" in message or "UTF-8" in message:
            return "text that is not valid Unicode (a lone surrogate)"
        return f"a value that cannot be stored ({message})"
    return None


def may_hold_lone_surrogates(json_text: bytes | str) -> bool:
    """Whether JSON text escapes a surrogate (a cheap scan: decoded UTF-8 holds none otherwise)."""
    if isinstance(json_text, bytes):
        return _SURROGATE_ESCAPE_BYTES.search(json_text) is not None
    return _SURROGATE_ESCAPE.search(json_text) is not None


def replace_lone_surrogates_in_text(text: str) -> str:
    """Text with every lone surrogate replaced by '?'."""
    return _LONE_SURROGATE.sub("?", text)


def replace_lone_surrogates(value: Any) -> Any:
    """Decoded JSON with every lone surrogate in its strings and keys replaced by '?', in place where it
    can be (iterative: the value may be nested deeper than Python's recursion limit)."""
    if isinstance(value, str):
        return replace_lone_surrogates_in_text(value)
    stack = [value]
    while stack:
        container = stack.pop()
        if isinstance(container, dict):
            items = list(container.items())
            container.clear()
            for key, item in items:
                if isinstance(item, str):
                    item = replace_lone_surrogates_in_text(item)
                elif isinstance(item, (dict, list)):
                    stack.append(item)
                container[replace_lone_surrogates_in_text(key)] = item
        elif isinstance(container, list):
            for index, item in enumerate(container):
                if isinstance(item, str):
                    container[index] = replace_lone_surrogates_in_text(item)
                elif isinstance(item, (dict, list)):
                    stack.append(item)
    return value
