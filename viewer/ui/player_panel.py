"""The player page: a header naming the replay and its user, the replay, its controls, errors."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from replay_core import Recording, RecordingOutline, ReplaySummary
from replay_core.events import Event
from replay_core.links import seconds_to_ms
from replay_core.markers import Marker, MarkerKind
from viewer.player.controller import PlaybackController
from viewer.player.view import ReplayView
from viewer.settings import Settings, save_settings
from viewer.storage.keyframes import StoredKeyframe
from viewer.ui.asset_fetch import PlayerAssets
from viewer.ui.controls import ControlsBar
from viewer.ui.error_panel import ErrorPanel
from viewer.ui.notice import NoticeOverlay
from viewer.ui.replay_loading import GrownReplay, OpenedReplay, ReplayProblem

TICK_MS = 50


class PlayerPanel(QWidget):
    userRequested = Signal(str)  # the user's name in the header was clicked
    ended = Signal()  # playback reached the end of the replay
    openFileRequested = Signal()
    fullscreenRequested = Signal()
    doubleClicked = Signal()  # on the replay
    pointerMoved = Signal()  # over the replay
    pageHeatmapRequested = Signal()  # the heatmap of the page shown
    keyframeKept = Signal(str, object)  # replay id, a StoredKeyframe the page made of that cached replay

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.view = ReplayView()
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # The panel takes the keyboard when clicked anywhere in it (the replay, the timeline, the header),
        # so Space, F and the arrows reach the window's playback shortcuts instead of a text box.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Player")
        self.setAccessibleDescription("Space plays or pauses, the arrows seek and change speed, F is fullscreen")
        self.view.setAccessibleName("Replay")
        self.controller = PlaybackController(
            self.view, speed=settings.playback_speed, skip_inactivity=settings.skip_inactivity
        )
        self.controls = ControlsBar(self.controller)
        self.error_panel = ErrorPanel()
        # The replay shown, without its events: the page holds those (and the view their packed chunks).
        self.shown: RecordingOutline | None = None
        self.replay_id: str | None = None
        self._autoplay = False  # play when the page shows the first frame (a queue of replays)
        self._frame_shown = False  # the page shows the replay on its way (its first page, or all of it)
        self._previewed: list[Event] | None = None  # events the page shows ahead of the whole file
        self._was_playing = False
        self._build()
        self._connect()
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()

    def _build(self) -> None:
        self.title = ElidingLabel("No replay open")
        self.title.setStyleSheet("font-weight: 600;")
        self.user_link = QLabel()
        self.user_link.setTextFormat(Qt.TextFormat.RichText)
        self.user_link.linkActivated.connect(self.userRequested)
        header = QHBoxLayout()
        header.setContentsMargins(10, 6, 10, 6)
        header.addWidget(self.title, 1)
        header.addWidget(self.user_link)
        heatmap = QPushButton("Page heatmap")
        heatmap.setFlat(True)
        heatmap.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        heatmap.setToolTip("Where visitors of the page shown click and how far they scroll")
        heatmap.clicked.connect(self.pageHeatmapRequested)
        header.addWidget(heatmap)
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
        self.focus_line = FocusLine()
        layout.addWidget(self.focus_line)
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
        hint.setWordWrap(True)  # a narrow window wraps it rather than growing to fit it
        button = QPushButton("Open recording…")
        button.clicked.connect(self.openFileRequested)
        layout.addStretch(1)
        layout.addWidget(hint)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        return page

    def _connect(self) -> None:
        self.controller.on_notice(self.notice.show_notice)
        self.controller.on_change(self._on_controller_change)
        self.controls.fullscreenRequested.connect(self.fullscreenRequested)
        self.view.loadFailed.connect(self._on_player_failed)
        self.view.firstFrameShown.connect(self._on_first_frame)
        self.view.keyframeMade.connect(self._on_keyframe_made)
        self.view.bridge.doubleClick.connect(self.doubleClicked)
        self.view.bridge.pointerMove.connect(self.pointerMoved)
        self.error_panel.openAnotherRequested.connect(self.openFileRequested)

    # opening --------------------------------------------------------------------------------
    def begin_loading(self, text: str) -> None:
        """Something else is on its way: playback stops and the header says what. What the user asks of
        playback meanwhile (its first page may show seconds before the whole replay) is done once it is in."""
        self.controller.await_replay()
        self._previewed = None
        self._autoplay = False
        self._frame_shown = False
        self.title.setText(text)
        self.view.set_assets({}, {})  # a cached replay's come with `show_assets` (a file has none)

    def show_preview(self, preview: Recording) -> None:
        """The first page of a file, decoded from its head: shown while the rest is read."""
        self.pages.setCurrentWidget(self.stage)
        self.view.show_events(preview.events, self.controller.speed)
        self.view.await_keyframes()  # `show_replay` offers the whole replay's
        self._previewed = preview.events

    def show_assets(self, assets: PlayerAssets) -> None:
        """A cached replay's recorded assets from the asset cache (issue 18): given before its first page, or
        fetched since it was shown (then it is shown again where it is), and a notice of what is missing."""
        self.view.set_assets(assets.url_map, assets.contents)
        if assets.reload and self.shown is not None and self.replay_id == assets.replay_id:
            position = self.controller.position_ms
            self.view.show_again(self.controller.speed)
            self.controller.seek(position)
        if assets.notice() and (assets.after_fetch or self.settings.fetch_assets == "never"):
            self.notice.show_notice(assets.notice())

    def _on_player_failed(self, message: str) -> None:
        self.show_problem(ReplayProblem("The player could not show this replay", message))

    def show_replay(self, opened: OpenedReplay) -> None:
        """Show a replay, from `opened.start_at_s` if given; with `autoplay` it plays once it shows."""
        self.shown, self.replay_id = opened.recording.outline(), opened.replay_id
        self.title.setText(opened.title)
        user = opened.user
        self.user_link.setText(f'<a href="{_attr(user.user_id)}">{_text(user.name)}</a>' if user else "")
        self.pages.setCurrentWidget(self.stage)
        self.controls.setEnabled(True)
        self._show_events(opened.recording, opened.summary)
        self.view.offer_keyframes(opened.keyframes)
        self.controller.load(opened.summary.duration_ms, opened.summary.inactive_spans, opened.summary.markers)
        if opened.start_at_s is not None:
            self.controller.seek(seconds_to_ms(opened.start_at_s))  # a link's 12.349 s is 12349 ms
        if opened.autoplay and self._frame_shown:  # its first page showed before the whole replay came
            self.controller.play()
        else:
            self._autoplay = opened.autoplay

    def _show_events(self, recording: Recording, summary: ReplaySummary) -> None:
        self.controls.timeline.set_replay(
            summary.duration_ms, summary.start_ts, summary.inactive_spans, summary.markers
        )
        shown, self._previewed = self._previewed, None
        if shown and recording.events[: len(shown)] == shown:
            self.view.append_events(recording.events[len(shown) :])  # the page already has the first page
        else:
            self.view.show_events(recording.events, self.controller.speed)

    def _on_keyframe_made(self, keyframe: StoredKeyframe) -> None:
        if self.replay_id is not None:  # a file that is not in the cache keeps its keyframes in the page only
            self.keyframeKept.emit(self.replay_id, keyframe)

    def _on_first_frame(self) -> None:
        self._frame_shown = True
        if self._autoplay:
            self._autoplay = False
            self.controller.play()

    def extend_replay(self, grown: GrownReplay) -> None:
        """More of the open replay arrived (events later than the page's: see ReplayFollower): the page
        gets them, playback carries on."""
        if self.shown is None or grown.row.id != self.replay_id:
            return
        summary = grown.summary
        self.shown = grown.outline
        self.view.append_events(grown.events)
        self.controls.timeline.set_replay(
            summary.duration_ms, summary.start_ts, summary.inactive_spans, summary.markers
        )
        self.controller.extend(summary.duration_ms, summary.inactive_spans, summary.markers)

    def add_signal_markers(self, markers: list[Marker]) -> None:
        """The open replay's frustration signals, found after it opened, join its markers (timeline and
        Shift+←/→), replacing any shown before."""
        kept = [m for m in self.controller.markers if m.kind != MarkerKind.FRUSTRATION]
        merged = sorted([*kept, *markers], key=lambda m: m.at_ms)
        self.controller.extend(self.controller.duration_ms, self.controller.inactive_spans, merged)
        timeline = self.controls.timeline
        timeline.set_replay(timeline.duration_ms, timeline.start_ts, timeline.spans, merged)

    def set_comment_markers(self, markers: list[Marker]) -> None:
        """The open replay's comments as markers (timeline and Shift+←/→), replacing those shown before."""
        kept = [m for m in self.controller.markers if m.kind != MarkerKind.COMMENT]
        merged = sorted([*kept, *markers], key=lambda m: m.at_ms)
        self.controller.extend(self.controller.duration_ms, self.controller.inactive_spans, merged)
        timeline = self.controls.timeline
        timeline.set_replay(timeline.duration_ms, timeline.start_ts, timeline.spans, merged)

    def show_problem(self, problem: ReplayProblem) -> None:
        self.controller.pause()
        self._autoplay = False
        self.view.clear()
        self.shown, self.replay_id = None, None
        # Nothing of the previous replay stays behind the error: no markers, spans or time.
        self.controller.load(0, [], [])
        self.controls.timeline.set_replay(0, 0, [], [])
        self.controls.update_position()
        self.controls.setEnabled(False)
        self.title.setText(problem.title)
        self.user_link.setText("")
        self.error_panel.show_problem(problem.title, problem.message)
        self.pages.setCurrentWidget(self.error_panel)

    # playback -------------------------------------------------------------------------------
    def _on_tick(self) -> None:
        self.controller.tick()
        self.controls.update_position()

    def _on_controller_change(self) -> None:
        controller = self.controller
        ended = self._was_playing and not controller.playing and controller.at_end
        self._was_playing = controller.playing  # before `ended` opens the next replay, which changes it again
        remembered = (self.settings.playback_speed, self.settings.skip_inactivity)
        if remembered != (controller.speed, controller.skip_inactivity):
            self.settings.playback_speed = controller.speed
            self.settings.skip_inactivity = controller.skip_inactivity
            save_settings(self.settings)
        if ended:
            self.ended.emit()

    def take_keyboard(self) -> None:
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        # Reached with Tab: a line under the header shows where the keyboard went (a click shows itself).
        tabbed = event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)
        self.focus_line.set_shown(tabbed)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        self.focus_line.set_shown(False)
        super().focusOutEvent(event)

    def position_s(self) -> float:
        return self.controller.position_ms / 1000

    def apply_settings(self) -> None:
        """The settings changed (the dialog): the speed and skipping take effect now.

        The speed in the settings is the one the player remembers, so the player takes it over
        instead of writing its own back at the next play or pause.
        """
        self.controller.set_speed(self.settings.playback_speed)
        self.controller.set_skip_inactivity(self.settings.skip_inactivity)

    def set_controls_visible(self, visible: bool) -> None:
        """Fullscreen hides the controls while the mouse rests."""
        self.controls.setVisible(visible)

    def set_header_visible(self, visible: bool) -> None:
        self.header.setVisible(visible)

    def stop(self) -> None:
        """The window is closing: the tick and the notice stop, and the page is released."""
        self._tick.stop()
        self._autoplay = False
        self.notice.stop()
        self.view.shutdown()


class FocusLine(QWidget):
    """A thin line in the highlight colour while the player has the keyboard from Tab; room kept when not."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shown = False
        self.setFixedHeight(3)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def set_shown(self, shown: bool) -> None:
        if shown != self.shown:
            self.shown = shown
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        if self.shown:
            painter = QPainter(self)
            painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Highlight))
            painter.end()


class ElidingLabel(QLabel):
    """One line that ends in … when the window is too narrow for it (the whole text is its tooltip)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setMinimumWidth(80)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        self.setToolTip(text)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        room = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, room.width())
        painter.drawText(room, int(self.alignment()), shown)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;")
