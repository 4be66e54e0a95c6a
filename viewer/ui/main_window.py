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

from viewer.settings import Settings, save_settings
from viewer.sync.service import SyncStatus
from viewer.sync.sources import load_config
from viewer.sync.syncer import SyncReport
from viewer.ui.cache_worker import CacheWorker
from viewer.ui.chrome import FullscreenChrome
from viewer.ui.feed import ReplayFeed
from viewer.ui.navigator import ReplayNavigator
from viewer.ui.player_panel import PlayerPanel
from viewer.ui.profile_page import ProfilePage
from viewer.ui.replay_loading import import_files
from viewer.ui.reports_page import ReportsPage
from viewer.ui.settings_dialog import SettingsDialog
from viewer.ui.sync_runner import SyncRunner

RECORDING_FILTER = "Recordings (*.json *.ndjson *.jsonl *.gz *.req);;All files (*)"


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings, worker: CacheWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.worker = worker
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
        self.navigator = ReplayNavigator(settings, worker, self.player, self.feed)
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
        self._add(play, "Next replay", ["N"], lambda: self.navigator.step(1))
        self._add(play, "Previous replay", ["P"], lambda: self.navigator.step(-1))
        go = self._menu("&Go")
        self._add(go, "&Player", ["Ctrl+1"], lambda: self.pages.setCurrentWidget(self.player))
        self._add(go, "&Reports", ["Ctrl+2"], self.show_reports)
        self._add(go, "User p&rofile", ["Ctrl+3"], self.show_current_user)
        view = self._menu("&View")
        self._add(view, "&Fullscreen", ["F"], self.toggle_fullscreen)
        self._add(view, "Leave fullscreen", ["Esc"], self.leave_fullscreen)
        self._add(view, "Show &feed", ["Ctrl+B"], lambda: self.feed.setVisible(not self.feed.isVisible()))

    def _connect(self) -> None:
        nav = self.navigator
        self.feed.replayActivated.connect(nav.open_from_feed)
        self.feed.userRequested.connect(self.show_profile)
        nav.playerWanted.connect(lambda: self.pages.setCurrentWidget(self.player))
        nav.titleChanged.connect(lambda title: self.setWindowTitle(f"{title} — Replay Viewer"))
        nav.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.player.userRequested.connect(self.show_profile)
        self.player.openFileRequested.connect(self.choose_file)
        self.player.fullscreenRequested.connect(self.toggle_fullscreen)
        self.player.view.bridge.doubleClick.connect(self.toggle_fullscreen)
        self.player.view.bridge.pointerMove.connect(self._reveal_chrome)
        self.player.controller.on_change(
            lambda: self.skip_action.setChecked(self.player.controller.skip_inactivity)
        )
        self.skip_action.setChecked(self.player.controller.skip_inactivity)
        self.profile.playRequested.connect(nav.play_queue)
        self.profile.replayActivated.connect(nav.open_from_feed)
        self.reports.openMoment.connect(nav.open_moment)
        self.worker.failed.connect(lambda message: self.statusBar().showMessage(message, 10000))
        self.chrome = FullscreenChrome(
            self,
            [self.player.controls, self.menuBar(), self.statusBar()],
            away=[self.feed, self.player.header],
        )

    # sync ---------------------------------------------------------------------------------------
    def attach_sync(self, runner: SyncRunner) -> None:
        self.sync_runner = runner
        self.navigator.sync_runner = runner
        runner.statusChanged.connect(self._show_sync_status)
        runner.synced.connect(self._after_sync)
        self._load_source_urls()

    def _load_source_urls(self) -> None:
        self.navigator.source_urls = {source.name: source.url for source in load_config().sources}

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
        self.navigator.after_sync(reports)

    def _restore_layout(self) -> None:
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))
        else:
            self.resize(1400, 900)
        if self.settings.splitter_state:
            self.splitter.restoreState(QByteArray.fromBase64(self.settings.splitter_state.encode()))

    # opening replays --------------------------------------------------------------------------
    def choose_file(self) -> None:
        folder = self.settings.last_open_folder or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open recording", folder, RECORDING_FILTER)
        if path:
            self.settings.last_open_folder = str(Path(path).parent)
            self.navigator.open_file(Path(path))

    def ask_for_link(self) -> None:
        text, ok = QInputDialog.getText(self, "Open link", "Link to a replay:")
        if ok and text.strip():
            self.navigator.open_link(text)

    def paste_link(self) -> None:
        self.navigator.open_link(QGuiApplication.clipboard().text())

    # links, queue, navigation -----------------------------------------------------------------
    def copy_link(self, with_time: bool) -> None:
        link = self.navigator.share_link(with_time)
        if link is None:
            self.statusBar().showMessage("Only replays in the cache have links; import the file first.", 6000)
            return
        QGuiApplication.clipboard().setText(link)
        self.statusBar().showMessage(f"Copied {link}", 6000)

    def show_profile(self, user_id: str) -> None:
        self.profile.show_user(user_id)
        self.pages.setCurrentWidget(self.profile)

    def show_current_user(self) -> None:
        row = self.navigator.current_row
        if row is not None and row.user_id:
            self.show_profile(row.user_id)

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
        self.worker.call(lambda cache: import_files(cache, paths), self._imported)

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
            self.navigator.open_file(Path(local[0]))
        elif event.mimeData().hasText():
            self.navigator.open_link(event.mimeData().text())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.chrome.leave()
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        self.settings.splitter_state = bytes(self.splitter.saveState().toBase64().data()).decode()
        save_settings(self.settings)
        self.player.shutdown()
        super().closeEvent(event)
