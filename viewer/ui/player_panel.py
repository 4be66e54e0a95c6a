"""The player page: a header naming the replay and its user, the replay, its controls, errors."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from replay_core import Recording, ReplaySummary
from replay_core.events import Event
from viewer.player.controller import PlaybackController
from viewer.player.view import ReplayView
from viewer.settings import Settings, save_settings
from viewer.ui.controls import ControlsBar
from viewer.ui.error_panel import ErrorPanel
from viewer.ui.loader import RecordingLoader
from viewer.ui.notice import NoticeOverlay

TICK_MS = 50


class PlayerPanel(QWidget):
    userRequested = Signal(str)  # the user's name in the header was clicked
    ended = Signal()  # playback reached the end of the replay
    openFileRequested = Signal()
    fullscreenRequested = Signal()
    replayShown = Signal(str)  # the id (or file name) of the replay now in the player

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
        self.replay_id: str | None = None
        self._request = 0
        self._pending_start_s: float | None = None
        self._previewed: list[Event] | None = None  # events the page shows ahead of the whole file
        self._was_playing = False
        self._build()
        self._connect()
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()

    def _build(self) -> None:
        self.title = QLabel("No replay open")
        self.title.setStyleSheet("font-weight: 600;")
        self.user_link = QLabel()
        self.user_link.setTextFormat(Qt.TextFormat.RichText)
        self.user_link.linkActivated.connect(self.userRequested)
        header = QHBoxLayout()
        header.setContentsMargins(10, 6, 10, 6)
        header.addWidget(self.title, 1)
        header.addWidget(self.user_link)
        self.stage = QWidget()
        stage_layout = QVBoxLayout(self.stage)
        stage_layout.setContentsMargins(0, 0, 0, 0)
        stage_layout.addWidget(self.view)
        self.notice = NoticeOverlay(self.stage)
        self.empty = self._empty_page()
        self.pages = QStackedWidget()
        for page in (self.empty, self.stage, self.error_panel):
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = QWidget()
        self.header.setLayout(header)
        layout.addWidget(self.header)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.controls)
        self.controls.setEnabled(False)

    def _empty_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        hint = QLabel(
            "Pick a replay in the feed, or open a recording file: rrweb JSON, NDJSON, gzip, a mixpanel batch."
        )
        hint.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        button = QPushButton("Open recording…")
        button.clicked.connect(self.openFileRequested)
        layout.addStretch(1)
        layout.addWidget(hint, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        return page

    def _connect(self) -> None:
        self.controller.on_notice(self.notice.show_notice)
        self.controller.on_change(self._on_controller_change)
        self.controls.fullscreenRequested.connect(self.fullscreenRequested)
        self.loader.previewed.connect(self._on_file_previewed)
        self.loader.loaded.connect(self._on_file_loaded)
        self.loader.failed.connect(self._on_file_failed)
        self.view.loadFailed.connect(self._on_player_failed)
        self.error_panel.openAnotherRequested.connect(self.openFileRequested)

    # opening --------------------------------------------------------------------------------
    def open_path(self, path: Path, start_at_s: float | None = None) -> None:
        """Read a recording file off the GUI thread, then show it."""
        self.begin_loading(path.name)
        self._request = self.loader.load(path)
        self._pending_start_s = start_at_s

    def begin_loading(self, title: str) -> None:
        self.controller.pause()
        self._request += 1
        self._previewed = None
        self.title.setText(f"Loading {title}…")

    def _on_file_previewed(self, request: int, preview: Recording) -> None:
        """The first page, decoded from the file's head: show it while the rest is read."""
        if request == self._request:
            self.pages.setCurrentWidget(self.stage)
            self.view.show_events(preview.events, self.controller.speed)
            self._previewed = preview.events

    def _on_file_loaded(self, request: int, recording: Recording, summary: ReplaySummary) -> None:
        if request == self._request:
            self.show_replay(recording, summary, recording.name, None, None, self._pending_start_s)

    def _on_file_failed(self, request: int, message: str) -> None:
        if request == self._request:
            self.show_error("This recording cannot be played", message)

    def _on_player_failed(self, message: str) -> None:
        self.show_error("The player could not show this replay", message)

    def show_replay(
        self,
        recording: Recording,
        summary: ReplaySummary,
        title: str,
        replay_id: str | None,
        user: tuple[str, str] | None,
        start_at_s: float | None = None,
    ) -> None:
        """Show a replay; `user` is (user id, what to call them) for the header link."""
        self.recording, self.replay_id = recording, replay_id
        self.title.setText(title)
        self.user_link.setText(f'<a href="{_attr(user[0])}">{_text(user[1])}</a>' if user else "")
        self.pages.setCurrentWidget(self.stage)
        self.controls.setEnabled(True)
        self.controls.timeline.set_replay(
            summary.duration_ms, summary.start_ts, summary.inactive_spans, summary.markers
        )
        shown, self._previewed = self._previewed, None
        if shown and recording.events[: len(shown)] == shown:
            self.view.append_events(recording.events[len(shown) :])  # the page already has the first page
        else:
            self.view.show_events(recording.events, self.controller.speed)
        self.controller.load(summary.duration_ms, summary.inactive_spans, summary.markers)
        if start_at_s is not None:
            self.controller.seek(start_at_s * 1000)
        self.replayShown.emit(replay_id or recording.name)

    def extend_replay(self, recording: Recording, summary: ReplaySummary) -> None:
        """More of the open replay arrived: the page gets the new events, playback carries on."""
        if self.recording is None:
            return
        latest = self.recording.end_ts
        # Events that came in earlier than what the page has (late uploads) show on the next opening.
        fresh = [e for e in recording.events if e["timestamp"] > latest]
        self.recording = recording
        if fresh:
            self.view.append_events(fresh)
        self.controls.timeline.set_replay(
            summary.duration_ms, summary.start_ts, summary.inactive_spans, summary.markers
        )
        self.controller.extend(summary.duration_ms, summary.inactive_spans, summary.markers)

    def show_error(self, title: str, message: str) -> None:
        self.controller.pause()
        self.view.clear()
        self.recording, self.replay_id = None, None
        self.controls.setEnabled(False)
        self.title.setText(title)
        self.user_link.setText("")
        self.error_panel.show_problem(title, message)
        self.pages.setCurrentWidget(self.error_panel)

    # playback -------------------------------------------------------------------------------
    def _on_tick(self) -> None:
        self.controller.tick()
        self.controls.update_position()

    def _on_controller_change(self) -> None:
        controller = self.controller
        if self._was_playing and not controller.playing and controller.at_end:
            self.ended.emit()
        self._was_playing = controller.playing
        remembered = (self.settings.playback_speed, self.settings.skip_inactivity)
        if remembered != (controller.speed, controller.skip_inactivity):
            self.settings.playback_speed = controller.speed
            self.settings.skip_inactivity = controller.skip_inactivity
            save_settings(self.settings)

    def shutdown(self) -> None:
        self._tick.stop()
        self.loader.shutdown()
        self.view.shutdown()


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;")
