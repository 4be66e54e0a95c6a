"""The window's session: the open replay, what plays next, the workers, and the order they stop in."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from replay_core import Recording, ReplaySummary
from replay_core.collab import Record
from replay_core.following import ReplayFollower
from replay_core.links import LinkError, comment_link, format_link, parse_link
from replay_core.timeline import ActivityEntry
from viewer.player.scheme import keyframe_format
from viewer.settings import Settings, save_settings
from viewer.storage import MovedAside, Removal, ReplayRow
from viewer.storage.keyframes import StoredKeyframe
from viewer.sync.assets import CacheFetch
from viewer.sync.sources import load_config
from viewer.sync.syncer import SyncReport
from viewer.ui.asset_fetch import AssetFetchRunner, player_assets
from viewer.ui.cache_worker import CacheWorker
from viewer.ui.feed_model import absolute_time, display_name
from viewer.ui.loader import RecordingLoader
from viewer.ui.replay_loading import (
    CachedPreview,
    CachedReplay,
    CacheLookup,
    EventsNotCached,
    GrownReplay,
    NotInCache,
    OpenedReplay,
    QueuedReplay,
    ReplayProblem,
    ReplayUser,
    grow_replay,
    import_files,
    look_up_replay,
    preview_cached,
)
from viewer.ui.sync_runner import SyncRunner

log = logging.getLogger(__name__)
DAY_MS = 86_400_000
# Replays cached before the activity rules get their figures a few at a time while the app is idle: each
# step holds the cache thread briefly, so a user's click waits at most one step.
BACKFILL_STEP = 3
BACKFILL_PAUSE_MS = 250
PREFETCH_REPLAYS = 20  # after a sync, the newest replays whose assets were never fetched


@dataclass(frozen=True)
class _Opening:
    """One request to open a cached replay; `number` tells it from later ones."""

    number: int
    replay_id: str
    at_s: float | None = None
    at_epoch_ms: float | None = None
    autoplay: bool = False

    def start_s(self, recording: Recording) -> float | None:
        if self.at_s is None and self.at_epoch_ms is not None:
            return max(0.0, (self.at_epoch_ms - recording.start_ts) / 1000)
        return self.at_s


@dataclass(frozen=True)
class _FileOpening:
    number: int  # the opening it belongs to
    request: int  # the loader's request
    start_at_s: float | None


class ReplaySession(QObject):
    """Owns the open replay, the queue, the cache worker, the sync runner and the recording loader.

    Widgets call its methods and hear back through its signals; it holds no widget. `shutdown`
    stops everything in order: timers first, then the work under way, then the cache.
    """

    loading = Signal(str)  # what the player's header says while a replay is on its way
    previewed = Signal(object)  # Recording: a file's first page, shown before the rest is read
    opened = Signal(object)  # OpenedReplay
    grew = Signal(object)  # GrownReplay: more of the open replay arrived
    failed = Signal(object)  # ReplayProblem
    message = Signal(str, int)  # a status bar line, and for how many ms
    replaysChanged = Signal()  # the cached replays changed: lists read them again
    syncStatusChanged = Signal(object)  # SyncStatus, or None without sources
    synced = Signal(list)  # list[SyncReport], after each sync
    stopping = Signal()  # the window closes: every widget stops its timers now
    activity = Signal(list)  # list[ActivityEntry] of the open replay (empty while none is open)
    assetsReady = Signal(object)  # PlayerAssets of the replay being opened or shown (viewer.ui.asset_fetch)
    # A link to a comment was opened: replay id, the link's comment (as given), whether it gave a moment
    commentLinked = Signal(str, str, bool)

    def __init__(
        self,
        settings: Settings,
        cache: CacheWorker,
        sync: SyncRunner,
        loader: RecordingLoader,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.cache = cache  # lists and pages query the cache through it
        self._sync, self._loader = sync, loader
        for part in (cache, sync, loader):
            part.setParent(self)
        self.current_row: ReplayRow | None = None
        self._queue: list[QueuedReplay] = []  # to play after this one (View replays of a profile or a report)
        self._number = 0  # of the latest opening: answers about older ones are dropped
        self._opened = 0  # the number of the latest opening the player was handed whole (not only its first page)
        self._grown_while_opening = 0  # the opening whose replay a sync grew before the player had it whole
        self._follower: ReplayFollower | None = None  # of the cached replay shown: its growth goes on from it
        self._file: _FileOpening | None = None
        self._source_urls: dict[str, str] = {}  # replay source name -> replay API base URL
        self._shut_down = False
        self._retention = QTimer(self)
        self._retention.setInterval(DAY_MS)
        self._retention.timeout.connect(self.purge_expired)
        self._backfill = QTimer(self)
        self._backfill.setSingleShot(True)
        self._backfill.setInterval(BACKFILL_PAUSE_MS)
        self._backfill.timeout.connect(self._backfill_step)
        self._backfilled = 0
        self._assets = AssetFetchRunner(cache.path, self)  # the network, on a thread of its own (issue 18)
        self._connect()

    def _connect(self) -> None:
        self.cache.failed.connect(lambda text: self.message.emit(text, 10000))
        self._sync.statusChanged.connect(self.syncStatusChanged)
        self._sync.synced.connect(self._after_sync)
        self._loader.previewed.connect(self._file_previewed)
        self._loader.loaded.connect(self._file_loaded)
        self._loader.failed.connect(self._file_failed)
        self._assets.fetched.connect(self._assets_fetched)
        self._assets.failed.connect(lambda _replay, text: self.message.emit(text, 10000))

    # start-up --------------------------------------------------------------------------------
    def start(self, notices: Sequence[str] = ()) -> None:
        """Start-up work: a moved-aside cache is reported, old replays go, the demo or the feed, sync.

        `notices` are lines about damaged configuration files, read before the session existed.
        """
        self.reload_sources(sync=False)
        self._sync.start()
        if notices:
            self.message.emit(" ".join(notices), 30000)
        self.cache.call(lambda cache: cache.moved_aside, self._report_moved)
        self.purge_expired()
        self.cache.call(lambda cache: cache.row_counts().get("replays", 0), self._first_run)
        self._retention.start()
        self._backfill.start()

    def _backfill_step(self) -> None:
        self.cache.call(lambda cache: cache.backfill(BACKFILL_STEP), self._backfill_done)

    def _backfill_done(self, computed: int) -> None:
        """Go on while replays are left; the lists read them again once, when the backfill is over."""
        self._backfilled += computed
        if computed and not self._shut_down:
            self._backfill.start()
        elif self._backfilled:
            log.info("activity figures computed for %d replays cached before them", self._backfilled)
            self._backfilled = 0
            self.replaysChanged.emit()

    def _report_moved(self, moved: MovedAside | None) -> None:
        if moved is not None:
            self.message.emit(moved.message(), 20000)

    def _first_run(self, replay_count: int) -> None:
        if replay_count == 0 and not self.settings.demo_offered:
            self.load_demo()
        else:
            self.replaysChanged.emit()

    def purge_expired(self) -> None:
        days = self.settings.retention_days
        self.cache.call(lambda cache: cache.purge_expired(days), self._purged)

    def _purged(self, removal: Removal) -> None:
        if removal.replays:
            days = self.settings.retention_days
            self.message.emit(f"Removed {removal.replays} replays older than {days} days", 8000)
        self.replaysChanged.emit()

    # opening ---------------------------------------------------------------------------------
    def open_replay(
        self, replay_id: str, at_s: float | None = None, at_epoch_ms: float | None = None
    ) -> None:
        """A replay from the cache, at a moment if given; whatever was queued is dropped."""
        self._queue = []
        self._open(replay_id, at_s, at_epoch_ms)

    def open_moment(self, replay_id: str, at_epoch_ms: float) -> None:
        """A report's moment: epoch ms of the event, or a negative number for the replay's start."""
        self.open_replay(replay_id, at_epoch_ms=at_epoch_ms if at_epoch_ms >= 0 else None)

    def _open(
        self, replay_id: str, at_s: float | None = None, at_epoch_ms: float | None = None, autoplay: bool = False
    ) -> None:
        self._look_up(_Opening(self._next_number(), replay_id, at_s, at_epoch_ms, autoplay))

    def _next_number(self) -> int:
        self._number += 1
        self._file = None
        self._follower = None  # the replay shown before is not grown any more
        return self._number

    def _look_up(self, opening: _Opening) -> None:
        self.loading.emit(f"Loading {opening.replay_id}…")
        self.cache.call(  # before its first page: the page asks for the assets as it builds the document
            lambda cache: player_assets(cache, opening.replay_id),
            lambda found: self.assetsReady.emit(found) if opening.number == self._number else None,
        )
        # Its first page from its first chunk, as a file's from its head; the cache thread reads the whole next.
        self.cache.call(
            lambda cache: preview_cached(cache, opening.replay_id),
            lambda preview: self._cached_previewed(opening, preview),
        )
        self.cache.call(
            lambda cache: look_up_replay(cache, opening.replay_id),
            lambda found: self._looked_up(opening, found),
            lambda text: self._fail(opening.number, "This replay cannot be read from the cache", text),
        )

    def _cached_previewed(self, opening: _Opening, preview: CachedPreview | None) -> None:
        """The window shows this replay from now on: a link copied or a comment added names it, though the
        whole read (which opens it for playing) may take seconds more."""
        if preview is not None and opening.number == self._number:
            self.current_row = preview.row
            self.previewed.emit(preview.recording)

    def _looked_up(self, opening: _Opening, found: CacheLookup) -> None:
        if opening.number != self._number:
            return
        match found:
            case CachedReplay():
                self._show(opening, found)
            case EventsNotCached():
                self._fetch_then_open(opening)
            case NotInCache(replay_id=replay_id):
                self._fail(opening.number, "Replay not found", f"Replay {replay_id} is not in the cache.")

    def _show(self, opening: _Opening, found: CachedReplay) -> None:
        row = self.current_row = found.row
        self._opened = opening.number
        self._follower = found.follower
        user = ReplayUser(row.user_id, display_name(row)) if row.user_id else None
        title = f"{display_name(row)} · {absolute_time(row.start_ms)}"
        start_s = opening.start_s(found.recording)
        self.opened.emit(
            OpenedReplay(
                found.recording, found.summary, title, row.id, user, start_s, opening.autoplay, found.keyframes
            )
        )
        self.activity.emit(list(found.activity))  # made with the events, before the player had them
        if self.settings.fetch_assets != "never":
            self._assets.fetch(row.id, self.settings.asset_hosts_allowed)
        if self._grown_while_opening == opening.number:  # the whole read may have missed what the sync added
            self._grow(row.id)

    def _assets_fetched(self, replay_id: str, done: CacheFetch) -> None:
        """A fetch ended: the replay shown gets its new assets (shown again where it is) and its notice."""
        row = self.current_row
        if row is None or row.id != replay_id or not (done.fetched or done.missing):
            return
        number = self._number
        self.cache.call(
            lambda cache: player_assets(cache, replay_id, reload=done.fetched > 0, after_fetch=True),
            lambda found: self.assetsReady.emit(found) if number == self._number else None,
        )

    def _prefetch(self) -> None:
        """After a sync, with "prefetch": the assets of the newest replays not fetched for yet."""
        hosts = self.settings.asset_hosts_allowed

        def fetch_all(replay_ids: list[str]) -> None:
            for replay_id in replay_ids:
                self._assets.fetch(replay_id, hosts)

        self.cache.call(lambda cache: cache.replays_without_assets(PREFETCH_REPLAYS), fetch_all)

    def keep_keyframe(self, replay_id: str, keyframe: StoredKeyframe) -> None:
        """The player made a keyframe of a cached replay: keep it, so the replay seeks fast when opened again."""
        format_key = keyframe_format()
        self.cache.call(lambda cache: cache.keep_keyframe(replay_id, format_key, keyframe))

    def _fetch_then_open(self, opening: _Opening) -> None:
        self.loading.emit("Downloading the replay's events…")
        self._sync.fetch_events(
            opening.replay_id,
            lambda: self._refetched(opening),
            lambda text: self._fail(opening.number, "The replay could not be downloaded", text),
        )

    def _refetched(self, opening: _Opening) -> None:
        if opening.number == self._number:
            self._look_up(replace(opening, number=self._next_number()))

    def _fail(self, number: int, title: str, text: str) -> None:
        if number == self._number:
            self.current_row = None
            self.activity.emit([])
            self.failed.emit(ReplayProblem(title, text))

    def open_file(self, path: Path, at_s: float | None = None) -> None:
        """A recording file, read off the GUI thread (its first page shows before the rest is read)."""
        self._queue = []
        self.current_row = None
        number = self._next_number()
        self.loading.emit(f"Loading {path.name}…")
        self._file = _FileOpening(number, self._loader.load(path), at_s)

    def _file_previewed(self, request: int, preview: Recording) -> None:
        if self._file is not None and self._file.request == request:
            self.previewed.emit(preview)

    def _file_loaded(
        self, request: int, recording: Recording, summary: ReplaySummary, activity: list[ActivityEntry]
    ) -> None:
        file = self._file
        if file is not None and file.request == request:
            self._file = None
            self.opened.emit(OpenedReplay(recording, summary, recording.name, start_at_s=file.start_at_s))
            self.activity.emit(activity)  # made by the reader (a file has no analytics events)

    def _file_failed(self, request: int, text: str) -> None:
        if self._file is not None and self._file.request == request:
            self._fail(self._file.number, "This recording cannot be played", text)

    def open_target(self, target: str) -> None:
        """What `replay-viewer open` was given: a share link, or a recording file."""
        if "://" in target:
            self.open_link(target)
        else:
            self.open_file(Path(target))

    def open_link(self, text: str) -> bool:
        try:
            link = parse_link(text)
        except LinkError as exc:
            self.message.emit(str(exc), 10000)
            return False
        self.open_replay(link.replay_id, at_s=link.at_s, at_epoch_ms=link.at_epoch_ms)
        if link.comment_param is not None:
            timed = link.at_s is not None or link.at_epoch_ms is not None
            self.commentLinked.emit(link.replay_id, link.comment_id or "", timed)
        return True

    def share_link(self, at_s: float | None) -> str | None:
        """A link to the open replay (at `at_s` if given); None when it is not from the cache."""
        row = self.current_row
        if row is None:
            return None
        return format_link(row.id, at_s, self._source_urls.get(row.source))

    def comment_link(self, comment: Record) -> str | None:
        """A link to a comment of the open replay: the replay at its moment, naming it."""
        row = self.current_row
        if row is None or row.id != comment.replay_id:
            return None
        return comment_link(row.id, comment.id, comment.at_ms, self._source_urls.get(row.source))

    @property
    def current_replay_id(self) -> str | None:
        return self.current_row.id if self.current_row else None

    @property
    def current_user_id(self) -> str | None:
        return self.current_row.user_id if self.current_row else None

    # what plays next -------------------------------------------------------------------------
    def play_queue(self, queue: Sequence[QueuedReplay]) -> None:
        """Play these one after another, each from its moment (or start) as soon as it shows."""
        if queue:
            first = queue[0]
            self._open(first.replay_id, at_epoch_ms=first.at_epoch_ms, autoplay=True)
            self._queue = list(queue[1:])

    def replay_ended(self) -> None:
        if self._queue:
            self.play_queue(self._queue)

    # the cache's contents --------------------------------------------------------------------
    def import_files(self, paths: list[Path]) -> None:
        self.message.emit(f"Importing {len(paths)} files…", 0)
        self.cache.call(lambda cache: import_files(cache, paths), self._imported)

    def _imported(self, summary: str) -> None:
        self.message.emit(summary, 10000)
        self.replaysChanged.emit()

    def load_demo(self) -> None:
        from viewer import demo

        if not demo.demo_available():
            self.message.emit("The demo replays are not installed.", 8000)
            return
        self.cache.call(demo.load_demo, self._demo_loaded)

    def _demo_loaded(self, count: int) -> None:
        self.settings.demo_offered = True
        save_settings(self.settings)
        if count:
            self.message.emit(f"Loaded {count} demo replays", 8000)
        else:
            self.message.emit("The demo replays are already in the cache", 8000)
        self.replaysChanged.emit()

    # sync ------------------------------------------------------------------------------------
    def sync_now(self) -> None:
        self._sync.sync_now()

    def reload_sources(self, sync: bool) -> None:
        """The configured sources changed (or may have): their URLs for links, and a sync if asked."""
        self._source_urls = {source.name: source.url for source in load_config().sources}
        if sync:
            self.sync_now()

    def _after_sync(self, reports: list[SyncReport]) -> None:
        if any(r.replays_added or r.replays_extended or r.replays_deleted or r.users_deleted for r in reports):
            self.replaysChanged.emit()
        self._grow_open_replay(reports)
        if self.settings.fetch_assets == "prefetch" and any(r.replays_added or r.replays_extended for r in reports):
            self._prefetch()
        self.synced.emit(reports)

    def _grow_open_replay(self, reports: list[SyncReport]) -> None:
        row = self.current_row
        if row is not None and any(r.source == row.source and r.replays_extended for r in reports):
            if self._opened == self._number:
                self._grow(row.id)
            else:  # only its first page is shown yet: the player is handed the whole replay first
                self._grown_while_opening = self._number

    def _grow(self, replay_id: str) -> None:
        """Read what a sync added to the replay shown: its follower takes the new events on the cache
        thread (one call after another there, so each batch once), and the player and panel get them."""
        follower, number = self._follower, self._number
        if follower is None:
            return

        def grown(found: GrownReplay | None) -> None:
            if found is None or number != self._number:
                return
            self.current_row = found.row
            self.grew.emit(found)
            self.activity.emit(found.activity)

        self.cache.call(lambda cache: grow_replay(cache, replay_id, follower), grown)

    # shutdown --------------------------------------------------------------------------------
    @property
    def shut_down(self) -> bool:
        return self._shut_down

    def shutdown(self) -> None:
        """Timers stop first, then work is cancelled or drained, then the cache closes (safe to repeat)."""
        if self._shut_down:
            return
        self._shut_down = True
        self._next_number()  # an opening under way shows nothing now
        self._queue = []
        self.stopping.emit()
        self._retention.stop()
        self._backfill.stop()
        self._sync.stop_timer()
        if not self._sync.shutdown():
            log.warning("the sync thread did not end in time; its work is left to the exit")
        if not self._loader.shutdown():
            log.warning("a recording file was still being read at exit")
        self._assets.shutdown()
        self.cache.shutdown()
