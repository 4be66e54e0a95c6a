"""Read rrweb recordings from any format we accept, validate them and put them in replay order.

Accepted: a JSON array of events, an object `{"events": [...]}`, NDJSON (one event per line), a
mixpanel-browser `/record/` batch body (a JSON array, usually gzip), a captured `/record/` request
(`{"path": "/record/", "body_b64": ...}`), and gzip of any of these.
"""

from __future__ import annotations

import base64
import gc
import os
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from replay_core.epoch import looks_like_seconds
from replay_core.events import Event, EventType, IncrementalSource
from replay_core.limits import (
    MAX_CONTAINERS_PER_FILE,
    MAX_FILE_BYTES,
    containers_message,
    count_containers,
    regular_file_problem,
)
from replay_core.validate import MAX_EVENT_DEPTH, TIME_MAX_MS, TIME_MIN_MS, json_problem, time_problem

# A recording larger than this once decompressed is refused: it protects against gzip bombs.
MAX_DECOMPRESSED_BYTES = 1 << 30
_GZIP_MAGIC = b"\x1f\x8b"
_INFLATE_STEP = 256 << 10  # compressed bytes fed to zlib at a time
_INFLATE_OUT_STEP = 8 << 20  # inflated bytes taken from zlib at a time
# A Meta's width and height: positive whole pixels, no larger than this.
MAX_VIEWPORT_PX = 100_000
# Events sharing a timestamp are compared pairwise up to this many, hashed beyond it.
_SMALL_GROUP = 8
_TYPES_WITH_DATA = {
    EventType.FULL_SNAPSHOT,
    EventType.INCREMENTAL_SNAPSHOT,
    EventType.META,
    EventType.CUSTOM,
    EventType.PLUGIN,
}


class RecordingError(ValueError):
    """A recording that cannot be played, with a one-line reason a user can act on."""


class RecordingTooLarge(RecordingError):
    """A recording, or its inflated gzip, past the size limit."""


@dataclass
class Recording:
    """Validated rrweb events in replay order, and what was repaired on the way."""

    events: list[Event]
    name: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def start_ts(self) -> float:
        return float(self.events[0]["timestamp"])

    @property
    def end_ts(self) -> float:
        return float(self.events[-1]["timestamp"])

    @property
    def duration_ms(self) -> float:
        return self.end_ts - self.start_ts

    @property
    def viewport(self) -> tuple[int, int]:
        """The recorded viewport of the first page (width, height)."""
        for event in self.events:
            if event["type"] == EventType.META:
                data = event["data"]
                return int(data.get("width") or 1280), int(data.get("height") or 800)
        return 1280, 800

    @property
    def start_url(self) -> str:
        for event in self.events:
            if event["type"] == EventType.META and isinstance(event["data"].get("href"), str):
                return str(event["data"]["href"])
        return ""

    def outline(self) -> RecordingOutline:
        """What is worth keeping of the recording once a player holds its events (issue 11: the app does
        not keep the parsed events of the replay it shows)."""
        return RecordingOutline(self.name, self.start_ts, self.end_ts, self.viewport, page_loads(self.events))


def page_loads(events: Iterable[Event]) -> tuple[tuple[float, str], ...]:
    """The pages `events` load: (time, URL) of each Meta that names one."""
    return tuple(
        (float(e["timestamp"]), str(e["data"]["href"]))
        for e in events
        if e["type"] == EventType.META and isinstance(e["data"].get("href"), str) and e["data"]["href"]
    )


@dataclass(frozen=True)
class RecordingOutline:
    """A recording without its events: its times, first viewport and the pages it loaded (time, URL)."""

    name: str
    start_ts: float
    end_ts: float
    viewport: tuple[int, int]
    pages: tuple[tuple[float, str], ...] = ()

    @property
    def duration_ms(self) -> float:
        return self.end_ts - self.start_ts

    def href_at(self, offset_ms: float) -> str | None:
        """The URL shown `offset_ms` after the first event: the last page loaded by then, or the first
        page when none was loaded yet."""
        until = self.start_ts + offset_ms
        href = self.pages[0][1] if self.pages else None
        for at, url in self.pages:
            if at > until:
                break
            href = url
        return href


def read_recording(path: str | Path, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> Recording:
    """Read and validate the recording in `path`."""
    path = Path(path)
    return parse_recording(read_file(path), name=path.name, max_bytes=max_bytes)


def read_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a recording file, or a RecordingError a user can act on.

    Only a regular file of at most `max_bytes` is read: a FIFO, a device (/dev/zero), a folder or a huge
    (e.g. sparse) file is refused before reading. Opened non-blocking, so a FIFO cannot hang the open."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise RecordingError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RecordingError(f"{path}: is a folder, not a recording file") from None
    except (OSError, ValueError) as exc:
        raise RecordingError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        problem = regular_file_problem(path, os.fstat(fd), max_bytes)
        if problem:
            raise RecordingError(problem)
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise RecordingError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise RecordingError(f"{path}: larger than the {max_bytes:,}-byte limit for a recording file")
    return data


def parse_recording(raw: bytes, name: str = "", max_bytes: int = MAX_DECOMPRESSED_BYTES) -> Recording:
    """Parse the bytes of a recording in any accepted format into a validated Recording."""
    events = parse_events(raw, max_bytes=max_bytes)
    return prepare_events(events, name=name)


def parse_events(raw: bytes, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> list[Event]:
    """Decode the bytes into a list of validated (not yet ordered) events."""
    data = decompress_if_gzip(raw, max_bytes)
    if not data.strip():
        raise RecordingError("the file is empty")
    document, ndjson_lines = _load_json(data)
    if ndjson_lines is not None:
        validate_events(ndjson_lines)  # each line's shape is checked; this adds nesting and number bounds
        return ndjson_lines
    return _events_from_document(document, max_bytes)


def decompress_if_gzip(
    raw: bytes, max_bytes: int = MAX_DECOMPRESSED_BYTES, max_containers: int | None = MAX_CONTAINERS_PER_FILE
) -> bytes:
    """Inflate gzip data (possibly several members) without ever holding more than `max_bytes`; refuse
    data that may hold more than `max_containers` JSON objects and arrays before anything parses it."""
    if not raw.startswith(_GZIP_MAGIC):
        if len(raw) > max_bytes:
            raise RecordingTooLarge(f"the recording is larger than the {_mib(max_bytes)} limit")
        if max_containers is not None and count_containers(raw) > max_containers:
            raise RecordingTooLarge(containers_message(max_containers))
        return raw
    return inflate_gzip(raw, max_bytes, max_containers)[0]


def inflate_gzip(raw: bytes, max_bytes: int, max_containers: int | None = None) -> tuple[bytes, bool]:
    """Inflate every gzip member of `raw` in bounded steps; also says whether it was one clean member.

    RecordingTooLarge past `max_bytes` (a gzip bomb) or, when given, as soon as the text may hold more than
    `max_containers` JSON objects and arrays; RecordingError for corrupt, truncated or trailing data.
    """
    out = bytearray()
    rest = raw
    members = 0
    counted = [0]
    while rest.startswith(_GZIP_MAGIC):
        rest = _inflate_member(rest, out, max_bytes, max_containers, counted)
        members += 1
    if rest.strip(b"\x00"):
        raise RecordingError("the gzip data has trailing bytes that are not gzip")
    return bytes(out), members == 1 and not rest


def _inflate_member(
    data: bytes,
    out: bytearray,
    max_bytes: int,
    max_containers: int | None = None,
    counted: list[int] | None = None,
) -> bytes:
    """Append one gzip member of `data` to `out`, never past `max_bytes`, nor past `max_containers` objects
    and arrays (`counted[0]` carries the count across members); return the bytes after it."""
    inflater = zlib.decompressobj(wbits=31)
    view = memoryview(data)
    position = 0
    counted = [0] if counted is None else counted
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                piece: bytes | memoryview = inflater.unconsumed_tail
            elif position < len(view):
                piece = view[position : position + _INFLATE_STEP]
                position += len(piece)
            else:
                piece = b""  # all input given: what zlib still holds, if anything
            # max_length is at least 1 here: 0 would mean "no limit" to zlib.
            chunk = inflater.decompress(piece, min(_INFLATE_OUT_STEP, max_bytes + 1 - len(out)))
            if not chunk and not piece:
                break
            out += chunk
            if len(out) > max_bytes:
                raise RecordingTooLarge(f"the recording inflates past the {_mib(max_bytes)} limit")
            if max_containers is not None:
                counted[0] += count_containers(chunk)
                if counted[0] > max_containers:
                    raise RecordingTooLarge(containers_message(max_containers))
    except zlib.error as exc:
        raise RecordingError(f"corrupt gzip data ({exc})") from None
    if not inflater.eof:
        raise RecordingError("truncated gzip data: the compressed stream ends early")
    return inflater.unused_data + bytes(view[position:])


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.0f} MiB" if n >= 1 << 20 else f"{n}-byte"


def _load_json(data: bytes) -> tuple[Any, list[Event] | None]:
    """Parse a JSON document, or NDJSON when the text is one event per line."""
    try:
        with collector_paused():
            return orjson.loads(data), None
    except orjson.JSONDecodeError as exc:
        if "UTF-8" in str(exc):
            raise RecordingError("not a recording: the file is neither JSON nor gzip") from None
        first_line = data.lstrip().split(b"\n", 1)[0]
        if _is_json_object(first_line):
            return None, _parse_ndjson(data)
        raise RecordingError(f"not valid JSON: {exc}") from None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Parsing makes a great many small objects; the cyclic collector would scan them over and over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def _parse_ndjson(data: bytes) -> list[Event]:
    events: list[Event] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise RecordingError(f"line {number}: not valid JSON ({exc})") from None
        problem = event_problem(event)
        if problem:
            raise RecordingError(f"line {number}: {problem}")
        events.append(event)
    return events


def _events_from_document(document: Any, max_bytes: int) -> list[Event]:
    if isinstance(document, dict) and "body_b64" in document:
        return parse_events(captured_record_body(document), max_bytes)
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        document = document["events"]
    if isinstance(document, dict) and "type" in document and "timestamp" in document:
        document = [document]
    if not isinstance(document, list):
        raise RecordingError('not a recording: expected a JSON array of rrweb events or {"events": [...]}')
    validate_events(document)
    return document


def captured_record_body(request: dict[str, Any]) -> bytes:
    """The raw body of a captured mixpanel-browser `/record/` request."""
    path = str(request.get("path") or request.get("target") or "")
    if not path.startswith("/record"):
        raise RecordingError(f"a captured request to {path or 'an unknown path'}, not to /record/")
    try:
        return base64.b64decode(str(request["body_b64"]), validate=True)
    except ValueError:
        raise RecordingError("a captured /record/ request whose body_b64 is not base64") from None


def validate_events(events: list[Any]) -> None:
    """Raise RecordingError naming the first event that is not a well-formed rrweb event, or that could not
    be stored and read back (nested deeper than MAX_EVENT_DEPTH, a number outside 64 bits)."""
    for index, event in enumerate(events):
        if not _plainly_valid(event):
            problem = event_problem(event)
            if problem:
                raise RecordingError(f"event {index}: {problem}")
    # The whole list at once in C; only a refusal looks for the event to name.
    if json_problem(events, MAX_EVENT_DEPTH + 1) is not None:
        for index, event in enumerate(events):
            problem = json_problem(event, MAX_EVENT_DEPTH)
            if problem:
                raise RecordingError(f"event {index}: {problem}")


# Incremental sources whose data the player and the cache read no further than `source`.
_PLAIN_SOURCES = frozenset(int(s) for s in IncrementalSource) - {
    IncrementalSource.MUTATION,
    IncrementalSource.MOUSE_INTERACTION,
}


def _plainly_valid(event: Any) -> bool:
    """The common shapes, checked inline: a recording is tens of thousands of these (event_problem decides
    every other case and words the error)."""
    if type(event) is not dict:
        return False
    kind, data = event.get("type"), event.get("data")
    stamp: Any = event.get("timestamp")
    if type(kind) is not int or type(stamp) not in (int, float):
        return False
    if not TIME_MIN_MS <= stamp < TIME_MAX_MS:  # NaN fails this too
        return False
    if kind == EventType.INCREMENTAL_SNAPSHOT:
        if type(data) is not dict:
            return False
        source = data.get("source")
        if source == IncrementalSource.MUTATION:
            return _plain_mutation(data)
        # Mouse interactions and unknown sources are checked in full by event_problem.
        return type(source) is int and source in _PLAIN_SOURCES
    if kind in (EventType.CUSTOM, EventType.PLUGIN):
        return type(data) is dict
    return kind in (EventType.DOM_CONTENT_LOADED, EventType.LOAD, EventType.ASSET)


def _plain_mutation(data: dict[str, Any]) -> bool:
    """A Mutation in its common shape: lists of objects, each added node one node without children."""
    adds = data.get("adds", ())
    if type(adds) is not list and adds != ():
        return False
    for add in adds:
        node = add.get("node") if type(add) is dict else None
        if type(node) is not dict or type(node.get("type")) is not int or node.get("childNodes", ()) != ():
            return False
    for key in ("removes", "texts", "attributes"):
        items = data.get(key, ())
        if type(items) is not list and items != ():
            return False
        for item in items:
            if type(item) is not dict:
                return False
    return True


def event_problem(event: Any) -> str | None:
    """Why `event` is not a well-formed rrweb event, or None when it is."""
    if not isinstance(event, dict):
        return f"expected an object, got {type(event).__name__}"
    kind = event.get("type")
    if isinstance(kind, bool) or not isinstance(kind, int):
        return "'type' is missing or not an integer"
    if kind not in EventType._value2member_map_:
        return f"unknown event type {kind}"
    stamp = event.get("timestamp")
    problem = time_problem(stamp, "timestamp")
    if problem:
        # Compared, not converted: math.isfinite of a 401-digit integer is an OverflowError.
        if isinstance(stamp, (int, float)) and stamp > 0 and looks_like_seconds(stamp):
            return (
                f"timestamps look like seconds, not milliseconds ('timestamp' is {stamp}); "
                "rrweb records epoch milliseconds"
            )
        return problem
    data = event.get("data")
    if kind in _TYPES_WITH_DATA and not isinstance(data, dict):
        return f"type {kind} needs a 'data' object"
    if kind == EventType.FULL_SNAPSHOT:
        return node_problem(data.get("node"), "FullSnapshot")  # type: ignore[union-attr]
    if kind == EventType.META:
        return _meta_problem(data)  # type: ignore[arg-type]
    if kind == EventType.INCREMENTAL_SNAPSHOT:
        return _incremental_problem(data)  # type: ignore[arg-type]
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _meta_problem(data: dict[str, Any]) -> str | None:
    """A Meta's viewport, when given, is positive whole pixels (the player sizes its frame by it)."""
    for key in ("width", "height"):
        if key in data:
            value = data[key]
            if not _is_int(value) or not 0 < value <= MAX_VIEWPORT_PX:
                return f"Meta '{key}' must be a whole number of pixels from 1 to {MAX_VIEWPORT_PX}"
    if "href" in data and not isinstance(data["href"], str):
        return "Meta 'href' must be a string"
    return None


def _incremental_problem(data: dict[str, Any]) -> str | None:
    source = data.get("source")
    if not _is_int(source):
        return "IncrementalSnapshot without an integer 'source'"
    if source == IncrementalSource.MOUSE_INTERACTION and not _is_int(data.get("type")):
        return "MouseInteraction without an integer 'type'"
    if source == IncrementalSource.MUTATION:
        for key in ("adds", "removes", "texts", "attributes"):
            if key in data and not isinstance(data[key], list):
                return f"Mutation '{key}' must be a list"
        for add in data.get("adds", ()):
            node = add.get("node") if type(add) is dict else None
            # rrweb adds one node at a time: the common shape is checked inline, a subtree walked.
            if type(node) is dict and type(node.get("type")) is int and "childNodes" not in node:
                continue
            if not isinstance(add, dict):
                return "a Mutation add must be an object"
            problem = node_problem(node, "a Mutation add")
            if problem:
                return problem
        for key in ("removes", "texts", "attributes"):
            for item in data.get(key, ()):
                if type(item) is not dict:
                    return f"every Mutation '{key}' item must be an object"
    return None


def node_problem(node: Any, where: str) -> str | None:
    """Why a serialized DOM tree is not one the player can build, or None: every node an object with an
    integer 'type', its 'childNodes' (when present) a list (iterative: trees may be deep)."""
    if not isinstance(node, dict):
        return f"{where} without a 'node' object"
    stack = [node]
    while stack:
        current = stack.pop()
        if not isinstance(current, dict):
            return f"{where}: a node that is not an object"
        if not _is_int(current.get("type")):
            return f"{where}: a node without an integer 'type'"
        children = current.get("childNodes")
        if children is None:
            continue
        if not isinstance(children, list):
            return f"{where}: a node whose 'childNodes' is not a list"
        stack.extend(children)
    return None


def prepare_events(events: list[Event], name: str = "", still_recording: bool = False) -> Recording:
    """Order validated events for replay: sort by time, drop exact duplicates and orphan Metas.

    `still_recording`: a replay that more batches may extend (the cache's): a Meta at its very end is
    kept, since its FullSnapshot may come in the next batch (`without_pending_meta` leaves it out of
    what the player is given until then)."""
    if not events:
        raise RecordingError("the recording holds no events")
    ordered = sorted(events, key=_timestamp)
    _check_milliseconds(ordered[-1]["timestamp"])
    ordered = _drop_duplicates(ordered)
    warnings: list[str] = []
    ordered = _drop_orphan_metas(ordered, warnings, keep_last=still_recording)
    if not any(e["type"] == EventType.FULL_SNAPSHOT for e in ordered):
        raise RecordingError("no FullSnapshot (type 2) event: there is no page to show")
    return Recording(events=ordered, name=name, warnings=warnings)


def prepare_appended(events: list[Event], after_ts: float) -> list[Event] | None:
    """Events that extend a prepared replay still recording whose last event is at `after_ts`, prepared
    as `prepare_events(..., still_recording=True)` of the whole would leave them (ordered, without
    duplicates or orphan Metas); None when one is not later than `after_ts`: the whole must be prepared
    again."""
    if not events:
        return []
    ordered = sorted(events, key=_timestamp)
    if not ordered[0]["timestamp"] > after_ts:
        return None
    _check_milliseconds(ordered[-1]["timestamp"])
    return _drop_orphan_metas(_drop_duplicates(ordered), [], keep_last=True)


def without_pending_meta(events: list[Event], read_before: bool = False) -> list[Event]:
    """A replay still recording as the player is given it: without a Meta at its very end, whose page
    has not come yet (rrweb's seek past a Meta starts from it, and with no FullSnapshot after it shows
    no page). `read_before`: `events` are the end of a replay whose earlier events were read before,
    so a Meta alone is pending too."""
    pending = bool(events) and events[-1]["type"] == EventType.META and (read_before or len(events) > 1)
    return events[:-1] if pending else events


def _timestamp(event: Event) -> float:
    stamp: float = event["timestamp"]
    return stamp


def _check_milliseconds(latest: float) -> None:
    if looks_like_seconds(latest):
        raise RecordingError(
            f"timestamps look like seconds, not milliseconds (latest is {latest}); "
            "rrweb records epoch milliseconds"
        )


def _drop_duplicates(ordered: list[Event]) -> list[Event]:
    """Remove events equal to an earlier one; equal events share a timestamp, so compare within it."""
    kept: list[Event] = []
    count = len(ordered)
    index = 0
    while index < count:
        stamp = ordered[index]["timestamp"]
        end = index + 1
        while end < count and ordered[end]["timestamp"] == stamp:
            end += 1
        if end - index == 1:
            kept.append(ordered[index])
        else:
            kept.extend(_distinct(ordered[index:end]))
        index = end
    return kept


def _distinct(group: list[Event]) -> list[Event]:
    if len(group) <= _SMALL_GROUP:
        return [event for position, event in enumerate(group) if event not in group[:position]]
    seen: set[bytes] = set()
    distinct = []
    for event in group:
        key = orjson.dumps(event, option=orjson.OPT_SORT_KEYS)
        if key not in seen:
            seen.add(key)
            distinct.append(event)
    return distinct


def _drop_orphan_metas(ordered: list[Event], warnings: list[str], keep_last: bool = False) -> list[Event]:
    """rrweb's Replayer restarts seeks from a Meta not followed by a FullSnapshot and loses state.
    `keep_last`: a Meta that is the last event is not an orphan yet (a replay still recording)."""
    last = len(ordered) - 1
    orphans = {
        index
        for index, event in enumerate(ordered)
        if event["type"] == EventType.META
        and (ordered[index + 1]["type"] != EventType.FULL_SNAPSHOT if index < last else not keep_last)
    }
    for index in sorted(orphans):
        warnings.append(f"dropped a Meta event at {ordered[index]['timestamp']} with no FullSnapshot after it")
    return [event for index, event in enumerate(ordered) if index not in orphans] if orphans else ordered
