"""Comments pinned to a moment of a replay, and collections of replays: what a valid one is, and how two
versions of one are merged. The desktop cache, the sync and the replay API server all use these rules.

A record is a comment or a collection with an id that never changes, a header that never changes
(author, creation time, and for a comment its replay) and *fields* that may be edited: a comment's `text`
and `at_ms` (the moment, in milliseconds from the replay's start); a collection's `name` and one field per
replay in it, `entry:<replay id>`, holding `{"order": n, "start_ms": ms or null}` or null once removed.

Every field carries the stamp of its last edit: `[edited epoch ms, by]`, where `by` is the id of the
device (cache) that edited it. **Merging** two versions keeps, field by field, the value with the greater
stamp (the later edit; at the same millisecond the greater device id), so concurrent edits of different
fields both survive and the same field resolves the same way everywhere. **Deletes win**: a record deleted
in either version is deleted in the merge, whatever was edited later. Merging is commutative,
associative and idempotent, so caches and the server converge whatever order changes reach them in.

On the wire (the server's write endpoints and its change feed, a collection's export):
`{"kind", "id", "author", "created_ms", "replay_id" (a comment's; "" for a collection),
  "fields": {name: value}, "stamps": {name: [ms, by]}, "deleted": null or [ms, by]}`.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from replay_core.validate import (
    TIME_MAX_MS,
    TIME_MIN_MS,
    TIME_RULE,
    id_problem,
    replace_lone_surrogates_in_text,
)

COMMENT = "comment"
COLLECTION = "collection"
KINDS = (COMMENT, COLLECTION)
MAX_COMMENT_CHARS = 2_000
MAX_NAME_CHARS = 200
MAX_AUTHOR_CHARS = 200
MAX_ENTRIES = 1_000
# A record on the wire is at most this many bytes of JSON (a full collection is ~120 bytes an entry).
MAX_RECORD_BYTES = 256 << 10
ENTRY_PREFIX = "entry:"
COMMENT_FIELDS = ("text", "at_ms")
# Text may hold line breaks and tabs, no other control character (no NUL: PostgreSQL refuses it).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MAX_MOMENT_MS = 366 * 24 * 3600 * 1000  # no replay is a year long

Stamp = tuple[int, str]


class CollabError(ValueError):
    """A comment or collection that breaks the rules; the message is one line naming the problem."""


@dataclass(frozen=True)
class Entry:
    """A replay in a collection, at its place, with the moment to start it at (ms from its start) or None."""

    replay_id: str
    order: float
    start_ms: int | None


@dataclass(frozen=True)
class Record:
    kind: str
    id: str
    author: str
    created_ms: int
    replay_id: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    stamps: Mapping[str, Stamp] = field(default_factory=dict)
    deleted: Stamp | None = None

    @property
    def is_deleted(self) -> bool:
        return self.deleted is not None

    @property
    def edited_ms(self) -> int:
        """When it was last changed (created, edited or deleted)."""
        times = [stamp[0] for stamp in self.stamps.values()]
        if self.deleted is not None:
            times.append(self.deleted[0])
        return max([self.created_ms, *times])

    # A comment's fields

    @property
    def text(self) -> str:
        return str(self.fields.get("text", ""))

    @property
    def at_ms(self) -> int:
        return int(self.fields.get("at_ms", 0))

    # A collection's fields

    @property
    def name(self) -> str:
        return str(self.fields.get("name", ""))

    def entries(self) -> list[Entry]:
        """The replays in the collection in their order (ties by replay id)."""
        found = [
            Entry(key[len(ENTRY_PREFIX) :], float(value["order"]), value.get("start_ms"))
            for key, value in self.fields.items()
            if key.startswith(ENTRY_PREFIX) and value is not None
        ]
        return sorted(found, key=lambda entry: (entry.order, entry.replay_id))


def new_id() -> str:
    return uuid.uuid4().hex


def new_comment(
    replay_id: str, author: str, at_ms: int, text: str, now_ms: int, by: str, record_id: str | None = None
) -> Record:
    record = Record(
        COMMENT,
        record_id or new_id(),
        author,
        now_ms,
        replay_id,
        {"text": text, "at_ms": at_ms},
        {"text": (now_ms, by), "at_ms": (now_ms, by)},
    )
    check(record)
    return record


def new_collection(name: str, author: str, now_ms: int, by: str, record_id: str | None = None) -> Record:
    record = Record(
        COLLECTION, record_id or new_id(), author, now_ms, "", {"name": name}, {"name": (now_ms, by)}
    )
    check(record)
    return record


def edited(record: Record, changes: Mapping[str, Any], now_ms: int, by: str) -> Record:
    """`record` with `changes` made now by `by`. Each stamp is later than the field's previous one even
    when this device's clock is behind, so an edit always wins over what the editor saw."""
    fields = dict(record.fields)
    stamps = dict(record.stamps)
    for name, value in changes.items():
        previous = stamps.get(name, (0, ""))[0]
        fields[name] = value
        stamps[name] = (max(now_ms, previous + 1), by)
    changed = replace(record, fields=fields, stamps=stamps)
    check(changed)
    return changed


def deleted(record: Record, now_ms: int, by: str) -> Record:
    if record.deleted is not None:
        return record
    return replace(record, deleted=(max(now_ms, record.edited_ms), by))


def tombstone(kind: str, record_id: str) -> Record:
    """What is known of a record only deleted (the change feed's tombstone carries no data)."""
    return Record(kind, record_id, "", 0, "", {}, {}, (0, ""))


def with_entry(record: Record, replay_id: str, start_ms: int | None, now_ms: int, by: str) -> Record:
    """The collection with `replay_id` added at the end (or moved to the end with a new start moment)."""
    last = max((entry.order for entry in record.entries() if entry.replay_id != replay_id), default=-1.0)
    order = math.floor(last) + 1
    return edited(record, {ENTRY_PREFIX + replay_id: {"order": order, "start_ms": start_ms}}, now_ms, by)


def without_entry(record: Record, replay_id: str, now_ms: int, by: str) -> Record:
    return edited(record, {ENTRY_PREFIX + replay_id: None}, now_ms, by)


def reordered(record: Record, replay_ids: Iterable[str], now_ms: int, by: str) -> Record:
    """The collection's replays in the order given; those not named keep their places after them."""
    current = {entry.replay_id: entry for entry in record.entries()}
    wanted = [replay_id for replay_id in dict.fromkeys(replay_ids) if replay_id in current]
    rest = [replay_id for replay_id in current if replay_id not in wanted]
    changes = {
        ENTRY_PREFIX + replay_id: {"order": index, "start_ms": current[replay_id].start_ms}
        for index, replay_id in enumerate([*wanted, *rest])
    }
    return edited(record, changes, now_ms, by)


def merge(a: Record, b: Record) -> Record:
    """The one version both make: per field the later edit, and deleted if either is deleted."""
    if (a.kind, a.id) != (b.kind, b.id):
        raise CollabError(f"cannot merge {a.kind} {a.id} with {b.kind} {b.id}")
    # A tombstone knows no header; two real headers never differ, but if they did the smaller one is kept
    # so that the merge stays commutative.
    heads = [r for r in (a, b) if r.created_ms] or [a, b]
    head = min(heads, key=lambda r: (r.created_ms, r.author, r.replay_id))
    fields: dict[str, Any] = {}
    stamps: dict[str, Stamp] = {}
    for name in sorted(set(a.stamps) | set(b.stamps)):
        candidates = [
            (r.stamps[name], _canonical(r.fields.get(name)), r.fields.get(name))
            for r in (a, b)
            if name in r.stamps
        ]
        stamp, _, value = max(candidates, key=lambda c: (c[0], c[1]))
        fields[name] = value
        stamps[name] = stamp
    gone = [r.deleted for r in (a, b) if r.deleted is not None]
    return Record(
        a.kind,
        a.id,
        head.author,
        head.created_ms,
        head.replay_id,
        fields,
        stamps,
        max(gone) if gone else None,
    )


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


# Validation


def check(record: Record) -> None:
    """Raise CollabError naming the first rule `record` breaks."""
    problem = record_problem(record)
    if problem:
        raise CollabError(problem)


def record_problem(record: Record) -> str | None:
    if record.kind not in KINDS:
        return f"'kind' must be one of {', '.join(KINDS)}"
    problem = id_problem(record.id, "id")
    if problem:
        return problem
    if record.deleted is not None and not record.created_ms:
        return _stamp_problem(record.deleted, "deleted")  # a tombstone
    problem = _text_problem(record.author, "author", MAX_AUTHOR_CHARS) or _time_problem(
        record.created_ms, "created_ms"
    )
    if problem:
        return problem
    if record.deleted is not None and (problem := _stamp_problem(record.deleted, "deleted")):
        return problem
    if set(record.fields) != set(record.stamps):
        return "'fields' and 'stamps' must name the same fields"
    for name, stamp in record.stamps.items():
        if problem := _stamp_problem(stamp, f"stamps.{name}"):
            return problem
    if record.kind == COMMENT:
        return _comment_problem(record)
    return _collection_problem(record)


def _comment_problem(record: Record) -> str | None:
    problem = id_problem(record.replay_id, "replay_id")
    if problem:
        return problem
    extra = set(record.fields) - set(COMMENT_FIELDS)
    if extra:
        return f"a comment has no field {sorted(extra)[0]!r} (only text and at_ms)"
    missing = set(COMMENT_FIELDS) - set(record.fields)
    if missing:
        return f"a comment needs '{sorted(missing)[0]}'"
    return _text_problem(record.fields["text"], "text", MAX_COMMENT_CHARS) or moment_problem(
        record.fields["at_ms"], "at_ms"
    )


def _collection_problem(record: Record) -> str | None:
    if record.replay_id != "":
        return "a collection has no 'replay_id'"
    if "name" not in record.fields:
        return "a collection needs a 'name'"
    problem = _text_problem(record.fields["name"], "name", MAX_NAME_CHARS, one_line=True)
    if problem:
        return problem
    entries = [name for name in record.fields if name != "name"]
    if len(entries) > MAX_ENTRIES:
        return f"a collection holds at most {MAX_ENTRIES} replays"
    for name in entries:
        if not name.startswith(ENTRY_PREFIX):
            return f"a collection has no field {name[:60]!r} (only name and entry:<replay id>)"
        if problem := id_problem(name[len(ENTRY_PREFIX) :], "replay id of an entry"):
            return problem
        if problem := _entry_problem(record.fields[name], name):
            return problem
    return None


def _entry_problem(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"order", "start_ms"}:
        return f'\'{name[:60]}\' must be null or {{"order": number, "start_ms": ms or null}}'
    order = value["order"]
    if (
        isinstance(order, bool)
        or not isinstance(order, int | float)
        or not math.isfinite(order)
        or abs(order) > 1e9
    ):
        return f"'{name[:60]}.order' must be a number"
    if value["start_ms"] is not None:
        return moment_problem(value["start_ms"], f"{name[:60]}.start_ms")
    return None


def _text_problem(value: Any, what: str, limit: int, one_line: bool = False) -> str | None:
    if not isinstance(value, str):
        return f"'{what}' must be a string"
    if not value.strip():
        return f"'{what}' is empty"
    if len(value) > limit:
        return f"'{what}' is {len(value)} characters; at most {limit}"
    if (one_line and ("\n" in value or "\t" in value)) or _CONTROL.search(value):
        return f"'{what}' holds control characters"
    if replace_lone_surrogates_in_text(value) != value:
        return f"'{what}' is not valid Unicode (a lone surrogate)"
    return None


def moment_problem(value: Any, what: str) -> str | None:
    """A moment in a replay: whole milliseconds from its start, not negative."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"'{what}' must be whole milliseconds"
    if not 0 <= value <= _MAX_MOMENT_MS:
        return f"'{what}' must be from 0 to {_MAX_MOMENT_MS} ms"
    return None


def _time_problem(value: Any, what: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not TIME_MIN_MS <= value < TIME_MAX_MS:
        return f"'{what}' must be epoch milliseconds from {TIME_RULE}"
    return None


def _stamp_problem(value: Any, what: str) -> str | None:
    if not isinstance(value, tuple) or len(value) != 2:
        return f"'{what}' must be [edited ms, device id]"
    if value == (0, ""):  # a tombstone's, from the change feed
        return None
    return _time_problem(value[0], what) or id_problem(value[1], f"{what} device id")


def within_replay(at_ms: int, duration_ms: int, what: str = "the moment") -> str | None:
    """Why a moment is not within a replay `duration_ms` long, or None."""
    if at_ms > duration_ms:
        return f"{what} {at_ms / 1000:g} s is past the replay's end ({duration_ms / 1000:g} s)"
    return None


def parse_seconds(text: str, what: str = "--at") -> int:
    """A moment typed in seconds (`12.5`, or `1:02.5`) as milliseconds; CollabError when it is not one."""
    parts = text.strip().split(":")
    try:
        if len(parts) > 3 or not all(parts):
            raise ValueError(text)
        values = [float(part) for part in parts]
    except ValueError:
        raise CollabError(f"{what} {text[:40]!r} is not a moment in seconds (like 12.5 or 1:02.5)") from None
    seconds = 0.0
    for value in values:
        seconds = seconds * 60 + value
    if not math.isfinite(seconds) or seconds < 0 or any(v < 0 for v in values):
        raise CollabError(f"{what} {text[:40]!r} must be a moment from 0 s on")
    milliseconds = round(seconds * 1000)
    if problem := moment_problem(milliseconds, what):
        raise CollabError(problem)
    return milliseconds


# The wire form


def to_json(record: Record) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "id": record.id,
        "author": record.author,
        "created_ms": record.created_ms,
        "replay_id": record.replay_id,
        "fields": dict(record.fields),
        "stamps": {name: [stamp[0], stamp[1]] for name, stamp in record.stamps.items()},
        "deleted": None if record.deleted is None else [record.deleted[0], record.deleted[1]],
    }


def dumps(record: Record) -> str:
    return json.dumps(to_json(record), ensure_ascii=False, separators=(",", ":"))


_WIRE_KEYS = {"kind", "id", "author", "created_ms", "replay_id", "fields", "stamps", "deleted"}


def from_json(raw: Any, kind: str | None = None) -> Record:
    """A record from its wire form, checked by every rule; CollabError names the first problem."""
    if not isinstance(raw, dict):
        raise CollabError("a comment or collection must be a JSON object")
    extra = set(raw) - _WIRE_KEYS
    if extra:
        raise CollabError(f"unknown member {sorted(extra)[0][:60]!r}")
    if kind is not None and raw.get("kind", kind) != kind:
        raise CollabError(f"'kind' must be {kind!r} here")
    fields = raw.get("fields")
    stamps = raw.get("stamps")
    if not isinstance(fields, dict):
        raise CollabError("'fields' must be an object")
    if not isinstance(stamps, dict):
        raise CollabError("'stamps' must be an object")
    record = Record(
        kind=raw.get("kind", kind),  # type: ignore[arg-type]
        id=raw.get("id"),  # type: ignore[arg-type]
        author=raw.get("author"),  # type: ignore[arg-type]
        created_ms=raw.get("created_ms"),  # type: ignore[arg-type]
        replay_id=raw.get("replay_id", ""),
        fields=fields,
        stamps={str(name): _stamp(value) for name, value in stamps.items()},
        deleted=None if raw.get("deleted") is None else _stamp(raw["deleted"]),
    )
    check(record)
    return record


def _stamp(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 2:
        return (value[0], value[1])
    return value  # refused by the check with the field's name


def loads(text: str | bytes, kind: str | None = None) -> Record:
    if len(text) > MAX_RECORD_BYTES:
        raise CollabError(f"a comment or collection is at most {MAX_RECORD_BYTES} bytes of JSON")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise CollabError("not JSON") from None
    return from_json(raw, kind)
