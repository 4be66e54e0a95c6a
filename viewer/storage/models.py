"""The cache API's value types: what goes in (batches, profiles, events) and what comes out (rows, pages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from replay_core.events import Event
from viewer.storage.chunks import EncodedReplay

DEFAULT_SOURCE = "local"
DEFAULT_PAGE_SIZE = 50


class ReplaySort(StrEnum):
    RECENT = "recent"
    DURATION = "duration"
    ACTIVITY = "activity"
    FRUSTRATION = "frustration"  # "Most frustrated": replay_core.frustration.frustration_score


@dataclass(frozen=True)
class ReplayBatch:
    """Some events of a replay. `key` makes storing idempotent: a key already stored is skipped.

    Use `seq:<n>` for mixpanel-style uploads and a content hash for anything else.
    """

    replay_id: str
    key: str
    events: list[Event]
    user_id: str | None = None


@dataclass(frozen=True)
class EncodedNewReplay:
    """A whole replay prepared and compressed ahead of the write (a file import); skipped if present."""

    replay_id: str
    key: str
    encoded: EncodedReplay
    user_id: str | None = None


@dataclass(frozen=True)
class AnalyticsEvent:
    insert_id: str
    name: str
    time_ms: float
    user_id: str | None
    replay_id: str | None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProfileChange:
    """Profile operations in mixpanel's vocabulary: `$name` and `$email` become the searchable fields."""

    user_id: str
    set: dict[str, Any] = field(default_factory=dict)
    set_once: dict[str, Any] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)
    delete: bool = False


@dataclass
class CacheUpdate:
    """One unit of work, stored in one transaction: all of it becomes visible at once, or none."""

    source: str = DEFAULT_SOURCE
    source_kind: str = "import"
    batches: list[ReplayBatch] = field(default_factory=list)
    new_replays: list[EncodedNewReplay] = field(default_factory=list)
    profiles: list[ProfileChange] = field(default_factory=list)
    events: list[AnalyticsEvent] = field(default_factory=list)
    # From a sync: metadata of replays whose events are not kept (disk budget), tombstones (applied
    # before everything else), and the feed position, stored in this same transaction.
    replay_metadata: list[ReplayMetadata] = field(default_factory=list)
    deleted_replays: list[str] = field(default_factory=list)
    deleted_users: list[str] = field(default_factory=list)
    deleted_events: list[str] = field(default_factory=list)
    sync_cursor: str | None = None
    # From a sync: replays the server could not serve (id, reason) and replays it served again. With
    # `retry` set, replays whose batches do not validate are recorded as failed too, to be tried again.
    failed_replays: list[tuple[str, str]] = field(default_factory=list)
    resolved_replays: list[str] = field(default_factory=list)
    retry: RetryBackoff | None = None


@dataclass(frozen=True)
class RetryBackoff:
    """When to try a failed replay again: `first_ms` after the first failure, doubling up to `max_ms`."""

    first_ms: int = 60_000
    max_ms: int = 86_400_000

    def delay_ms(self, attempts: int) -> int:
        return min(self.first_ms * 2 ** min(max(attempts - 1, 0), 40), self.max_ms)


@dataclass(frozen=True)
class ReplayFault:
    """A replay a sync skipped because its server could not serve it, and when it is tried again."""

    source: str
    replay_id: str
    reason: str
    attempts: int
    first_failed_ms: int
    last_failed_ms: int
    next_retry_ms: int


@dataclass(frozen=True)
class ReplayMetadata:
    """What a server says about a replay, stored without its events (beyond the disk budget)."""

    replay_id: str
    user_id: str | None
    start_ms: int
    end_ms: int
    active_ms: int
    event_count: int
    click_count: int
    input_count: int
    error_count: int
    start_url: str


@dataclass
class UpdateResult:
    added: list[str] = field(default_factory=list)
    extended: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (replay id, reason)
    events_added: int = 0
    profiles_changed: int = 0
    removed: Removal | None = None  # what the update's tombstones deleted
    faults: list[ReplayFault] = field(default_factory=list)  # failed replays recorded by this update

    @property
    def changed(self) -> bool:
        return bool(self.added or self.extended or self.events_added or self.profiles_changed)


@dataclass(frozen=True)
class ReplayRow:
    id: str
    source: str
    user_id: str | None
    user_name: str | None
    user_email: str | None
    start_ms: int
    end_ms: int
    duration_ms: int
    active_ms: int
    event_count: int
    click_count: int
    input_count: int
    error_count: int
    start_url: str
    urls: list[str]
    size_bytes: int
    stored_bytes: int
    # Frustration figures (replay_core.frustration); 0 until computed for replays cached before them.
    rage_count: int = 0
    dead_count: int = 0
    failed_request_count: int = 0
    frustration: int = 0

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ReplayQuery:
    """What the feed shows: `search` understands words and dates (see viewer.storage.search)."""

    search: str = ""
    sort: ReplaySort = ReplaySort.RECENT
    user_id: str | None = None
    event_name: str | None = None
    since_ms: int | None = None
    until_ms: int | None = None
    limit: int = DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class ReplayPage:
    rows: list[ReplayRow]
    next_cursor: str | None  # pass back to get the next page; None on the last page


@dataclass(frozen=True)
class UserProfile:
    id: str
    name: str | None
    email: str | None
    properties: dict[str, Any]
    replay_count: int


@dataclass(frozen=True)
class EventCount:
    name: str
    bucket_ms: int  # the bucket's start, epoch ms
    count: int


@dataclass(frozen=True)
class EventMoment:
    """One analytics event inside a cached replay: where the player should open."""

    replay_id: str
    time_ms: int
    user_id: str | None


@dataclass(frozen=True)
class FunnelStep:
    name: str
    users: int  # users who reached this step in order, within the window
    conversion: float  # share of the first step's users


@dataclass(frozen=True)
class Removal:
    """What a deletion or purge removed."""

    replays: int = 0
    analytics_events: int = 0
    users: int = 0
