"""The main window: feed, pages (player, profile, reports), menus and status bar. It only composes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from viewer.recording import Recording, ReplaySummary, summarize
from viewer.recording.links import LinkError, ShareLink, format_link, parse_link
from viewer.settings import Settings, save_settings
from viewer.storage import ReplayCache, ReplayRow
from viewer.sync.service import SyncStatus
from viewer.sync.sources import load_config
from viewer.sync.syncer import SyncReport
from viewer.ui.cache_worker import CacheWorker
from viewer.ui.feed import ReplayFeed
from viewer.ui.feed_model import absolute_time, display_name
from viewer.ui.player_panel import PlayerPanel
from viewer.ui.profile_page import ProfilePage
from viewer.ui.reports_page import ReportsPage
from viewer.ui.settings_dialog import SettingsDialog
from viewer.ui.sync_runner import SyncRunner

RECORDING_FILTER = "Recordings (*.json *.ndjson *.jsonl *.gz *.req);;All files (*)"
CachedReplay = tuple[Recording, ReplaySummary, ReplayRow]


class EventsNotDownloaded(Exception):
    """The replay is kept as metadata only (beyond the disk budget); its events must be fetched."""


def load_cached_replay(cache: ReplayCache, replay_id: str, threshold_ms: float) -> CachedReplay | None:
    """Runs on the cache thread: a replay's events, summary and row, or None when it is not cached."""
    row = cache.get_replay(replay_id)
    if row is None:
        return None
    if not cache.has_events(replay_id):
        raise EventsNotDownloaded(replay_id)
    recording = Recording(events=cache.events(replay_id), name=replay_id)
    return recording, summarize(recording, threshold_ms), row


def _import_all(cache: ReplayCache, paths: list[Path]) -> str:
    """Runs on the cache thread: import files, and say in one line how it went."""
    from viewer.storage.importer import import_paths

    outcomes = list(import_paths(cache, paths))
    failed = [o for o in outcomes if o.failed]
    text = f"Imported {len(outcomes) - len(failed)} of {len(outcomes)} files"
    if failed:
        reasons = failed[0].problems or [reason for _, reason in failed[0].result.skipped]
        text += f"; {failed[0].name}: {reasons[0] if reasons else 'failed'}"
    return text


MISSING_EVENTS = "missing-events"


def _load_or_missing(cache: ReplayCache, replay_id: str, threshold_ms: float) -> CachedReplay | str | None:
    try:
        return load_cached_replay(cache, replay_id, threshold_ms)
    except EventsNotDownloaded:
        return MISSING_EVENTS


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings, worker: CacheWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.worker = worker
        self.source_urls: dict[str, str] = {}  # replay source name -> replay API base URL
        self.feed = ReplayFeed(worker)
        self.player = PlayerPanel(settings)
        self.profile = ProfilePage(worker)
        self.reports = ReportsPage(worker)
        self.pages = QStackedWidget()
        for page in (self.player, self.profile, self.reports):
            self.pages.addWidget(page)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.feed)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([340, 1000])
        self.setCentralWidget(self.splitter)
        self.queue: list[str] = []  # replays to play next (a profile's View replays)
        self.current_row: ReplayRow | None = None
        self._build_status_bar()
        self._build_menus()
        self._connect()
        self._restore_layout()
        self.setAcceptDrops(True)
        self.setWindowTitle("Replay Viewer")

    # construction ---------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        self.sync_label = QLabel("")
        self.sync_progress = QProgressBar()
        self.sync_progress.setMaximumWidth(160)
        self.sync_progress.hide()
        self.statusBar().addPermanentWidget(self.sync_label)
        self.statusBar().addPermanentWidget(self.sync_progress)

    def _menu(self, title: str) -> QMenu:
        return self.menuBar().addMenu(title)

    def _add(self, menu: QMenu, text: str, keys: list[str], slot: object, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts keep working while the menu bar is hidden in fullscreen
        return action

    def _build_menus(self) -> None:
        c = self.player.controller
        file = self._menu("&File")
        self._add(file, "&Open recording…", ["Ctrl+O"], self.choose_file)
        self._add(file, "Open &link…", ["Ctrl+L"], self.ask_for_link)
        self._add(file, "Paste link", ["Ctrl+V"], self.paste_link)
        self.import_action = self._add(file, "&Import recordings…", ["Ctrl+I"], self.choose_import)
        self.demo_action = self._add(file, "Load &demo replays", [], self.load_demo)
        file.addSeparator()
        self._add(file, "&Settings…", ["Ctrl+,"], self.open_settings)
        self._add(file, "&Quit", ["Ctrl+Q"], self.close)
        edit = self._menu("&Edit")
        self._add(edit, "&Copy link", ["Ctrl+Shift+C"], lambda: self.copy_link(with_time=True))
        self._add(edit, "Copy link &without time", [], lambda: self.copy_link(with_time=False))
        self._add(edit, "&Find replays", ["Ctrl+F"], self.focus_search)
        play = self._menu("&Playback")
        self._add(play, "Play / pause", ["Space"], c.toggle)
        self._add(play, "Back 5 s", ["Left"], lambda: c.step(-5000))
        self._add(play, "Forward 5 s", ["Right"], lambda: c.step(5000))
        self._add(play, "Previous marker", ["Shift+Left"], c.previous_marker)
        self._add(play, "Next marker", ["Shift+Right"], c.next_marker)
        self._add(play, "Faster", ["Up"], c.faster)
        self._add(play, "Slower", ["Down"], c.slower)
        self.skip_action = self._add(play, "Skip inactivity", [], c.set_skip_inactivity, checkable=True)
        play.addSeparator()
        self._add(play, "Next replay", ["N"], lambda: self.step_replay(1))
        self._add(play, "Previous replay", ["P"], lambda: self.step_replay(-1))
        go = self._menu("&Go")
        self._add(go, "&Player", ["Ctrl+1"], lambda: self.pages.setCurrentWidget(self.player))
        self._add(go, "&Reports", ["Ctrl+2"], self.show_reports)
        self._add(go, "User p&rofile", ["Ctrl+3"], self.show_current_user)
        view = self._menu("&View")
        self._add(view, "&Fullscreen", ["F"], self.toggle_fullscreen)
        self._add(view, "Leave fullscreen", ["Esc"], self.leave_fullscreen)
        self._add(view, "Show &feed", ["Ctrl+B"], lambda: self.feed.setVisible(not self.feed.isVisible()))

    def _connect(self) -> None:
        self.feed.replayActivated.connect(self._open_from_feed)
        self.player.userRequested.connect(self.show_profile)
        self.player.ended.connect(self._continue_queue)
        self.player.openFileRequested.connect(self.choose_file)
        self.player.fullscreenRequested.connect(self.toggle_fullscreen)
        self.player.view.bridge.doubleClick.connect(self.toggle_fullscreen)
        self.player.view.bridge.pointerMove.connect(self._reveal_chrome)
        self.player.controller.on_change(
            lambda: self.skip_action.setChecked(self.player.controller.skip_inactivity)
        )
        self.skip_action.setChecked(self.player.controller.skip_inactivity)
        self.profile.playRequested.connect(self.play_queue)
        self.profile.replayActivated.connect(self.open_replay)
        self.reports.openMoment.connect(self._open_moment)
        self.worker.failed.connect(lambda message: self.statusBar().showMessage(message, 10000))
        from viewer.ui.chrome import FullscreenChrome

        self.chrome = FullscreenChrome(
            self,
            [self.player.controls, self.menuBar(), self.statusBar()],
            away=[self.feed, self.player.header],
        )

    # sync ---------------------------------------------------------------------------------------
    def attach_sync(self, runner: SyncRunner) -> None:
        self.sync_runner = runner
        runner.statusChanged.connect(self._show_sync_status)
        runner.synced.connect(self._after_sync)
        self._load_source_urls()

    def _load_source_urls(self) -> None:
        self.source_urls = {source.name: source.url for source in load_config().sources}

    def _show_sync_status(self, status: SyncStatus | None) -> None:
        if status is None:
            self.sync_label.setText("No sources — working from the local cache")
            self.sync_progress.hide()
            return
        self.sync_label.setText(status.text())
        self.sync_progress.setVisible(status.syncing and status.total > 0)
        self.sync_progress.setRange(0, max(1, status.total))
        self.sync_progress.setValue(status.done)

    def _after_sync(self, reports: list[SyncReport]) -> None:
        if any(
            r.replays_added or r.replays_extended or r.replays_deleted or r.users_deleted for r in reports
        ):
            self.feed.refresh()
        row = self.current_row
        if row is not None and any(r.source == row.source and r.replays_extended for r in reports):
            self.extend_current_replay()

    def extend_current_replay(self) -> None:
        """The open replay grew on the server: add its new events without restarting playback."""
        row = self.current_row
        if row is None:
            return
        threshold = self.settings.inactivity_threshold_s * 1000
        self.worker.call(
            lambda cache: load_cached_replay(cache, row.id, threshold),
            lambda found: self._extend(row.id, found),
        )

    def _extend(self, replay_id: str, found: CachedReplay | None) -> None:
        if found is None or self.current_row is None or self.current_row.id != replay_id:
            return
        recording, summary, row = found
        if row.end_ms > self.current_row.end_ms:
            self.current_row = row
            self.player.extend_replay(recording, summary)

    def _restore_layout(self) -> None:
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))
        else:
            self.resize(1400, 900)
        if self.settings.splitter_state:
            self.splitter.restoreState(QByteArray.fromBase64(self.settings.splitter_state.encode()))

    # opening replays --------------------------------------------------------------------------
    def _open_from_feed(self, replay_id: str) -> None:
        self.queue = []
        self.open_replay(replay_id)

    def open_replay(
        self, replay_id: str, at_s: float | None = None, at_epoch_ms: float | None = None
    ) -> None:
        self.pages.setCurrentWidget(self.player)
        self.player.begin_loading(replay_id)
        threshold = self.settings.inactivity_threshold_s * 1000
        self.worker.call(
            lambda cache: _load_or_missing(cache, replay_id, threshold),
            lambda found: self._show_cached(replay_id, found, at_s, at_epoch_ms),
            lambda message: self.player.show_error("This replay cannot be read from the cache", message),
        )

    def _show_cached(
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
        self.setWindowTitle(f"{title} — Replay Viewer")

    def _fetch_then_open(self, replay_id: str, at_s: float | None, at_epoch_ms: float | None) -> None:
        runner = getattr(self, "sync_runner", None)
        if runner is None:
            self.player.show_error(
                "Replay not downloaded", "Its events are not in the cache and no sync runs."
            )
            return
        self.player.title.setText("Downloading the replay's events…")
        runner.fetch_events(
            replay_id,
            lambda: self.open_replay(replay_id, at_s, at_epoch_ms),
            lambda message: self.player.show_error("The replay could not be downloaded", message),
        )

    def _open_moment(self, replay_id: str, at_epoch_ms: float) -> None:
        self.queue = []
        self.open_replay(replay_id, at_epoch_ms=at_epoch_ms if at_epoch_ms >= 0 else None)

    def open_file(self, path: Path, at_s: float | None = None) -> None:
        self.current_row = None
        self.pages.setCurrentWidget(self.player)
        self.setWindowTitle(f"{path.name} — Replay Viewer")
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
            self.statusBar().showMessage(str(exc), 10000)
            return False
        self.queue = []
        self.open_replay(link.replay_id, at_s=link.at_s, at_epoch_ms=link.at_epoch_ms)
        return True

    def choose_file(self) -> None:
        folder = self.settings.last_open_folder or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open recording", folder, RECORDING_FILTER)
        if path:
            self.settings.last_open_folder = str(Path(path).parent)
            self.open_file(Path(path))

    def ask_for_link(self) -> None:
        text, ok = QInputDialog.getText(self, "Open link", "Link to a replay:")
        if ok and text.strip():
            self.open_link(text)

    def paste_link(self) -> None:
        self.open_link(QGuiApplication.clipboard().text())

    # links, queue, navigation -----------------------------------------------------------------
    def share_link(self, with_time: bool) -> str | None:
        row = self.current_row
        if row is None:
            return None
        at_s = self.player.controller.position_ms / 1000 if with_time else None
        return format_link(row.id, at_s, self.source_urls.get(row.source))

    def copy_link(self, with_time: bool) -> None:
        link = self.share_link(with_time)
        if link is None:
            self.statusBar().showMessage("Only replays in the cache have links; import the file first.", 6000)
            return
        QGuiApplication.clipboard().setText(link)
        self.statusBar().showMessage(f"Copied {link}", 6000)

    def play_queue(self, replay_ids: list[str]) -> None:
        self.queue = list(replay_ids[1:])
        if replay_ids:
            self.open_replay(replay_ids[0])
            self._play_when_shown()

    def _play_when_shown(self) -> None:
        self.player.view.firstFrameShown.connect(self._start_once)

    def _start_once(self) -> None:
        self.player.view.firstFrameShown.disconnect(self._start_once)
        self.player.controller.play()

    def _continue_queue(self) -> None:
        if self.queue:
            next_id = self.queue.pop(0)
            remaining = self.queue
            self.open_replay(next_id)
            self.queue = remaining
            self._play_when_shown()

    def step_replay(self, step: int) -> None:
        current = self.current_row.id if self.current_row else None
        target = self.feed.neighbour(current, step)
        if target is not None:
            self.queue = []
            self.open_replay(target)

    def show_profile(self, user_id: str) -> None:
        self.profile.show_user(user_id)
        self.pages.setCurrentWidget(self.profile)

    def show_current_user(self) -> None:
        if self.current_row is not None and self.current_row.user_id:
            self.show_profile(self.current_row.user_id)

    def show_reports(self) -> None:
        self.reports.refresh()
        self.pages.setCurrentWidget(self.reports)

    def focus_search(self) -> None:
        self.feed.show()
        self.feed.search.setFocus()
        self.feed.search.selectAll()

    # import, demo, settings -------------------------------------------------------------------
    def choose_import(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import recordings", self.settings.last_open_folder, RECORDING_FILTER
        )
        if paths:
            self.import_paths([Path(p) for p in paths])

    def import_paths(self, paths: list[Path]) -> None:
        self.statusBar().showMessage(f"Importing {len(paths)} files…")
        self.worker.call(lambda cache: _import_all(cache, paths), self._imported)

    def _imported(self, summary: str) -> None:
        self.statusBar().showMessage(summary, 10000)
        self.feed.refresh()

    def load_demo(self) -> None:
        from viewer import demo

        if not demo.demo_available():
            self.statusBar().showMessage("The demo replays are not installed.", 8000)
            return
        self.worker.call(lambda cache: demo.load_demo(cache), lambda count: self._demo_loaded(count))

    def _demo_loaded(self, count: int) -> None:
        self.settings.demo_offered = True
        save_settings(self.settings)
        self.statusBar().showMessage(f"Loaded {count} demo replays", 8000)
        self.feed.refresh()

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            dialog.apply()
            save_settings(self.settings)
            self.player.view.set_remote_assets(self.settings.load_remote_assets)
        self._load_source_urls()
        if dialog.sources_changed and getattr(self, "sync_runner", None) is not None:
            self.sync_runner.sync_now()

    # fullscreen -------------------------------------------------------------------------------
    def toggle_fullscreen(self) -> None:
        self.chrome.toggle()

    def leave_fullscreen(self) -> None:
        self.chrome.leave()

    def _reveal_chrome(self) -> None:
        self.chrome.reveal()

    # window events ----------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls() or event.mimeData().hasText():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        local = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if local:
            self.open_file(Path(local[0]))
        elif event.mimeData().hasText():
            self.open_link(event.mimeData().text())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.chrome.leave()
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        self.settings.splitter_state = bytes(self.splitter.saveState().toBase64().data()).decode()
        save_settings(self.settings)
        self.player.shutdown()
        super().closeEvent(event)


__all__ = ["MainWindow", "ShareLink", "load_cached_replay"]
