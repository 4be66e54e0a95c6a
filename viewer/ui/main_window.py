"""The main window: feed, pages (player, profile, reports), menus and status bar. It only composes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from replay_core.heatmap import page_of
from replay_core.timeline import signal_markers
from viewer.settings import Settings, save_settings
from viewer.storage import ReplaySort
from viewer.sync.service import SyncStatus
from viewer.ui.activity_panel import ActivityPanel
from viewer.ui.appearance import apply_appearance
from viewer.ui.chrome import FullscreenChrome
from viewer.ui.collab_panel import CollectionsPanel, CommentsOfReplay
from viewer.ui.collection_offer import CollectionOffer
from viewer.ui.export_dialog import ExportDialog
from viewer.ui.feed import ReplayFeed
from viewer.ui.heatmaps_page import HeatmapsPage
from viewer.ui.link_dialog import ask_for_link
from viewer.ui.player_panel import PlayerPanel
from viewer.ui.profile_page import ProfilePage
from viewer.ui.replay_loading import OpenedReplay, QueuedReplay
from viewer.ui.reports_page import ReportsPage
from viewer.ui.session import ReplaySession
from viewer.ui.settings_dialog import SettingsDialog

RECORDING_FILTER = "Recordings (*.json *.ndjson *.jsonl *.gz *.req);;All files (*)"
# Below this window width the activity panel steps aside for the player (it comes back when wider).
PANELS_MIN_WINDOW_WIDTH = 960


class MainWindow(QMainWindow):
    """Places the widgets, builds the menus and connects them to the session; owns no state of its own."""

    def __init__(self, settings: Settings, session: ReplaySession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.session = session
        self.feed = ReplayFeed(session.cache, _sort(settings.feed_sort))
        self.player = PlayerPanel(settings)
        self.profile = ProfilePage(session.cache)
        self.reports = ReportsPage(session.cache)
        self.heatmaps: HeatmapsPage | None = None  # made when first shown
        self.pages = QStackedWidget()
        for page in (self.player, self.profile, self.reports):
            self.pages.addWidget(page)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.feed)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([340, 1000])
        self.setCentralWidget(self.splitter)
        self.activity = ActivityPanel()
        self.activity.setMinimumWidth(1)  # the window's own minimum stays the pages'; see _fit_panels
        self.activity_dock = self._dock("Activity", "activity", self.activity)
        self.activity_wanted = settings.activity_panel  # the user's choice; a narrow window hides it anyway
        self.collections = CollectionsPanel(session.cache)
        self.collections_dock = self._dock("Collections", "collections", self.collections)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.collections_dock)
        self.resizeDocks([self.collections_dock], [230], Qt.Orientation.Horizontal)  # until the user's own
        self.collections.setMinimumWidth(1)  # as the activity panel: a narrow window hides it (_fit_panels)
        # Shown once there is a collection (a new user's window keeps the room for the player), or as the
        # user chose from View.
        self.collections_wanted: bool | None = None
        self.has_collections = False
        self.collections.filled.connect(self._collections_filled)
        self.comments = CommentsOfReplay(self, session, self.player, self.activity)
        away = [self.feed, self.activity_dock, self.collections_dock]
        self.chrome = FullscreenChrome(self, [self.menuBar(), self.statusBar()], away=away)
        self._build_status_bar()
        self._build_menus()
        self._connect_widgets()
        self._connect_session()
        self._restore_layout()
        self.setAcceptDrops(True)
        self.setWindowTitle("Replay Viewer")
        self.player.take_keyboard()  # Space, F and the arrows drive the player from the start

    # construction ---------------------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        """A panel beside the pages, on the right unless the user moved it (the window remembers where)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState() finds it again by this name
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)  # shown or hidden from View
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

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
        file = self._menu("&File")
        self._add(file, "&Open recording…", ["Ctrl+O"], self.choose_file)
        self._add(file, "Open &link…", ["Ctrl+L"], self.ask_for_link)
        self._add(file, "Paste link", ["Ctrl+V"], self.paste_link)
        self._add(file, "&Import recordings…", ["Ctrl+I"], self.choose_import)
        self._add(file, "Load &demo replays", [], self.session.load_demo)
        self._add(file, "&Export clip…", ["Ctrl+E"], self.export_clip)
        file.addSeparator()
        self._add(file, "&Settings…", ["Ctrl+,"], self.open_settings)
        self._add(file, "&Quit", ["Ctrl+Q"], self.close)
        edit = self._menu("&Edit")
        self._add(edit, "&Copy link", ["Ctrl+Shift+C"], lambda: self.copy_link(with_time=True))
        self._add(edit, "Copy link &without time", [], lambda: self.copy_link(with_time=False))
        self._add(edit, "&Find replays", ["Ctrl+F"], self.feed.focus_search)
        edit.addSeparator()
        self._add(edit, "Add co&mment at this moment…", ["C"], self.comments.ask_for_comment)
        self._add(edit, "Add to c&ollection…", ["Ctrl+D"], self.comments.ask_for_collection)
        self._build_playback_menu(self._menu("&Playback"))
        go = self._menu("&Go")
        self._add(go, "&Player", ["Ctrl+1"], lambda: self.pages.setCurrentWidget(self.player))
        self._add(go, "&Reports", ["Ctrl+2"], self.show_reports)
        self._add(go, "User p&rofile", ["Ctrl+3"], self.show_current_user)
        self._add(go, "&Heatmaps", ["Ctrl+4"], self.show_heatmaps)
        self._add(go, "Heatmap of &this page", [], self.show_page_heatmap)
        view = self._menu("&View")
        self._add(view, "&Fullscreen", ["F"], self.chrome.toggle)
        self._add(view, "Leave fullscreen", ["Esc"], self.chrome.leave)
        self._add(view, "Show &feed", ["Ctrl+B"], lambda: self.feed.setVisible(not self.feed.isVisible()))
        self.activity_action = self._add(view, "&Activity panel", ["Ctrl+Shift+A"], self._want_activity, checkable=True)
        self.collections_action = self._add(view, "&Collections panel", [], self._want_collections, checkable=True)
        help_menu = self._menu("&Help")
        self._add(help_menu, "&About Replay Viewer", [], self.show_about)

    def _build_playback_menu(self, play: QMenu) -> None:
        c = self.player.controller  # the playback model the player shows; menus drive it like its controls
        self._add(play, "Play / pause", ["Space"], c.toggle)
        self._add(play, "Back 5 s", ["Left"], lambda: c.step(-5000))
        self._add(play, "Forward 5 s", ["Right"], lambda: c.step(5000))
        self._add(play, "Previous marker", ["Shift+Left"], c.previous_marker)
        self._add(play, "Next marker", ["Shift+Right"], c.next_marker)
        self._add(play, "Faster", ["Up"], c.faster)
        self._add(play, "Slower", ["Down"], c.slower)
        self.skip_action = self._add(play, "Skip inactivity", [], c.set_skip_inactivity, checkable=True)
        c.on_change(lambda: self.skip_action.setChecked(c.skip_inactivity))
        self.skip_action.setChecked(c.skip_inactivity)
        play.addSeparator()
        self._add(play, "Next replay", ["N"], lambda: self.step(1))
        self._add(play, "Previous replay", ["P"], lambda: self.step(-1))

    def _connect_widgets(self) -> None:
        session = self.session
        self.feed.replayActivated.connect(self.pick_replay)
        self.feed.searchLeft.connect(self.player.take_keyboard)
        self.feed.sortChosen.connect(self._remember_sort)
        self.feed.userRequested.connect(self.show_profile)
        self.player.userRequested.connect(self.show_profile)
        self.player.openFileRequested.connect(self.choose_file)
        self.player.fullscreenRequested.connect(self.chrome.toggle)
        self.player.doubleClicked.connect(self.chrome.toggle)
        self.player.pointerMoved.connect(self.chrome.reveal)
        self.player.ended.connect(session.replay_ended)
        self.player.keyframeKept.connect(session.keep_keyframe)
        self.activity.seekRequested.connect(self._seek_to_activity)
        self.player.controller.on_change(self._follow_activity)
        self.profile.playRequested.connect(self.play_queue)
        self.reports.playRequested.connect(self.play_queue)
        self.profile.replayActivated.connect(self.pick_replay)
        self.reports.openMoment.connect(session.open_moment)
        self.reports.heatmapsRequested.connect(self.show_heatmaps)
        self.player.pageHeatmapRequested.connect(self.show_page_heatmap)
        self.chrome.chromeShown.connect(self.player.set_controls_visible)
        self.chrome.presentingChanged.connect(lambda on: self.player.set_header_visible(not on))

    def _connect_session(self) -> None:
        session, player = self.session, self.player
        session.loading.connect(self._show_player)
        session.loading.connect(player.begin_loading)
        session.previewed.connect(player.show_preview)
        session.opened.connect(self._opened)
        session.assetsReady.connect(self.player.show_assets)
        session.grew.connect(player.extend_replay)
        session.failed.connect(player.show_problem)
        session.activity.connect(self.comments.set_activity)
        session.opened.connect(lambda opened: self.comments.load(opened.replay_id))
        session.replaysChanged.connect(self.collections.refresh)
        session.replaysChanged.connect(self.comments.reload)
        self.comments.changed.connect(self.collections.refresh)
        self.comments.message.connect(self.statusBar().showMessage)
        self.collections.message.connect(self.statusBar().showMessage)
        self.collections.playRequested.connect(self._present)
        for offer in (self.feed.collection_offer, self.reports.collection_offer):
            self._offer_collections(offer)
        session.activity.connect(lambda entries: player.add_signal_markers(signal_markers(entries)))
        session.failed.connect(self._highlight_playing)
        # A new search, a sort, an import: the list is read again and the playing replay highlighted in it.
        self.feed.model.modelReset.connect(self._highlight_playing)
        self.feed.model.rowsInserted.connect(self._highlight_playing)
        session.message.connect(self.statusBar().showMessage)
        session.replaysChanged.connect(self.feed.refresh)
        session.syncStatusChanged.connect(self._show_sync_status)
        # clearMessage stops the status bar's own timer (a message shown for some seconds)
        for stop in (self.feed.stop, self.player.stop, self.chrome.stop, self.statusBar().clearMessage):
            session.stopping.connect(stop)

    def _offer_collections(self, offer: CollectionOffer) -> None:
        """A list's Add to collection: the collections the panel lists, added where Ctrl+D adds."""
        offer.names = self.collections.names
        offer.requested.connect(self.comments.add_requested)

    def _restore_layout(self) -> None:
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))
        else:
            self.resize(1400, 900)
        if self.settings.splitter_state:
            self.splitter.restoreState(QByteArray.fromBase64(self.settings.splitter_state.encode()))
        if self.settings.docks_state:
            self.restoreState(QByteArray.fromBase64(self.settings.docks_state.encode()))
        self._fit_panels()

    # what the session says --------------------------------------------------------------------
    def _show_player(self) -> None:
        self.pages.setCurrentWidget(self.player)

    def _opened(self, opened: OpenedReplay) -> None:
        self.player.show_replay(opened)
        self.feed.highlight(opened.replay_id, scroll=True)
        self.setWindowTitle(f"{opened.title} — Replay Viewer")

    def _want_activity(self, wanted: bool) -> None:
        self.activity_wanted = wanted
        self._fit_panels()
        if wanted and self.activity_dock.isHidden():
            self.statusBar().showMessage("The activity panel shows in a wider window", 5000)

    def _fit_panels(self) -> None:
        """The activity and collections panels show when the user wants them and the window has room for
        them beside the player; a narrow window keeps its whole width for the pages."""
        self.activity_action.setChecked(self.activity_wanted)
        room = self.width() >= PANELS_MIN_WINDOW_WIDTH and not self.isFullScreen()
        self.activity_dock.setVisible(self.activity_wanted and room)
        wanted = self.has_collections if self.collections_wanted is None else self.collections_wanted
        self.collections_action.setChecked(wanted)
        self.collections_dock.setVisible(wanted and room)

    def _want_collections(self, wanted: bool) -> None:
        self.collections_wanted = wanted
        self._fit_panels()

    def _collections_filled(self, count: int) -> None:
        self.has_collections = count > 0
        self._fit_panels()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_panels()

    def _seek_to_activity(self, at_ms: float) -> None:
        """A row of the activity panel chosen: the player goes there (the panel took its lead-in off)."""
        self._show_player()
        self.player.controller.seek(at_ms)
        self.player.take_keyboard()

    def _follow_activity(self) -> None:
        self.activity.setPlayhead(self.player.controller.position_ms)

    def _remember_sort(self, sort: ReplaySort) -> None:
        self.settings.feed_sort = sort.value
        save_settings(self.settings)

    def _highlight_playing(self) -> None:
        self.feed.highlight(self.session.current_replay_id)

    def _show_sync_status(self, status: SyncStatus | None) -> None:
        if status is None:
            self.sync_label.setText("No sources — working from the local cache")
            self.sync_progress.hide()
            return
        self.sync_label.setText(status.text())
        self.sync_progress.setVisible(status.syncing and status.total > 0)
        self.sync_progress.setRange(0, max(1, status.total))
        self.sync_progress.setValue(status.done)

    # opening replays --------------------------------------------------------------------------
    def choose_file(self) -> None:
        folder = self.settings.last_open_folder or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open recording", folder, RECORDING_FILTER)
        if path:
            self.settings.last_open_folder = str(Path(path).parent)
            self.session.open_file(Path(path))

    def pick_replay(self, replay_id: str) -> None:
        """A replay picked in a list: it opens, and the keyboard goes to the player."""
        self.session.open_replay(replay_id)
        self.player.take_keyboard()

    def play_queue(self, queue: list[QueuedReplay]) -> None:
        """View replays (a profile's, a report's): they play in turn, and the keyboard goes to the player."""
        self.session.play_queue(queue)
        self.player.take_keyboard()

    def _present(self, queue: list[QueuedReplay]) -> None:
        """A collection plays as a presentation: in order, skipping inactivity, N / P within it."""
        self.player.controller.set_skip_inactivity(True)
        self.play_queue(queue)

    def ask_for_link(self) -> None:
        text = ask_for_link(self, QGuiApplication.clipboard().text())
        if text:
            self.session.open_link(text)

    def paste_link(self) -> None:
        self.session.open_link(QGuiApplication.clipboard().text())

    def step(self, step: int) -> None:
        """N / P: the next or previous replay of the collection playing, else in the feed's order."""
        in_collection = self.collections.neighbour(self.session.current_replay_id, step)
        if in_collection is not None:
            self.play_queue(in_collection)
            return
        target = self.feed.neighbour(self.session.current_replay_id, step)
        if target is not None:
            self.session.open_replay(target)

    # links, pages -----------------------------------------------------------------------------
    def copy_link(self, with_time: bool) -> None:
        link = self.session.share_link(self.player.position_s() if with_time else None)
        if link is None:
            self.statusBar().showMessage("Only replays in the cache have links; import the file first.", 6000)
            return
        QGuiApplication.clipboard().setText(link)
        self.statusBar().showMessage(f"Copied {link}", 6000)

    def show_profile(self, user_id: str) -> None:
        self.profile.show_user(user_id)
        self.pages.setCurrentWidget(self.profile)

    def show_current_user(self) -> None:
        user_id = self.session.current_user_id
        if user_id:
            self.show_profile(user_id)

    def show_reports(self) -> None:
        self.reports.refresh()
        self.pages.setCurrentWidget(self.reports)

    def heatmaps_page(self) -> HeatmapsPage:
        """The Heatmaps page, made when first shown (its own player page is not started with the window)."""
        if self.heatmaps is None:
            self.heatmaps = HeatmapsPage(self.session.cache, self.settings.load_remote_assets)
            self.heatmaps.openMoment.connect(self.session.open_moment)
            self._offer_collections(self.heatmaps.collection_offer)
            self.session.stopping.connect(self.heatmaps.stop)
            self.pages.addWidget(self.heatmaps)
        return self.heatmaps

    def show_heatmaps(self) -> None:
        page = self.heatmaps_page()
        page.refresh()
        self.pages.setCurrentWidget(page)

    def show_page_heatmap(self) -> None:
        """The heatmap of the page the player shows at the playhead."""
        shown = self.player.shown
        href = shown.href_at(self.player.controller.position_ms) if shown else None
        page = page_of(href) if href else None
        if page is None:
            self.statusBar().showMessage("Open a replay first: its page's heatmap is shown", 6000)
            return
        heatmaps = self.heatmaps_page()
        heatmaps.show_page(page)
        self.pages.setCurrentWidget(heatmaps)

    # import, settings -------------------------------------------------------------------------
    def export_clip(self) -> None:
        player = self.player
        if player.shown is None or not player.view.showing:
            self.statusBar().showMessage("Open a replay to export a clip of it", 4000)
            return
        c = player.controller
        selection = player.controls.timeline.selection  # Shift+drag on the timeline
        dialog = ExportDialog(
            player.shown, player.view.write_events, player.replay_id, player.title.text(), c.markers, c.position_ms,
            c.skip_inactivity, self,
            selection=selection,
        )  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.session.stopping.connect(dialog.stop)  # the export process ends with the app, leaving no file
        dialog.show()

    def choose_import(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import recordings", self.settings.last_open_folder, RECORDING_FILTER
        )
        if paths:
            self.session.import_files([Path(p) for p in paths])

    def show_about(self) -> None:
        from viewer.ui.about_dialog import AboutDialog

        AboutDialog(self).exec()

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self, self.session.cache)
        if dialog.exec():
            dialog.apply()
            save_settings(self.settings)
            apply_appearance(self.settings.appearance)
            self.player.apply_settings()
        self.session.reload_sources(sync=dialog.sources_changed)

    # window events ----------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls() or event.mimeData().hasText():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        local = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if local:
            self.session.open_file(Path(local[0]))
        elif event.mimeData().hasText():
            self.session.open_link(event.mimeData().text())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.chrome.leave()
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        self.settings.splitter_state = bytes(self.splitter.saveState().toBase64().data()).decode()
        self.settings.docks_state = bytes(self.saveState().toBase64().data()).decode()
        self.settings.activity_panel = self.activity_wanted
        save_settings(self.settings)
        self.session.shutdown()
        super().closeEvent(event)


def _sort(stored: str) -> ReplaySort:
    """The feed order remembered in the settings; one this version does not know is the default."""
    try:
        return ReplaySort(stored)
    except ValueError:
        return ReplaySort.RECENT
