"""What is open and what plays next: replays from the cache, files, links, queues, N/P, growing replays."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from replay_core.links import LinkError, format_link, parse_link
from viewer.settings import Settings
from viewer.storage import ReplayRow
from viewer.ui.cache_worker import CacheWorker
from viewer.ui.feed import ReplayFeed
from viewer.ui.feed_model import absolute_time, display_name
from viewer.ui.player_panel import PlayerPanel
from viewer.ui.replay_loading import MISSING_EVENTS, CachedReplay, load_cached_replay

if TYPE_CHECKING:
    from viewer.sync.syncer import SyncReport
    from viewer.ui.sync_runner import SyncRunner


class ReplayNavigator(QObject):
    playerWanted = Signal()  # show the player page
    titleChanged = Signal(str)
    message = Signal(str)  # one line for the status bar

    def __init__(
        self, settings: Settings, worker: CacheWorker, player: PlayerPanel, feed: ReplayFeed
    ) -> None:
        super().__init__(player)
        self.settings, self.worker, self.player, self.feed = settings, worker, player, feed
        self.current_row: ReplayRow | None = None
        self.queue: list[str] = []  # replays to play after this one (a profile's View replays)
        self.source_urls: dict[str, str] = {}  # replay source name -> replay API base URL
        self.sync_runner: SyncRunner | None = None
        player.ended.connect(self._continue_queue)

    # opening ----------------------------------------------------------------------------------
    def open_replay(
        self, replay_id: str, at_s: float | None = None, at_epoch_ms: float | None = None
    ) -> None:
        self.playerWanted.emit()
        self.player.begin_loading(replay_id)
        self.worker.call(
            lambda cache: load_cached_replay(cache, replay_id),
            lambda found: self._show(replay_id, found, at_s, at_epoch_ms),
            lambda message: self.player.show_error("This replay cannot be read from the cache", message),
        )

    def _show(
        self, replay_id: str, found: CachedReplay | str | None, at_s: float | None, at_epoch_ms: float | None
    ) -> None:
        if found == MISSING_EVENTS:
            self._fetch_then_open(replay_id, at_s, at_epoch_ms)
            return
        if not isinstance(found, tuple):
            self.player.show_error("Replay not found", f"Replay {replay_id} is not in the cache.")
            return
        recording, summary, row = found
        if at_s is None and at_epoch_ms is not None:
            at_s = max(0.0, (at_epoch_ms - recording.start_ts) / 1000)
        self.current_row = row
        user = (row.user_id, display_name(row)) if row.user_id else None
        title = f"{display_name(row)} · {absolute_time(row.start_ms)}"
        self.player.show_replay(recording, summary, title, row.id, user, at_s)
        self.feed.select(row.id)
        self.titleChanged.emit(title)

    def _fetch_then_open(self, replay_id: str, at_s: float | None, at_epoch_ms: float | None) -> None:
        if self.sync_runner is None:
            self.player.show_error(
                "Replay not downloaded", "Its events are not in the cache and no sync runs."
            )
            return
        self.player.title.setText("Downloading the replay's events…")
        self.sync_runner.fetch_events(
            replay_id,
            lambda: self.open_replay(replay_id, at_s, at_epoch_ms),
            lambda message: self.player.show_error("The replay could not be downloaded", message),
        )

    def open_from_feed(self, replay_id: str) -> None:
        self.queue = []
        self.open_replay(replay_id)

    def open_moment(self, replay_id: str, at_epoch_ms: float) -> None:
        """A report's moment: epoch ms of the event, or a negative number for the replay's start."""
        self.queue = []
        self.open_replay(replay_id, at_epoch_ms=at_epoch_ms if at_epoch_ms >= 0 else None)

    def open_file(self, path: Path, at_s: float | None = None) -> None:
        self.current_row = None
        self.playerWanted.emit()
        self.titleChanged.emit(path.name)
        self.player.open_path(path, at_s)

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
            self.message.emit(str(exc))
            return False
        self.queue = []
        self.open_replay(link.replay_id, at_s=link.at_s, at_epoch_ms=link.at_epoch_ms)
        return True

    def share_link(self, with_time: bool) -> str | None:
        row = self.current_row
        if row is None:
            return None
        at_s = self.player.controller.position_ms / 1000 if with_time else None
        return format_link(row.id, at_s, self.source_urls.get(row.source))

    # what plays next --------------------------------------------------------------------------
    def play_queue(self, replay_ids: list[str]) -> None:
        if replay_ids:
            self.open_replay(replay_ids[0])
            self.queue = list(replay_ids[1:])
            self._play_when_shown()

    def _play_when_shown(self) -> None:
        self.player.view.firstFrameShown.connect(self._start_once)

    def _start_once(self) -> None:
        self.player.view.firstFrameShown.disconnect(self._start_once)
        self.player.controller.play()

    def _continue_queue(self) -> None:
        if self.queue:
            self.play_queue(self.queue)

    def step(self, step: int) -> None:
        """N / P: the next or previous replay in the feed's order."""
        current = self.current_row.id if self.current_row else None
        target = self.feed.neighbour(current, step)
        if target is not None:
            self.queue = []
            self.open_replay(target)

    # a replay that grows while open -----------------------------------------------------------
    def after_sync(self, reports: list[SyncReport]) -> None:
        row = self.current_row
        if row is not None and any(r.source == row.source and r.replays_extended for r in reports):
            self.worker.call(
                lambda cache: load_cached_replay(cache, row.id),
                lambda found: self._extend(row.id, found),
            )

    def _extend(self, replay_id: str, found: CachedReplay | str | None) -> None:
        if not isinstance(found, tuple) or self.current_row is None or self.current_row.id != replay_id:
            return
        recording, summary, row = found
        if row.end_ms > self.current_row.end_ms:
            self.current_row = row
            self.player.extend_replay(recording, summary)
