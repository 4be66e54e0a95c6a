"""The controls bar under the replay: play/pause, timeline, time, speed, skip inactivity, fullscreen.

When the bar is too narrow for all of them, the speed, skip inactivity and fullscreen controls move into
a "More" menu at its end (in that order, the least used first) rather than being cut off.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QActionGroup, QColor, QIcon, QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QStyle,
    QToolButton,
    QWidget,
)

from replay_core.playback import SPEEDS
from viewer.player.controller import PlaybackController
from viewer.ui.timeline import Timeline, format_clock

TIMELINE_MIN_WIDTH = 160
_MARGINS = (8, 4, 8, 6)


def _tinted(icon: QIcon, colour: QColor, size: int) -> QIcon:
    """The icon's shape in one colour (the style's media icons are dark whatever the palette)."""
    pixmap = icon.pixmap(size, size)
    painter = QPainter(pixmap)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(pixmap.rect(), colour)
    painter.end()
    return QIcon(pixmap)


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
        self.timeline.setMinimumWidth(TIMELINE_MIN_WIDTH)
        self.time_label = QLabel("0:00 / 0:00", self)
        self.speed_box = QComboBox(self)
        for speed in SPEEDS:
            self.speed_box.addItem(speed_label(speed), speed)
        self.skip_box = QCheckBox("Skip inactivity", self)
        self.fullscreen_button = QToolButton(self)
        self.fullscreen_button.setAutoRaise(True)
        self.more_button = QToolButton(self)
        self.more_button.setText("⋯")
        self.more_button.setAutoRaise(True)
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_menu = QMenu(self)
        self.more_button.setMenu(self.more_menu)
        # What moves into the More menu first when the bar narrows.
        self.overflowing: list[QWidget] = [self.skip_box, self.speed_box, self.fullscreen_button]
        self._lay_out()
        self._connect()
        self.sync_from_controller()
        self.setMinimumWidth(self._width_of([self.play_button, self.time_label, self.more_button]))

    def _lay_out(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(*_MARGINS)
        for widget, tip in (
            (self.play_button, "Play / pause (Space)"),
            (self.timeline, "Click or drag to seek; Shift+←/→ jumps between markers"),
            (self.time_label, "Elapsed / total"),
            (self.speed_box, "Playback speed (↑/↓)"),
            (self.skip_box, "Jump over stretches without user interaction"),
            (self.fullscreen_button, "Fullscreen (F)"),
            (self.more_button, "More playback controls"),
        ):
            if widget is not self.timeline:
                widget.setToolTip(tip)
            layout.addWidget(widget, 1 if widget is self.timeline else 0)
        for widget, name in (
            (self.play_button, "Play or pause"),
            (self.timeline, "Timeline"),
            (self.time_label, "Elapsed and total time"),
            (self.speed_box, "Playback speed"),
            (self.skip_box, "Skip inactivity"),
            (self.fullscreen_button, "Fullscreen"),
            (self.more_button, "More playback controls"),
        ):
            widget.setAccessibleName(name)
        # Reached with Tab, never taken by a click: a click on a control leaves the keyboard with the player.
        for widget in (
            self.play_button, self.timeline, self.speed_box, self.skip_box, self.fullscreen_button, self.more_button
        ):
            widget.setFocusPolicy(widget.focusPolicy().TabFocus)
        self.more_button.hide()

    def _connect(self) -> None:
        self.play_button.clicked.connect(self.controller.toggle)
        self.timeline.seekRequested.connect(self.controller.seek)
        self.speed_box.activated.connect(self._on_speed_chosen)
        self.skip_box.toggled.connect(self.controller.set_skip_inactivity)
        self.fullscreen_button.clicked.connect(self.fullscreenRequested)
        self.more_menu.aboutToShow.connect(self._fill_more_menu)
        self.controller.on_change(self.sync_from_controller)

    def _on_speed_chosen(self, index: int) -> None:
        self.controller.set_speed(float(self.speed_box.itemData(index)))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._set_icons()  # drawn in the palette's text colour: visible on a light or dark bar
        super().changeEvent(event)

    def _set_icons(self) -> None:
        playing = self.controller.play_wanted  # a Space pressed while the replay loads shows as Pause at once
        pixmap = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self._icon(pixmap))
        self.fullscreen_button.setIcon(self._icon(QStyle.StandardPixmap.SP_TitleBarMaxButton))

    def _icon(self, which: QStyle.StandardPixmap) -> QIcon:
        colour = self.palette().color(QPalette.ColorRole.ButtonText)
        return _tinted(self.style().standardIcon(which), colour, self.play_button.iconSize().width())

    def sync_from_controller(self) -> None:
        controller = self.controller
        self._set_icons()
        self.play_button.setText("Pause" if controller.play_wanted else "Play")
        self.speed_box.setCurrentIndex(SPEEDS.index(controller.speed))
        if self.skip_box.isChecked() != controller.skip_inactivity:
            self.skip_box.setChecked(controller.skip_inactivity)
        self.update_position()

    def update_position(self) -> None:
        position = self.controller.position_ms
        self.timeline.set_position(position)
        self.time_label.setText(f"{format_clock(position)} / {format_clock(self.controller.duration_ms)}")

    # narrow bars --------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self._reflow(event.size().width())
        super().resizeEvent(event)

    def _reflow(self, width: int) -> None:
        """Show as many of the overflowing controls as fit beside a usable timeline; the rest are in More."""
        always = [self.play_button, self.time_label]
        shown = list(self.overflowing)
        while shown and self._width_of([*always, *shown, *self._more_if(shown)]) > width:
            shown.pop(0)
        for widget in self.overflowing:
            widget.setVisible(widget in shown)
        self.more_button.setVisible(len(shown) < len(self.overflowing))

    def _more_if(self, shown: list[QWidget]) -> list[QWidget]:
        return [self.more_button] if len(shown) < len(self.overflowing) else []

    def _width_of(self, widgets: list[QWidget]) -> int:
        """The bar's width with these widgets beside a timeline of its minimum width."""
        layout = self.layout()
        spacing = max(0, layout.spacing()) if layout is not None else 6
        left, _, right, _ = _MARGINS
        parts = [w.sizeHint().width() for w in widgets] + [TIMELINE_MIN_WIDTH]
        return left + right + sum(parts) + spacing * (len(parts) - 1)

    def _fill_more_menu(self) -> None:
        menu = self.more_menu
        menu.clear()
        if not self.speed_box.isVisible():
            speeds = menu.addMenu("Speed")
            group = QActionGroup(speeds)
            for speed in SPEEDS:
                action = speeds.addAction(speed_label(speed))
                action.setCheckable(True)
                action.setChecked(speed == self.controller.speed)
                action.triggered.connect(lambda _=False, s=speed: self.controller.set_speed(s))
                group.addAction(action)
        if not self.skip_box.isVisible():
            skip = menu.addAction("Skip inactivity")
            skip.setCheckable(True)
            skip.setChecked(self.controller.skip_inactivity)
            skip.toggled.connect(self.controller.set_skip_inactivity)
        if not self.fullscreen_button.isVisible():
            menu.addAction("Fullscreen (F)").triggered.connect(self.fullscreenRequested)
