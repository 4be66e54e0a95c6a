"""A typed client for the replay API's query side: the change feed, replay metadata and event downloads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from replay_core.access import is_scope
from replay_core.events import Event
from viewer.sync.transport import ServerError, SyncError, Transport

REPLAY, USER, EVENT = "replay", "user", "event"
UPSERT, DELETE = "upsert", "delete"


@dataclass(frozen=True)
class Change:
    """One entity's latest change; `data` is None for a tombstone (`op == "delete"`)."""

    seq: int
    kind: str
    id: str
    op: str
    at: int
    data: dict[str, Any] | None

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Change:
        data = raw.get("data")
        return cls(
            seq=int(raw["seq"]),
            kind=str(raw["kind"]),
            id=str(raw["id"]),
            op=str(raw["op"]),
            at=int(raw.get("at") or 0),
            data=data if isinstance(data, dict) else None,
        )

    @property
    def is_delete(self) -> bool:
        return self.op == DELETE


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    next_cursor: str
    has_more: bool


@dataclass(frozen=True)
class ReplayInfo:
    """A replay's metadata as the server describes it (times in epoch milliseconds)."""

    id: str
    distinct_id: str
    user_id: str
    start_time: float
    end_time: float
    active_ms: int
    event_count: int
    click_count: int
    input_count: int
    error_count: int
    start_url: str
    batch_count: int
    last_seq: int
    complete: bool
    stored_bytes: int
    updated_at: int
    assets_at: int = 0  # when the server last captured its assets (0: never, or a server that does not)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ReplayInfo:
        def number(name: str) -> int:
            return int(raw.get(name) or 0)

        return cls(
            id=str(raw["id"]),
            distinct_id=str(raw.get("distinct_id") or ""),
            user_id=str(raw.get("user_id") or ""),
            start_time=float(raw["start_time"]),
            end_time=float(raw["end_time"]),
            active_ms=number("active_ms"),
            event_count=number("event_count"),
            click_count=number("click_count"),
            input_count=number("input_count"),
            error_count=number("error_count"),
            start_url=str(raw.get("start_url") or ""),
            batch_count=number("batch_count"),
            last_seq=number("last_seq"),
            complete=bool(raw.get("complete")),
            stored_bytes=number("stored_bytes"),
            updated_at=number("updated_at"),
            assets_at=number("assets_at"),
        )

    @property
    def person(self) -> str:
        """Who recorded it, as the cache names users: the identified user, else the distinct id."""
        return self.user_id or self.distinct_id


@dataclass(frozen=True)
class UserInfo:
    distinct_id: str
    properties: dict[str, Any]

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> UserInfo:
        properties = raw.get("properties")
        return cls(str(raw["distinct_id"]), properties if isinstance(properties, dict) else {})


@dataclass(frozen=True)
class EventInfo:
    insert_id: str
    name: str
    time_ms: float
    distinct_id: str
    replay_id: str
    properties: dict[str, Any]

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> EventInfo:
        properties = raw.get("properties")
        return cls(
            insert_id=str(raw["insert_id"]),
            name=str(raw["name"]),
            time_ms=float(raw["time"]),
            distinct_id=str(raw.get("distinct_id") or ""),
            replay_id=str(raw.get("replay_id") or ""),
            properties=properties if isinstance(properties, dict) else {},
        )


@dataclass(frozen=True)
class EventBatch:
    seq: int
    events: list[Event]


@dataclass
class ReplayDownload:
    """The batches after some seq, checked complete: the last line is the seq the server announced."""

    batches: list[EventBatch] = field(default_factory=list)
    raw_bytes: int = 0  # NDJSON as decoded, the events' JSON plus a few bytes a line


class ReplayError(SyncError):
    """One replay the server cannot serve now while it answers otherwise: the sync skips it for a while."""

    def __init__(self, replay_id: str, reason: str) -> None:
        super().__init__(f"replay {replay_id}: {reason}")
        self.replay_id = replay_id
        self.reason = reason


class ReplayGone(ReplayError):
    """The server has no such replay (any more); its tombstone is in the change feed."""


class _NotJson(SyncError):
    """An answer that is not a JSON object."""


class _BrokenOff(SyncError):
    """A download that stopped in the middle: the network's fault, or the server's."""


# Answers about the key, the server as a whole or the way to it rather than about one replay: a sync
# stops on them and resumes from the same place. Any other error status for a replay concerns that replay.
SOURCE_STATUSES = frozenset({401, 403, 407, 408, 429, 502, 503, 504})
GONE_STATUSES = frozenset({404, 410})


@dataclass(frozen=True)
class KeyInfo:
    name: str  # "" for the project's secret
    scope: str  # one of replay_core.access.SCOPES


class ReplayApiClient:
    """The query API of one server; every method raises SyncError (OfflineError when unreachable).

    What concerns one replay only (missing, or events missing, corrupt or cut short) is a ReplayError.
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def changes(self, cursor: str = "", limit: int = 500) -> ChangePage:
        response = self.transport.request(
            "GET", "/api/v1/changes", params={"cursor": cursor, "limit": str(limit)}
        )
        body = _json(response, "the change feed")
        try:
            changes = [Change.from_json(item) for item in body["changes"]]
            return ChangePage(changes, str(body["next_cursor"]), bool(body["has_more"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise SyncError(f"the change feed is not in the expected form ({exc})") from exc

    def key(self) -> KeyInfo:
        """What the server says of the key in use (`GET /api/v1/key`): its name and scope."""
        body = _json(self.transport.request("GET", "/api/v1/key"), "the key's description")
        name, scope = body.get("name"), body.get("scope")
        if not isinstance(name, str) or not is_scope(scope):
            raise SyncError("the server's description of the key is not in the expected form")
        return KeyInfo(name, str(scope))

    def replay(self, replay_id: str) -> ReplayInfo:
        with _about_replay(replay_id):
            response = self.transport.request("GET", f"/api/v1/replays/{quote(replay_id, safe='')}")
            return ReplayInfo.from_json(_json(response, "its description"))

    def replay_assets(self, replay_id: str) -> dict[str, Any]:
        """The assets the server captured for a replay: `{assets: {URL: {sha256, content_type, size,
        fetched_at}}, missing: {URL: reason}}` (issue 18)."""
        with _about_replay(replay_id):
            response = self.transport.request("GET", f"/api/v1/replays/{quote(replay_id, safe='')}/assets")
            return _json(response, "its captured assets")

    def asset(self, sha256: str) -> bytes:
        """A captured content's bytes (ServerError 404 when no replay of the project uses it any more)."""
        return self.transport.request("GET", f"/api/v1/assets/{quote(sha256, safe='')}").content

    def delete_user(self, distinct_id: str) -> dict[str, Any]:
        response = self.transport.request("DELETE", f"/api/v1/users/{quote(distinct_id, safe='')}")
        return _json(response, f"deleting user {distinct_id}")

    def replay_events(self, replay_id: str, after_seq: int = -1) -> ReplayDownload:
        """Every batch with seq > `after_seq`; ReplayError when the download is cut short or corrupt."""
        with _about_replay(replay_id):
            try:
                return self._download(replay_id, after_seq)
            except _BrokenOff as exc:
                # Whose fault: a server that still answers broke off this replay's download (it fails on
                # it); a server that no longer answers makes this an OfflineError, and the sync stops.
                self.replay(replay_id)
                raise ReplayError(replay_id, str(exc)) from exc

    def _download(self, replay_id: str, after_seq: int) -> ReplayDownload:
        path = f"/api/v1/replays/{quote(replay_id, safe='')}/events"
        response = self.transport.stream(path, {"after_seq": str(after_seq)})
        download = ReplayDownload()
        try:
            announced = int(response.headers.get("x-replay-last-seq", ""))
            for line in _lines(response, replay_id):
                download.raw_bytes += len(line) + 1
                download.batches.append(_batch(line, replay_id, len(download.batches) + 1))
        except ValueError as exc:
            raise ReplayError(replay_id, "the server's X-Replay-Last-Seq is missing") from exc
        finally:
            response.close()
        _check_complete(download, replay_id, after_seq, announced)
        return download


@contextmanager
def _about_replay(replay_id: str) -> Iterator[None]:
    """Errors that concern one replay become ReplayError; the network's and the server's stay as they are."""
    try:
        yield
    except ServerError as exc:
        if exc.status in SOURCE_STATUSES:
            raise
        kind = ReplayGone if exc.status in GONE_STATUSES else ReplayError
        raise kind(replay_id, str(exc)) from exc
    except _NotJson as exc:
        raise ReplayError(replay_id, str(exc)) from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise ReplayError(replay_id, f"its description is not in the expected form ({exc!r})") from exc


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise _NotJson(f"{what}: the server's answer is not JSON") from exc
    if not isinstance(body, dict):
        raise _NotJson(f"{what}: the server's answer is not a JSON object")
    return body


def _lines(response: httpx.Response, replay_id: str) -> Iterator[bytes]:
    """Complete NDJSON lines; a read that breaks off is _BrokenOff, a last line without "\\n" a ReplayError."""
    pending = b""
    try:
        for piece in response.iter_bytes():
            pending += piece
            *whole, pending = pending.split(b"\n")
            yield from (line for line in whole if line.strip())
    except httpx.HTTPError as exc:
        raise _BrokenOff(f"the event download broke off ({exc or type(exc).__name__})") from exc
    if pending.strip():
        raise ReplayError(replay_id, "the event download was cut short (an unfinished line)")


def _batch(line: bytes, replay_id: str, number: int) -> EventBatch:
    try:
        item = orjson.loads(line)
        seq, events = item["seq"], item["events"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise ReplayError(replay_id, f"line {number} of the event download is corrupt") from exc
    if not isinstance(seq, int) or not isinstance(events, list):
        raise ReplayError(replay_id, f"line {number} of the event download is corrupt")
    return EventBatch(seq, events)


def _check_complete(download: ReplayDownload, replay_id: str, after_seq: int, announced: int) -> None:
    seqs = [batch.seq for batch in download.batches]
    if seqs != sorted(set(seqs)) or (seqs and seqs[0] <= after_seq):
        raise ReplayError(replay_id, "the event download's batches are out of order")
    last = seqs[-1] if seqs else after_seq
    if last < announced:
        raise ReplayError(
            replay_id, f"the event download was cut short (got up to seq {last} of {announced})"
        )
