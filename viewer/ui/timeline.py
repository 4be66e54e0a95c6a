"""The timeline: played part, inactive spans shaded, markers with tooltips, click or drag to seek."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QContextMenuEvent, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from replay_core.activity import InactiveSpan
from replay_core.markers import Marker, MarkerKind

MARKER_COLORS = {
    MarkerKind.CLICK: QColor("#4c8bf5"),
    MarkerKind.PAGE: QColor("#34a853"),
    MarkerKind.INPUT: QColor("#a142f4"),
    MarkerKind.CUSTOM: QColor("#f29900"),
    MarkerKind.ERROR: QColor("#ea4335"),
    MarkerKind.FRUSTRATION: QColor("#f26b1d"),
    MarkerKind.COMMENT: QColor("#00a3bf"),
}
_MARGIN = 8.0
_MARKER_HIT_PX = 4.0


def _between(background: QColor, text: QColor, share: float = 0.45) -> QColor:
    """A colour `share` of the way from the background to the text: a track with 3:1 contrast, light or dark."""
    return QColor.fromRgbF(
        background.redF() + (text.redF() - background.redF()) * share,
        background.greenF() + (text.greenF() - background.greenF()) * share,
        background.blueF() + (text.blueF() - background.blueF()) * share,
    )


def format_clock(ms: float) -> str:
    """'1:05' or '1:02:05' — a position on the timeline."""
    seconds = max(0, int(ms // 1000))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Timeline(QWidget):
    seekRequested = Signal(float)
    selectionChanged = Signal()  # Shift+drag marks a range (for Export clip…); a click without Shift keeps it
    markerMenuRequested = Signal(object, object)  # Marker right-clicked, QPoint (global) where


    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration_ms = 0.0
        self.position_ms = 0.0
        self.start_ts = 0.0
        self.spans: list[InactiveSpan] = []
        self.markers: list[Marker] = []
        self.highlighted: Marker | None = None  # drawn taller, outlined (a comment a link points at)
        self.hover_ms: float | None = None
        self._dragging = False
        self.selection: tuple[float, float] | None = None  # ms from the start
        self._selecting_from: float | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTipDuration(-1)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(400, 30)

    def set_replay(
        self, duration_ms: float, start_ts: float, spans: list[InactiveSpan], markers: list[Marker]
    ) -> None:
        if start_ts != self.start_ts or (self.selection and self.selection[1] > duration_ms):
            self.select(None)  # another replay
        self.duration_ms, self.start_ts = duration_ms, start_ts
        self.spans, self.markers = spans, markers
        self.update()

    def select(self, selection: tuple[float, float] | None) -> None:
        if selection != self.selection:
            self.selection = selection
            self.selectionChanged.emit()
            self.update()

    def set_position(self, position_ms: float) -> None:
        if abs(position_ms - self.position_ms) >= 1:
            self.position_ms = position_ms
            self.update()

    # geometry -------------------------------------------------------------------------------
    def _track(self) -> QRectF:
        return QRectF(_MARGIN, self.height() / 2 - 3, max(1.0, self.width() - 2 * _MARGIN), 6)

    def x_for(self, ms: float) -> float:
        track = self._track()
        share = ms / self.duration_ms if self.duration_ms > 0 else 0.0
        return track.left() + track.width() * max(0.0, min(1.0, share))

    def ms_at(self, x: float) -> float:
        track = self._track()
        share = (x - track.left()) / track.width()
        return max(0.0, min(1.0, share)) * self.duration_ms

    def marker_near(self, x: float) -> Marker | None:
        near = [m for m in self.markers if abs(self.x_for(m.at_ms) - x) <= _MARKER_HIT_PX]
        return min(near, key=lambda m: abs(self.x_for(m.at_ms) - x)) if near else None

    # painting -------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        track = self._track()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_between(palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.Text)))
        painter.drawRoundedRect(track, 3, 3)
        self._paint_spans(painter, track)
        if self.selection is not None:
            selected = palette.color(QPalette.ColorRole.Highlight)
            selected.setAlpha(110)
            left, right = self.x_for(self.selection[0]), self.x_for(self.selection[1])
            painter.fillRect(QRectF(left, track.top() - 6, max(2.0, right - left), track.height() + 12), selected)
        played = QRectF(
            track.left(), track.top(), self.x_for(self.position_ms) - track.left(), track.height()
        )
        painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
        painter.drawRoundedRect(played, 3, 3)
        self._paint_markers(painter, track)
        if self.hover_ms is not None:
            painter.setBrush(palette.color(QPalette.ColorRole.Text))
            painter.drawRect(QRectF(self.x_for(self.hover_ms) - 0.5, track.top() - 4, 1, track.height() + 8))
        painter.setBrush(palette.color(QPalette.ColorRole.Highlight).lighter(130))
        knob = QPointF(self.x_for(self.position_ms), track.center().y())
        painter.drawEllipse(knob, 7, 7)
        if self.hasFocus():  # reached with Tab: a ring round the playhead says where the keyboard is
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Text), 2))
            painter.drawEllipse(knob, 10, 10)
        painter.end()

    def _paint_spans(self, painter: QPainter, track: QRectF) -> None:
        shade = (
            QColor(0, 0, 0, 90)
            if self.palette().color(QPalette.ColorRole.Window).lightness() > 128
            else QColor(255, 255, 255, 60)
        )
        painter.setBrush(Qt.BrushStyle.BDiagPattern)
        for span in self.spans:
            left, right = self.x_for(span.start_ms), self.x_for(span.end_ms)
            rect = QRectF(left, track.top() - 2, max(1.0, right - left), track.height() + 4)
            painter.fillRect(rect, shade)
            painter.fillRect(rect, Qt.BrushStyle.BDiagPattern)

    def _paint_markers(self, painter: QPainter, track: QRectF) -> None:
        for marker in self.markers:
            x = self.x_for(marker.at_ms)
            painter.setBrush(MARKER_COLORS[marker.kind])
            painter.drawRect(QRectF(x - 1, track.top() - 7, 2.5, 5))
        if self.highlighted is not None and self.highlighted in self.markers:
            x = self.x_for(self.highlighted.at_ms)
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Text), 1))
            painter.setBrush(MARKER_COLORS[self.highlighted.kind])
            painter.drawRect(QRectF(x - 3, track.top() - 11, 6, 9))
            painter.setPen(Qt.PenStyle.NoPen)

    def highlight_marker(self, marker: Marker | None) -> None:
        self.highlighted = marker
        self.update()

    # mouse ----------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton and self.duration_ms > 0:
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self._selecting_from = self.ms_at(event.position().x())
                self.select(None)
                return
            self._dragging = True
            self.seekRequested.emit(self.ms_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        x = event.position().x()
        self.hover_ms = self.ms_at(x)
        if self._selecting_from is not None:
            ends = sorted((self._selecting_from, self.hover_ms))
            self.select((ends[0], ends[1]))
        elif self._dragging:
            self.seekRequested.emit(self.hover_ms)
        QToolTip.showText(event.globalPosition().toPoint(), self.describe(x), self)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self._dragging = False
        selected = self.selection
        if self._selecting_from is not None and selected and self.x_for(selected[1]) - self.x_for(selected[0]) < 3:
            self.select(None)  # a Shift+click clears the selection
        self._selecting_from = None

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt override)
        """A right click on a marker offers what can be done with it (a comment's Edit…, Delete…)."""
        marker = self.marker_near(event.pos().x())
        if marker is not None:
            self.markerMenuRequested.emit(marker, event.globalPos())
            event.accept()
        else:
            event.ignore()

    def leaveEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self.hover_ms = None
        self.update()

    def describe(self, x: float) -> str:
        """What hovering at x shows: the replay time, the wall-clock time, and a marker there."""
        at = self.ms_at(x)
        lines = [format_clock(at)]
        if self.start_ts > 0:
            lines[0] += "  ·  " + datetime.fromtimestamp((self.start_ts + at) / 1000).strftime(
                "%H:%M:%S, %d %b %Y"
            )
        marker = self.marker_near(x)
        if marker is not None:
            lines.append(f"{format_clock(marker.at_ms)}  {marker.label}")
        return "\n".join(lines)
