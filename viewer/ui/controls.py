"""The controls bar under the replay: play/pause, timeline, time, speed, skip inactivity, fullscreen."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QStyle, QToolButton, QWidget

from replay_core.playback import SPEEDS
from viewer.player.controller import PlaybackController
from viewer.ui.timeline import Timeline, format_clock


def speed_label(speed: float) -> str:
    return f"{speed:g}×"


class ControlsBar(QWidget):
    fullscreenRequested = Signal()

    def __init__(self, controller: PlaybackController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.play_button = QToolButton(self)
        self.play_button.setAutoRaise(True)
        self.timeline = Timeline(self)
        self.time_label = QLabel("0:00 / 0:00", self)
        self.speed_box = QComboBox(self)
        for speed in SPEEDS:
            self.speed_box.addItem(speed_label(speed), speed)
        self.skip_box = QCheckBox("Skip inactivity", self)
        self.fullscreen_button = QToolButton(self)
        self.fullscreen_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarMaxButton))
        self.fullscreen_button.setAutoRaise(True)
        self._lay_out()
        self._connect()
        self.sync_from_controller()

    def _lay_out(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 6)
        for widget, tip in (
            (self.play_button, "Play / pause (Space)"),
            (self.timeline, "Click or drag to seek; Shift+←/→ jumps between markers"),
            (self.time_label, "Elapsed / total"),
            (self.speed_box, "Playback speed (↑/↓)"),
            (self.skip_box, "Jump over stretches without user interaction"),
            (self.fullscreen_button, "Fullscreen (F)"),
        ):
            if widget is not self.timeline:
                widget.setToolTip(tip)
            layout.addWidget(widget, 1 if widget is self.timeline else 0)
        for widget in (self.play_button, self.speed_box, self.skip_box, self.fullscreen_button):
            widget.setFocusPolicy(widget.focusPolicy().NoFocus)

    def _connect(self) -> None:
        self.play_button.clicked.connect(self.controller.toggle)
        self.timeline.seekRequested.connect(self.controller.seek)
        self.speed_box.activated.connect(self._on_speed_chosen)
        self.skip_box.toggled.connect(self.controller.set_skip_inactivity)
        self.fullscreen_button.clicked.connect(self.fullscreenRequested)
        self.controller.on_change(self.sync_from_controller)

    def _on_speed_chosen(self, index: int) -> None:
        self.controller.set_speed(float(self.speed_box.itemData(index)))

    def sync_from_controller(self) -> None:
        controller = self.controller
        icon = (
            QStyle.StandardPixmap.SP_MediaPause if controller.playing else QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setText("Pause" if controller.playing else "Play")
        self.speed_box.setCurrentIndex(SPEEDS.index(controller.speed))
        if self.skip_box.isChecked() != controller.skip_inactivity:
            self.skip_box.setChecked(controller.skip_inactivity)
        self.update_position()

    def update_position(self) -> None:
        position = self.controller.position_ms
        self.timeline.set_position(position)
        self.time_label.setText(f"{format_clock(position)} / {format_clock(self.controller.duration_ms)}")
