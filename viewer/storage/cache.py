"""ReplayCache: the one API through which the app, the importer and the sync read and write the cache."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection

from replay_core.events import Event
from replay_core.limits import MAX_ASSET_CACHE_BYTES
from replay_core.reader import without_pending_meta
from viewer.storage import (
    activity_counts,
    analytics,
    assets,
    budget,
    faults,
    feed,
    heatmaps,
    keyframes,
    removal,
    writes,
)
from viewer.storage.chunks import DamagedReplay, decode_chunk
from viewer.storage.collab import CollabCache
from viewer.storage.database import MovedAside, open_engine
from viewer.storage.growing import GrowingReplays
from viewer.storage.keyframes import StoredKeyframe
from viewer.storage.models import (
    CacheUpdate,
    EventCount,
    EventMoment,
    FunnelStep,
    Removal,
    ReplayBatch,
    ReplayFault,
    ReplayPage,
    ReplayQuery,
    ReplayRow,
    UpdateResult,
    UserProfile,
)
from viewer.storage.schema import event_chunks, metadata, replays, sources, sync_state, users

Clock = Callable[[], float]


class ReplayCache(CollabCache):
    """The local cache. Every write is one transaction; readers see whole replays or nothing."""

    def __init__(self, engine: Engine, clock: Clock = time.time, moved_aside: MovedAside | None = None):
        self.engine = engine
        self.clock = clock
        self.moved_aside = moved_aside
        self.tz: tzinfo | None = None  # days of date searches: local time unless set
        self.asset_cap_bytes = MAX_ASSET_CACHE_BYTES  # every asset kept, together (viewer.storage.assets)
        self.growing = GrowingReplays()  # analyses of replays appended to lately (viewer.storage.growing)

    @classmethod
    def open(cls, path: Path | None = None, clock: Clock = time.time) -> ReplayCache:
        """Open (or make) the cache at `path`, by default the app's cache file."""
        if path is None:
            from viewer.paths import cache_db_path

            path = cache_db_path()
        engine, moved = open_engine(path)
        return cls(engine, clock=clock, moved_aside=moved)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> ReplayCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now_ms(self) -> int:
        return round(self.clock() * 1000)

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction (the write lock is taken at BEGIN); committed when the block ends."""
        with self.engine.connect() as conn:
            conn.execution_options(cache_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One read transaction: a consistent snapshot for as long as the block runs."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    # Writing

    def apply(self, update: CacheUpdate) -> UpdateResult:
        with self.writing() as conn:
            return writes.apply_update(conn, update, self.now_ms(), self.growing)

    def add_batch(self, batch: ReplayBatch, source: str = "local") -> UpdateResult:
        """Add a replay, or extend one, with a batch of events; a batch key already stored is skipped."""
        return self.apply(CacheUpdate(source=source, batches=[batch]))

    def has_batch(self, replay_id: str, key: str) -> bool:
        from viewer.storage.schema import replay_batches

        with self.reading() as conn:
            found = conn.execute(
                select(replay_batches.c.replay_id).where(
                    replay_batches.c.replay_id == replay_id, replay_batches.c.batch_key == key
                )
            ).first()
        return found is not None

    def delete_user(self, user_id: str) -> Removal:
        with self.writing() as conn:
            return removal.delete_user(conn, user_id)

    def purge_expired(self, retention_days: float = removal.DEFAULT_RETENTION_DAYS) -> Removal:
        with self.writing() as conn:
            return removal.purge_expired(conn, self.now_ms(), retention_days)

    # Reading

    def iter_event_chunks(self, replay_id: str) -> Iterator[list[Event]]:
        """The replay's events in timestamp order, one decoded chunk at a time, from one snapshot.

        A chunk that does not decode, or one missing from the row's count, raises `DamagedReplay`
        naming the replay (its events are then lost to this cache; other replays are not affected)."""
        stmt = (
            select(event_chunks.c.idx, event_chunks.c.data)
            .where(event_chunks.c.replay_id == replay_id)
            .order_by(event_chunks.c.idx)
        )
        with self.reading() as conn:
            expected = conn.execute(select(replays.c.chunk_count).where(replays.c.id == replay_id)).scalar()
            seen = 0
            for index, data in conn.execute(stmt):
                if index != seen:
                    raise DamagedReplay(
                        f"replay {replay_id} is damaged in the cache: chunk {seen} is missing"
                    )
                try:
                    yield decode_chunk(data)
                except DamagedReplay as exc:
                    raise DamagedReplay(f"replay {replay_id} is damaged in the cache: {exc}") from None
                seen += 1
            if expected is not None and seen < expected:
                missing = f"{expected - seen} of its {expected} chunks are missing"
                raise DamagedReplay(f"replay {replay_id} is damaged in the cache: {missing}")

    def events(self, replay_id: str) -> list[Event]:
        """The replay's events to play: a Meta at the end, whose FullSnapshot a later batch may bring,
        is kept in the cache but left out here."""
        return without_pending_meta([event for chunk in self.iter_event_chunks(replay_id) for event in chunk])

    def events_from(self, replay_id: str, from_ts: float) -> list[Event]:
        """The replay's events to play at or after `from_ts` (what a sync added to a replay shown up to
        there, and the events at that moment, which a batch may have split: see ReplayFollower), read
        from the chunks that hold them: a batch costs its own chunks, not the replay's."""
        stmt = (
            select(event_chunks.c.data)
            .where((event_chunks.c.replay_id == replay_id) & (event_chunks.c.last_ts >= math.floor(from_ts)))
            .order_by(event_chunks.c.idx)
        )
        with self.reading() as conn:
            chunks = conn.execute(stmt).scalars().all()
        try:
            tail = [event for data in chunks for event in decode_chunk(data) if event["timestamp"] >= from_ts]
        except DamagedReplay as exc:
            raise DamagedReplay(f"replay {replay_id} is damaged in the cache: {exc}") from None
        return without_pending_meta(tail, read_before=True)

    def first_events(self, replay_id: str) -> list[Event]:
        """The replay's first chunk of events (its first page, for most replays): what the player shows
        while the rest is read. Empty when the replay has no events here or its first chunk is damaged."""
        stmt = select(event_chunks.c.data).where(
            (event_chunks.c.replay_id == replay_id) & (event_chunks.c.idx == 0)
        )
        with self.reading() as conn:
            data = conn.execute(stmt).scalar()
        try:
            return decode_chunk(data) if data is not None else []
        except DamagedReplay:
            return []  # the whole read names the damage

    def replay_analytics(self, replay_id: str) -> list[dict[str, Any]]:
        """The replay's analytics events for its activity timeline: `{"name", "time_ms", "properties"}`."""
        with self.reading() as conn:
            return activity_counts.replay_analytics(conn, replay_id)

    def backfill_activity(self, limit: int = activity_counts.BACKFILL_BATCH) -> int:
        """Compute the frustration figures of up to `limit` replays cached before they existed (or by
        older rules), in one short write transaction; 0 when none is left. Meant to be called again and
        again from the cache worker while it is idle, so the feed's badges, `has:` filters and
        "Most frustrated" sort fill in without blocking anything."""
        with self.writing() as conn:
            return activity_counts.backfill_batch(conn, limit)

    def activity_backlog(self) -> int:
        """How many replays still wait for the backfill."""
        with self.reading() as conn:
            return activity_counts.stale_count(conn)

    def backfill_heatmaps(self, limit: int = heatmaps.BACKFILL_BATCH) -> int:
        """Compute the heatmap rows of up to `limit` replays cached before heatmaps existed (or by older
        rules), in one short write transaction; 0 when none is left. Called again and again while the
        cache worker is idle, like `backfill_activity`."""
        with self.writing() as conn:
            return heatmaps.backfill_batch(conn, limit)

    def backfill(self, limit: int = activity_counts.BACKFILL_BATCH) -> int:
        """One step of every background backfill (activity figures, then heatmaps), each its own short
        transaction of up to `limit` replays; 0 when nothing is left to compute."""
        return self.backfill_activity(limit) + self.backfill_heatmaps(limit)

    def heatmap_backlog(self) -> int:
        """How many replays with events still wait for their heatmap rows."""
        with self.reading() as conn:
            return heatmaps.stale_count(conn)

    def heatmap_pages(
        self, where: heatmaps.HeatmapFilter | None = None, patterns: Sequence[str] = ()
    ) -> list[heatmaps.PageSummary]:
        """The pages with visits (visits, clicks, replays), most visited first; pages matching one of
        `patterns` (`/orders/*`) are one row named by the pattern."""
        with self.reading() as conn:
            return heatmaps.page_list(conn, where or heatmaps.HeatmapFilter(), patterns)

    def heatmap(self, page: str, where: heatmaps.HeatmapFilter | None = None) -> heatmaps.PageHeatmap:
        """The heatmap of a page (a URL, a path on any host, or a pattern): per element selector its
        clicks, visits and replays; per depth the share of visits that reached it."""
        with self.reading() as conn:
            return heatmaps.page_heatmap(
                conn, heatmaps.pages_of(conn, page), where or heatmaps.HeatmapFilter()
            )

    def heatmap_clicks(
        self, page: str, selector: str, where: heatmaps.HeatmapFilter | None = None, limit: int = 200
    ) -> list[heatmaps.ClickMoment]:
        """The clicks on one element of a page, newest first, each with its replay and the moment to
        open it at."""
        with self.reading() as conn:
            pages = heatmaps.pages_of(conn, page)
            return heatmaps.click_moments(conn, pages, selector, where or heatmaps.HeatmapFilter(), limit)

    def heatmap_view(self, page: str, where: heatmaps.HeatmapFilter | None = None) -> heatmaps.HeatmapView:
        """What the Heatmaps page shows for a page: its heatmap, where its clicks fell (per element and
        a few pixels of the page), and a recent replay moment that shows the page."""
        with self.reading() as conn:
            return heatmaps.heatmap_view(conn, page, where or heatmaps.HeatmapFilter())

    def get_replay(self, replay_id: str) -> ReplayRow | None:
        with self.reading() as conn:
            return feed.get_replay(conn, replay_id)

    def list_replays(self, query: ReplayQuery | None = None, cursor: str | None = None) -> ReplayPage:
        with self.reading() as conn:
            return feed.list_replays(conn, query or ReplayQuery(), cursor, self.tz)

    def replay_ids(self, query: ReplayQuery | None = None) -> list[str]:
        """Every replay the query finds, in the feed's order (ids only: the feed loads rows as it scrolls)."""
        with self.reading() as conn:
            return feed.replay_ids(conn, query or ReplayQuery(), self.tz)

    def rows_by_id(self, ids: list[str]) -> list[ReplayRow]:
        with self.reading() as conn:
            return feed.rows_by_id(conn, ids)

    def all_replays(self, query: ReplayQuery | None = None) -> list[ReplayRow]:
        """Every page of a query, for the command line and tests; the app pages lazily instead."""
        query = query or ReplayQuery(limit=500)
        found: list[ReplayRow] = []
        cursor: str | None = None
        while True:
            page = self.list_replays(query, cursor)
            found.extend(page.rows)
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    def get_user(self, user_id: str) -> UserProfile | None:
        with self.reading() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
            if row is None:
                return None
            count = conn.execute(select(func.count()).where(replays.c.user_id == user_id)).scalar() or 0
        return UserProfile(
            row.id, row.name, row.email, feed.json_or(row.properties, {}, f"user {user_id}"), int(count)
        )

    def user_replays(self, user_id: str, cursor: str | None = None, limit: int = 50) -> ReplayPage:
        return self.list_replays(ReplayQuery(user_id=user_id, limit=limit), cursor)

    def event_counts(
        self, names: Sequence[str] | None = None, bucket: str = "day", **window: Any
    ) -> list[EventCount]:
        """Counts per local hour or day: in `tz=` if given, else the cache's zone (the system's by default)."""
        window.setdefault("tz", self.tz)
        with self.reading() as conn:
            return analytics.event_counts(conn, names, bucket, **window)

    def funnel(self, steps: Sequence[str], window_ms: int, **period: Any) -> list[FunnelStep]:
        with self.reading() as conn:
            return analytics.funnel(conn, steps, window_ms, **period)

    def event_names(self) -> list[tuple[str, int]]:
        with self.reading() as conn:
            return analytics.event_names(conn)

    def event_moments(self, name: str, since_ms: int, until_ms: int) -> list[EventMoment]:
        with self.reading() as conn:
            return analytics.event_moments(conn, name, since_ms, until_ms)

    def funnel_users(
        self, steps: Sequence[str], window_ms: int, step: int, reached: bool, **period: Any
    ) -> list[str]:
        with self.reading() as conn:
            return analytics.funnel_users(conn, steps, window_ms, step, reached, **period)

    # Sync bookkeeping

    def sync_cursor(self, source: str) -> str | None:
        with self.reading() as conn:
            stmt = select(sync_state.c.cursor).join(sources).where(sources.c.name == source)
            return conn.execute(stmt).scalar()

    def save_sync_cursor(self, source: str, cursor: str | None, error: str | None = None) -> None:
        with self.writing() as conn:
            source_id = writes.ensure_source(conn, source, "sync", self.now_ms())
            writes.save_cursor(conn, source_id, cursor, error, self.now_ms())

    def sync_state(self, source: str) -> tuple[str | None, int | None, str | None]:
        """(cursor, last successful sync in epoch ms, last error) of a source; all None before any sync."""
        with self.reading() as conn:
            stmt = (
                select(sync_state.c.cursor, sync_state.c.synced_ms, sync_state.c.last_error)
                .join(sources)
                .where(sources.c.name == source)
            )
            row = conn.execute(stmt).first()
        return (None, None, None) if row is None else (row[0], row[1], row[2])

    def sync_error(self, source: str, error: str | None) -> None:
        """Note a failed (or a clean) sync of `source`, keeping its cursor."""
        self.save_sync_cursor(source, self.sync_cursor(source), error)

    def replay_faults(self, source: str | None = None, due_by_ms: int | None = None) -> list[ReplayFault]:
        """Replays a sync skipped because their server could not serve them (only those due, with `due_by_ms`)."""
        with self.reading() as conn:
            return faults.listed(conn, source, due_by_ms)

    def batch_keys(self, replay_id: str) -> set[str]:
        from viewer.storage.schema import replay_batches

        with self.reading() as conn:
            stmt = select(replay_batches.c.batch_key).where(replay_batches.c.replay_id == replay_id)
            return set(conn.execute(stmt).scalars())

    # Disk budget: replays whose events are not kept locally

    def stored_keyframes(self, replay_id: str, format_key: str) -> list[StoredKeyframe]:
        """The player's keyframes of the replay, made by a player of `format_key` (viewer.storage.keyframes)."""
        with self.reading() as conn:
            return keyframes.load(conn, replay_id, format_key)

    def keep_keyframe(self, replay_id: str, format_key: str, keyframe: StoredKeyframe) -> None:
        """Store a keyframe the player made of a cached replay (nothing when the replay is gone meanwhile)."""
        with self.writing() as conn:
            if writes.replay_exists(conn, replay_id) and budget.has_events(conn, replay_id):
                keyframes.keep(conn, replay_id, format_key, keyframe)

    # The asset cache (viewer.storage.assets, issue 18)

    def keep_assets(
        self,
        replay_id: str,
        fetched: list[tuple[str, assets.Content]],
        missing: list[tuple[str, str]],
        known: dict[str, str] | None = None,
    ) -> None:
        """Store what fetching a replay's assets gave, then evict past the total cap (nothing when the
        replay is gone meanwhile). `known`: URLs → contents the cache already holds (a sync's)."""
        with self.writing() as conn:
            if writes.replay_exists(conn, replay_id):
                gone = [(url, assets.EVICTED) for url in assets.map_known(conn, replay_id, known or {}, self.now_ms())]
                assets.keep(conn, replay_id, fetched, [*missing, *gone], self.now_ms())
                assets.evict(conn, self.asset_cap_bytes)

    def replay_assets_map(self, replay_id: str) -> dict[str, str]:
        """The replay's URLs that have content → the content's hash."""
        with self.reading() as conn:
            return assets.url_map(conn, replay_id)

    def asset_hashes(self, hashes: list[str]) -> set[str]:
        """Which of these contents the asset cache holds."""
        with self.reading() as conn:
            return assets.present(conn, hashes)

    def replay_assets(self, replay_id: str) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
        """The replay's URLs → content hashes, and those contents as content type and body: what the
        player serves (ReplayView.show_events)."""
        with self.reading() as conn:
            mapped = assets.url_map(conn, replay_id)
            found = assets.contents(conn, mapped.values())
        return mapped, {digest: (item.content_type, item.body) for digest, item in found.items()}

    def reusable_asset(self, url: str, not_before_ms: int) -> assets.Content | None:
        with self.reading() as conn:
            return assets.reusable(conn, url, not_before_ms)

    def replays_without_assets(self, limit: int) -> list[str]:
        with self.reading() as conn:
            return assets.replays_without_assets(conn, limit)

    def asset_status(self, replay_id: str) -> assets.AssetStatus:
        with self.reading() as conn:
            return assets.status(conn, replay_id)

    def assets_bytes(self) -> int:
        with self.reading() as conn:
            return assets.total_bytes(conn)

    def clear_assets(self) -> int:
        with self.writing() as conn:
            return assets.clear(conn)

    def has_events(self, replay_id: str) -> bool:
        with self.reading() as conn:
            return budget.has_events(conn, replay_id)

    def events_stored_bytes(self) -> int:
        """The compressed size of the synced replays' events (the disk budget's; imported ones are never evicted)."""
        with self.reading() as conn:
            return budget.stored_bytes(conn)

    def oldest_start_with_events(self) -> int | None:
        with self.reading() as conn:
            return budget.oldest_start_with_events(conn)

    def evict_oldest(self, budget_bytes: int) -> list[str]:
        """Keep only metadata for the oldest replays until their events fit `budget_bytes`."""
        with self.writing() as conn:
            return budget.evict_oldest(conn, budget_bytes, self.now_ms())

    def row_counts(self) -> dict[str, int]:
        """Rows per table, search index included: what a deletion must bring to zero."""
        with self.reading() as conn:
            counts = {
                t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
                for t in metadata.sorted_tables
            }
            counts["user_search"] = int(
                conn.exec_driver_sql("SELECT count(*) FROM user_search").scalar() or 0
            )
        return counts
