"""The incremental sync of one source: follow the change feed, download new event batches, apply tombstones.

Every transaction carries the feed cursor of the changes it applies, so a sync killed at any moment
resumes from the last transaction that committed: nothing is lost and nothing is stored twice
(replay batches are keyed `seq:N`, analytics events by their insert id).

A replay the server cannot serve (ReplayError) is recorded in the transaction that moves the cursor past
it, and tried again after a backoff that doubles with each failure; the rest of the feed goes on. Errors
about the server or the network (SyncError, OfflineError) stop the sync where it is instead.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from replay_core.validate import (
    MAX_PROPERTY_DEPTH,
    id_problem,
    json_problem,
    replace_lone_surrogates,
    time_problem,
)
from viewer.config.sync_json import DEFAULT_BUDGET_BYTES
from viewer.storage import (
    AnalyticsEvent,
    CacheUpdate,
    ProfileChange,
    ReplayBatch,
    ReplayCache,
    ReplayFault,
    ReplayMetadata,
    RetryBackoff,
    UpdateResult,
)
from viewer.sync.client import (
    EVENT,
    REPLAY,
    USER,
    Change,
    ChangePage,
    EventInfo,
    KeyInfo,
    ReplayApiClient,
    ReplayError,
    ReplayGone,
    ReplayInfo,
)
from viewer.sync.collab import KINDS as COLLAB_KINDS
from viewer.sync.collab import CollabReport, merge_feed, upload_outbox
from viewer.sync.server_assets import ServerAssets, download_replay_assets
from viewer.sync.transport import OfflineError, SyncError

log = logging.getLogger(__name__)
FEED_PAGE_SIZE = 500
DEFAULT_RETRY = RetryBackoff(first_ms=60_000, max_ms=86_400_000)  # 1 min, doubling, at most a day
Progress = Callable[[int, int], None]
_SEQ_KEY = re.compile(r"seq:(\d+)")


@dataclass
class SyncReport:
    """What one sync of one source did; `errors` empty means it reached the end of the feed."""

    source: str
    replays_added: int = 0
    replays_extended: int = 0
    replays_metadata_only: int = 0  # beyond the disk budget: events fetched when opened
    replays_evicted: int = 0
    users: int = 0
    events: int = 0
    replays_deleted: int = 0
    users_deleted: int = 0
    events_deleted: int = 0
    bytes: int = 0  # event data downloaded (decoded NDJSON)
    changes: int = 0
    errors: list[str] = field(default_factory=list)
    skipped: list[ReplayFault] = field(default_factory=list)  # replays that failed, to be tried again
    ignored: list[str] = field(default_factory=list)  # feed entries no cache can hold, with the reason
    retried: int = 0  # replays tried again after their backoff
    offline: bool = False
    seconds: float = 0.0
    key: KeyInfo | None = None  # what the server says of the source's key, when it said it
    assets: int = 0  # URLs of replays given content the server captured (viewer.sync.server_assets)
    asset_bytes: int = 0  # of that content downloaded
    collab: CollabReport = field(default_factory=CollabReport)  # comments and collections up and down

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def deletions(self) -> int:
        return self.replays_deleted + self.users_deleted + self.events_deleted

    def count(self, result: UpdateResult) -> None:
        self.replays_added += len(result.added)
        self.replays_extended += len(result.extended)
        self.users += result.profiles_changed
        self.events += result.events_added
        self.skipped += result.faults
        if result.removed is not None:
            self.replays_deleted += result.removed.replays
            self.users_deleted += result.removed.users
            self.events_deleted += result.removed.analytics_events


class Syncer:
    """Syncs one source into the cache; `run` never raises SyncError, it reports it."""

    def __init__(
        self,
        cache: ReplayCache,
        client: ReplayApiClient,
        source: str,
        *,
        budget_bytes: int = DEFAULT_BUDGET_BYTES,
        progress: Progress | None = None,
        retry: RetryBackoff = DEFAULT_RETRY,
    ) -> None:
        self.cache = cache
        self.client = client
        self.source = source
        self.budget_bytes = budget_bytes
        self.progress = progress or (lambda done, total: None)
        self.retry = retry
        self.done = 0  # replays handled so far
        self.total = 0  # replays known so far (the feed is read page by page, so it can grow)
        self._waiting: dict[str, int] = {}  # replays that failed before: id → when to try again
        self._assets: list[ServerAssets] = []  # captured assets downloaded, kept once their replay is

    def run(self) -> SyncReport:
        report = SyncReport(self.source)
        started = time.monotonic()
        try:
            self._waiting = {f.replay_id: f.next_retry_ms for f in self.cache.replay_faults(self.source)}
            upload_outbox(self.cache, self.client.transport, self.source, report.collab)
            self._follow_feed(report)
            self._retry_due(report)
            report.replays_evicted = len(self.cache.evict_oldest(self.budget_bytes))
            self.cache.sync_error(self.source, None)
        except SyncError as exc:
            report.errors.append(str(exc))
            report.offline = isinstance(exc, OfflineError)
            self.cache.sync_error(self.source, str(exc))
        report.seconds = time.monotonic() - started
        return report

    def _follow_feed(self, report: SyncReport) -> None:
        cursor = self.cache.sync_cursor(self.source) or ""
        while True:
            page = self.client.changes(cursor, FEED_PAGE_SIZE)
            self.total += sum(1 for c in page.changes if c.kind == REPLAY and not c.is_delete)
            self.progress(self.done, self.total)
            self._apply_page(page, report)
            cursor = page.next_cursor
            if not page.has_more:
                return

    def _apply_page(self, page: ChangePage, report: SyncReport) -> None:
        for change, reason in merge_feed(self.cache, page.changes, report.collab, self.source):
            ignore(report, change, reason)
        pending = self._new_update()
        for change in page.changes:
            report.changes += 1
            if change.kind in COLLAB_KINDS:
                continue
            if change.kind == REPLAY and not change.is_delete and change.data is not None:
                self._replay_change(pending, change, report)
                pending.sync_cursor = str(change.seq)
                self._commit(pending, report)
                pending = self._new_update()
                self.done += 1
                self.progress(self.done, self.total)
            else:
                problem = add_change(pending, change)
                if problem:
                    ignore(report, change, problem)
        if page.changes:
            pending.sync_cursor = page.next_cursor
            self._commit(pending, report)

    def _replay_change(self, update: CacheUpdate, change: Change, report: SyncReport) -> None:
        """A replay the feed reports, fetched now unless it waits for a retry (which fetches its latest state)."""
        problem = id_problem(change.id, "replay_id")
        if problem:  # an older server stored it; it can never be asked for, so it is not retried either
            ignore(report, change, problem)
            return
        if self._waiting.get(change.id, 0) > self.cache.now_ms():
            return
        try:
            info = _described(change.id, change.data or {})
        except ReplayError as exc:
            update.failed_replays.append((change.id, exc.reason))
            return
        self._fetch(update, info, report)

    def _retry_due(self, report: SyncReport) -> None:
        """Try again each replay whose backoff has passed, one transaction each; the cursor stays."""
        for fault in self.cache.replay_faults(self.source, due_by_ms=self.cache.now_ms()):
            update = self._new_update()
            report.retried += 1
            try:
                info = self.client.replay(fault.replay_id)
            except ReplayGone:  # deleted upstream: nothing to fetch, its tombstone is in the feed
                update.resolved_replays.append(fault.replay_id)
            except ReplayError as exc:
                update.failed_replays.append((fault.replay_id, exc.reason))
            else:
                self._fetch(update, info, report)
            self._commit(update, report)

    def _fetch(self, update: CacheUpdate, info: ReplayInfo, report: SyncReport) -> None:
        try:
            self._add_replay(update, info, report)
        except ReplayError as exc:
            update.failed_replays.append((info.id, exc.reason))
        else:
            update.resolved_replays.append(info.id)

    def _new_update(self) -> CacheUpdate:
        return CacheUpdate(source=self.source, source_kind="sync", retry=self.retry)

    def _commit(self, update: CacheUpdate, report: SyncReport) -> None:
        result = self.cache.apply(update)
        report.count(result)
        for got in self._assets:
            got.keep(self.cache)
            report.assets += len(got.known) + len(got.fetched)
            report.asset_bytes += got.bytes
        self._assets.clear()
        for replay_id in update.resolved_replays:
            self._waiting.pop(replay_id, None)
        self._waiting.update({fault.replay_id: fault.next_retry_ms for fault in result.faults})

    def _add_replay(self, update: CacheUpdate, info: ReplayInfo, report: SyncReport) -> None:
        if self._metadata_only(info):
            update.replay_metadata.append(replay_metadata(info))
            report.replays_metadata_only += 1
            return
        if info.assets_at:  # the server captured its assets: downloaded now, kept with the replay
            self._assets.append(download_replay_assets(self.cache, self.client, info.id))
        after = self._after_seq(info.id)
        if after >= info.last_seq:
            return
        download = self.client.replay_events(info.id, after)
        report.bytes += download.raw_bytes
        update.batches += [
            ReplayBatch(info.id, f"seq:{batch.seq}", batch.events, info.person or None)
            for batch in download.batches
        ]

    def _metadata_only(self, info: ReplayInfo) -> bool:
        """Beyond the budget: a replay whose events were evicted, or a new one older than all we keep."""
        if self.cache.has_events(info.id):
            return False
        if self.cache.get_replay(info.id) is not None:
            return True
        if self.cache.events_stored_bytes() < self.budget_bytes:
            return False
        oldest = self.cache.oldest_start_with_events()
        return oldest is not None and info.start_time < oldest

    def _after_seq(self, replay_id: str) -> int:
        """The end of the run of seqs stored without a gap: a batch that came late is fetched too."""
        stored = {int(m.group(1)) for k in self.cache.batch_keys(replay_id) if (m := _SEQ_KEY.fullmatch(k))}
        after = -1
        while after + 1 in stored:
            after += 1
        return after

    def ensure_events(self, replay_id: str) -> bool:
        """Download a metadata-only replay's events now (it is being opened); True when it can play."""
        if self.cache.has_events(replay_id):
            return True
        info = self.client.replay(replay_id)
        download = self.client.replay_events(replay_id, -1)
        batches = [
            ReplayBatch(replay_id, f"seq:{b.seq}", b.events, info.person or None) for b in download.batches
        ]
        self.cache.apply(CacheUpdate(source=self.source, source_kind="sync", batches=batches))
        return self.cache.has_events(replay_id)


def _described(replay_id: str, data: dict[str, Any]) -> ReplayInfo:
    try:
        return ReplayInfo.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ReplayError(replay_id, f"its description in the change feed is unreadable ({exc!r})") from exc


def add_change(update: CacheUpdate, change: Change) -> str | None:
    """Add a user, analytics event or tombstone from the feed to `update`; or say why the cache cannot
    hold it (an older server may have stored what the ingest rules now refuse) and leave it out."""
    if change.is_delete:
        {REPLAY: update.deleted_replays, USER: update.deleted_users, EVENT: update.deleted_events}.get(
            change.kind, []
        ).append(change.id)
    elif change.kind == USER and change.data is not None:
        properties = change.data.get("properties")
        properties = replace_lone_surrogates(properties) if isinstance(properties, dict) else {}
        problem = id_problem(change.id, "distinct_id") or json_problem(properties, MAX_PROPERTY_DEPTH)
        if problem:
            return problem
        # The feed carries the whole profile: replace what the cache holds.
        update.profiles.append(ProfileChange(change.id, set=properties, delete=True))
    elif change.kind == EVENT and change.data is not None:
        try:
            info = EventInfo.from_json(change.data)
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            return f"unreadable ({exc!r})"
        problem = _event_problem(info)
        if problem:
            return problem
        update.events.append(analytics_event(info))
    return None


def _event_problem(info: EventInfo) -> str | None:
    replace_lone_surrogates(info.properties)
    return (
        id_problem(info.insert_id, "insert_id")
        or time_problem(info.time_ms, "time")
        or json_problem([info.name, info.distinct_id, info.replay_id, info.properties], MAX_PROPERTY_DEPTH)
    )


def ignore(report: SyncReport, change: Change, problem: str) -> None:
    line = f"{change.kind} {change.id[:80]!r} ignored: {problem}"
    log.warning("%s: %s", report.source, line)
    report.ignored.append(line)


def analytics_event(info: EventInfo) -> AnalyticsEvent:
    return AnalyticsEvent(
        insert_id=info.insert_id,
        name=info.name,
        time_ms=info.time_ms,
        user_id=info.distinct_id or None,
        replay_id=info.replay_id or None,
        properties=info.properties,
    )


def replay_metadata(info: ReplayInfo) -> ReplayMetadata:
    return ReplayMetadata(
        replay_id=info.id,
        user_id=info.person or None,
        start_ms=round(info.start_time),
        end_ms=round(info.end_time),
        active_ms=info.active_ms,
        event_count=info.event_count,
        click_count=info.click_count,
        input_count=info.input_count,
        error_count=info.error_count,
        start_url=info.start_url,
    )
