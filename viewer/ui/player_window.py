"""The player window: the replay, its controls, menus and shortcuts; it composes, the parts do the work."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from viewer.player.controller import PlaybackController
from viewer.player.view import ReplayView
from viewer.recording import Recording, ReplaySummary
from viewer.settings import Settings, save_settings
from viewer.ui.controls import ControlsBar
from viewer.ui.error_panel import ErrorPanel
from viewer.ui.loader import RecordingLoader
from viewer.ui.notice import NoticeOverlay

TICK_MS = 50
HIDE_CONTROLS_MS = 2000
RECORDING_FILTER = "Recordings (*.json *.ndjson *.jsonl *.gz *.req);;All files (*)"


class PlayerWindow(QMainWindow):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.view = ReplayView(remote_assets=settings.load_remote_assets)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.controller = PlaybackController(
            self.view, speed=settings.playback_speed, skip_inactivity=settings.skip_inactivity
        )
        self.controls = ControlsBar(self.controller)
        self.loader = RecordingLoader(self)
        self.error_panel = ErrorPanel()
        self.recording: Recording | None = None
        self._request = 0
        self._build()
        self._build_actions()
        self._connect()
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(HIDE_CONTROLS_MS)
        self._hide_timer.timeout.connect(self._hide_chrome)
        self.setAcceptDrops(True)
        self.setWindowTitle("Replay Viewer")
        self.resize(1280, 860)

    # construction ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.stage = QWidget()
        stage_layout = QVBoxLayout(self.stage)
        stage_layout.setContentsMargins(0, 0, 0, 0)
        stage_layout.addWidget(self.view)
        self.notice = NoticeOverlay(self.stage)
        self.empty = self._empty_page()
        self.pages = QStackedWidget()
        for page in (self.empty, self.stage, self.error_panel):
            self.pages.addWidget(page)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.controls)
        self.setCentralWidget(central)
        self.controls.setEnabled(False)

    def _empty_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        hint = QLabel("Open a recording to watch it: rrweb JSON, NDJSON, gzip, or a mixpanel /record batch.")
        button = QPushButton("Open recording…")
        button.clicked.connect(self.choose_file)
        layout.addStretch(1)
        layout.addWidget(hint, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        return page

    def _action(self, menu_name: str, text: str, keys: list[str], slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self._menus[menu_name].addAction(action)
        self.addAction(action)  # shortcuts keep working when the menu bar is hidden in fullscreen
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        self._menus = {name: bar.addMenu(name) for name in ("&File", "&Playback", "&View")}
        c = self.controller
        self._action("&File", "&Open recording…", ["Ctrl+O"], self.choose_file)
        self._action("&File", "&Quit", ["Ctrl+Q"], self.close)
        self._action("&Playback", "Play / pause", ["Space"], c.toggle)
        self._action("&Playback", "Back 5 s", ["Left"], lambda: c.step(-5000))
        self._action("&Playback", "Forward 5 s", ["Right"], lambda: c.step(5000))
        self._action("&Playback", "Previous marker", ["Shift+Left"], c.previous_marker)
        self._action("&Playback", "Next marker", ["Shift+Right"], c.next_marker)
        self._action("&Playback", "Faster", ["Up"], c.faster)
        self._action("&Playback", "Slower", ["Down"], c.slower)
        self.skip_action = self._action("&Playback", "Skip inactivity", [], c.set_skip_inactivity)
        self.skip_action.setCheckable(True)
        self.skip_action.setChecked(c.skip_inactivity)
        self._action("&View", "&Fullscreen", ["F"], self.toggle_fullscreen)
        self._action("&View", "Leave fullscreen", ["Esc"], self.leave_fullscreen)

    def _connect(self) -> None:
        self.controller.on_notice(self.notice.show_notice)
        self.controller.on_change(self._on_controller_change)
        self.controls.fullscreenRequested.connect(self.toggle_fullscreen)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.view.loadFailed.connect(
            lambda message: self.show_error("The player could not show this replay", message)
        )
        self.view.bridge.doubleClick.connect(self.toggle_fullscreen)
        self.view.bridge.pointerMove.connect(self._reveal_chrome)
        self.error_panel.openAnotherRequested.connect(self.choose_file)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._keep_keys_out_of_the_page)

    # opening --------------------------------------------------------------------------------
    def choose_file(self) -> None:
        folder = self.settings.last_open_folder or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open recording", folder, RECORDING_FILTER)
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        self.settings.last_open_folder = str(path.parent)
        self.controller.pause()
        self.setWindowTitle(f"{path.name} — Replay Viewer")
        self.statusBar().showMessage(f"Reading {path.name}…")
        self._request = self.loader.load(path, self.settings.inactivity_threshold_s * 1000)

    def _on_loaded(self, request: int, recording: Recording, summary: ReplaySummary) -> None:
        if request != self._request:
            return
        self.recording = recording
        self.pages.setCurrentWidget(self.stage)
        self.controls.setEnabled(True)
        self.controls.timeline.set_replay(
            summary.duration_ms, summary.start_ts, summary.inactive_spans, summary.markers
        )
        self.view.show_events(recording.events, self.controller.speed)
        self.controller.load(summary.duration_ms, summary.inactive_spans, summary.markers)
        notes = "; ".join(recording.warnings)
        self.statusBar().showMessage(
            f"{summary.event_count} events · {summary.click_count} clicks" + (f" · {notes}" if notes else "")
        )

    def _on_load_failed(self, request: int, message: str) -> None:
        if request == self._request:
            self.show_error("This recording cannot be played", message)

    def show_error(self, title: str, message: str) -> None:
        self.controller.pause()
        self.view.clear()
        self.controls.setEnabled(False)
        self.error_panel.show_problem(title, message)
        self.pages.setCurrentWidget(self.error_panel)
        self.statusBar().showMessage(message)

    # playback -------------------------------------------------------------------------------
    def _on_tick(self) -> None:
        self.controller.tick()
        self.controls.update_position()

    def _on_controller_change(self) -> None:
        self.skip_action.setChecked(self.controller.skip_inactivity)
        if (self.settings.playback_speed, self.settings.skip_inactivity) != (
            self.controller.speed,
            self.controller.skip_inactivity,
        ):
            self.settings.playback_speed = self.controller.speed
            self.settings.skip_inactivity = self.controller.skip_inactivity
            save_settings(self.settings)

    # fullscreen -----------------------------------------------------------------------------
    def toggle_fullscreen(self) -> None:
        if self.isFullScreen():
            self.leave_fullscreen()
        else:
            self.showFullScreen()
            self._reveal_chrome()

    def leave_fullscreen(self) -> None:
        if self.isFullScreen():
            self._hide_timer.stop()
            self.showNormal()
            self._show_chrome(True)

    def _reveal_chrome(self) -> None:
        self._show_chrome(True)
        if self.isFullScreen():
            self._hide_timer.start()

    def _hide_chrome(self) -> None:
        if self.isFullScreen():
            self._show_chrome(False)

    def _show_chrome(self, visible: bool) -> None:
        self.controls.setVisible(visible)
        self.menuBar().setVisible(visible)
        self.statusBar().setVisible(visible)

    def _keep_keys_out_of_the_page(self, old: QWidget | None, new: QWidget | None) -> None:
        # Keys belong to the player's shortcuts; the replayed page is not interactive.
        if new is not None and self.view.isAncestorOf(new):
            self.setFocus()

    # window events --------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        local = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if local:
            self.open_path(Path(local[0]))

    def mouseMoveEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self._reveal_chrome()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        save_settings(self.settings)
        self._tick.stop()
        self.loader.shutdown()
        self.view.shutdown()
        super().closeEvent(event)
