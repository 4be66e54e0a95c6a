"""Reports: an event chart and a funnel from the cached analytics events; click through to replays."""

from __future__ import annotations

import time
from datetime import datetime, tzinfo

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from viewer.storage import (
    EventCount,
    FunnelStep,
    bucket_starts,
    local_zone,
    next_bucket_start,
)
from viewer.ui.cache_worker import CacheWorker
from viewer.ui.collection_offer import CollectionOffer
from viewer.ui.feed_model import absolute_time
from viewer.ui.flow_layout import FlowLayout
from viewer.ui.replay_loading import QueuedReplay
from viewer.ui.report_results import ReplayMoments, count_of, moment_times, replay_moments, step_users

RANGES = [("Last 24 hours", 1), ("Last 7 days", 7), ("Last 30 days", 30), ("All time", None)]
BUCKETS = [("Per hour", "hour"), ("Per day", "day")]
WINDOWS = [("within 1 hour", 3_600_000), ("within 1 day", 86_400_000), ("within 7 days", 7 * 86_400_000)]
BUCKET_MS = {"hour": 3_600_000, "day": 86_400_000}  # nominal: a local day may have 23 or 25 hours
MOMENT_ROLE = Qt.ItemDataRole.UserRole + 2
MAX_STEPS = 4
MAX_POINTS = 2000  # beyond this many buckets, only the non-empty ones are drawn


class ReportsPage(QWidget):
    openMoment = Signal(str, float)  # replay id, epoch ms of the moment (or -1 for its start)
    playRequested = Signal(list)  # list[QueuedReplay]: View replays plays the listed ones in turn
    heatmapsRequested = Signal()  # the Heatmaps page: where the pages' visitors click and scroll

    def __init__(self, worker: CacheWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self.names: list[str] = []
        self.counts: list[EventCount] = []
        self.funnel_steps: list[FunnelStep] = []
        self.zone: tzinfo = local_zone()  # the chart's days and hours, DST changes included
        self.selection = QLabel("Click a point of the chart or a funnel step to list its replays.")
        self.selection.setWordWrap(True)  # a narrow window wraps it; the View replays button stays whole
        self.results = QListWidget()
        self.results.itemActivated.connect(self._open_item)
        self.results.itemClicked.connect(self._open_item)
        # A listed replay to a collection (its menu, Ctrl+D), from the moment it opens at.
        self.collection_offer = CollectionOffer(
            self.results,
            lambda index: index.data(MOMENT_ROLE),
            lambda index: self._open_item(self.results.item(index.row())),
        )
        self.view_button = QPushButton("View replays")
        self.view_button.setEnabled(False)
        self.view_button.clicked.connect(self.view_replays)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._event_tab(), "Events over time")
        self.tabs.addTab(self._funnel_tab(), "Funnel")
        self.tabs.setAccessibleName("Reports")
        self.results.setAccessibleName("Replays of the chosen point or step")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 3)
        row = QHBoxLayout()
        row.addWidget(self.selection, 1)
        row.addWidget(self.view_button)
        heatmaps_button = QPushButton("Heatmaps")
        heatmaps_button.setToolTip("Where each page's visitors click and how far they scroll")
        heatmaps_button.clicked.connect(self.heatmapsRequested)
        row.addWidget(heatmaps_button)
        layout.addLayout(row)
        layout.addWidget(self.results, 1)
        self._theme_charts()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._theme_charts()
        super().changeEvent(event)

    def _theme_charts(self) -> None:
        """The charts draw their own background and text: light or dark as the app's palette is."""
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        theme = QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight
        for chart in (self.event_chart, self.funnel_chart):
            if chart.theme() != theme:
                chart.setTheme(theme)

    # event chart ----------------------------------------------------------------------------
    def _event_tab(self) -> QWidget:
        self.event_box = _narrowable(QComboBox(), 16)
        self.range_box = QComboBox()
        for label, days in RANGES:
            self.range_box.addItem(label, days)
        self.range_box.setCurrentIndex(2)
        self.bucket_box = QComboBox()
        for label, bucket in BUCKETS:
            self.bucket_box.addItem(label, bucket)
        self.bucket_box.setCurrentIndex(1)
        for box in (self.event_box, self.range_box, self.bucket_box):
            box.activated.connect(self.refresh_chart)
        self.event_chart = QChart()
        self.event_chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart_view = QChartView(self.event_chart)
        chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        chart_view.setAccessibleName("Events over time chart")
        self.bucket_box.setAccessibleName("Bucket size")
        tab = QWidget()
        controls = FlowLayout()  # wraps in a narrow window instead of raising its minimum width
        for label, box in (("Event", self.event_box), ("Range", self.range_box), ("", self.bucket_box)):
            controls.addWidget(_labelled(label, box))
        layout = QVBoxLayout(tab)
        layout.addLayout(controls)
        layout.addWidget(chart_view, 1)
        return tab

    def refresh(self) -> None:
        """Reload the event names, then both charts."""
        self._worker.call(lambda cache: cache.event_names(), self._set_names)

    def _set_names(self, names: list[tuple[str, int]]) -> None:
        # The app's own events first; the SDK's automatic ones ($identify, $mp_click…) after them.
        names = sorted(names, key=lambda item: item[0].startswith("$"))
        self.names = [name for name, _ in names]
        current = self.event_box.currentData()
        self.event_box.clear()
        self.event_box.addItem("All events (top 5)", None)
        for name, count in names:
            self.event_box.addItem(f"{name} ({count})", name)
        index = self.event_box.findData(current)
        self.event_box.setCurrentIndex(max(0, index))
        self._fill_step_boxes()
        self.refresh_chart()
        self.refresh_funnel()

    def chosen_names(self) -> list[str]:
        chosen = self.event_box.currentData()
        return [chosen] if chosen else self.names[:5]

    def period(self) -> dict[str, int | None]:
        days = self.range_box.currentData()
        until = int(time.time() * 1000) + 1
        return {"since_ms": None if days is None else until - days * 86_400_000, "until_ms": until}

    def refresh_chart(self) -> None:
        names, bucket, period = self.chosen_names(), self.bucket_box.currentData(), self.period()
        self.zone = zone = local_zone()  # read again: the system's zone may have changed meanwhile
        self._worker.call(
            lambda cache: cache.event_counts(names, bucket=bucket, tz=zone, **period), self._draw_events
        )

    def _draw_events(self, counts: list[EventCount]) -> None:
        self.counts = counts
        chart = self.event_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        x_axis, y_axis = QDateTimeAxis(), QValueAxis()
        x_axis.setFormat("dd MMM HH:mm" if self.bucket_box.currentData() == "hour" else "dd MMM")
        y_axis.setLabelFormat("%d")
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        peak = 1
        for name in sorted({c.name for c in counts}):
            series = QLineSeries()
            series.setName(name)
            series.setPointsVisible(True)
            for bucket_ms, count in _with_empty_buckets(
                [c for c in counts if c.name == name], counts, self.bucket_box.currentData(), self.zone
            ):
                series.append(float(bucket_ms), float(count))
                peak = max(peak, count)
            chart.addSeries(series)
            series.attachAxis(x_axis)
            series.attachAxis(y_axis)
            series.clicked.connect(lambda point, n=name: self.select_point(n, point))
        self._fit_time_axis(x_axis, counts)
        _fit_count_axis(y_axis, peak + 1)
        chart.setTitle("Events over time" if counts else "No analytics events in this range")

    def _bucket_ms(self) -> int:
        return BUCKET_MS[self.bucket_box.currentData()]

    def _fit_time_axis(self, axis: QDateTimeAxis, counts: list[EventCount]) -> None:
        size = self._bucket_ms()
        if counts:
            first, last = min(c.bucket_ms for c in counts), max(c.bucket_ms for c in counts)
            axis.setRange(
                QDateTime.fromMSecsSinceEpoch(first - size), QDateTime.fromMSecsSinceEpoch(last + size)
            )

    def select_point(self, name: str, point: QPointF) -> None:
        """The bucket nearest the clicked point: list the replays where `name` happened in it."""
        buckets = [c for c in self.counts if c.name == name]
        if not buckets:
            return
        chosen = min(buckets, key=lambda c: abs(c.bucket_ms - point.x()))
        self.select_bucket(name, chosen.bucket_ms)

    def select_bucket(self, name: str, bucket_ms: int) -> None:
        bucket = self.bucket_box.currentData()
        until = next_bucket_start(bucket_ms, bucket, self.zone)
        label = f"{name} · {_bucket_label(bucket_ms, until, bucket, self.zone)}"
        self.selection.setText(f"{label}: loading replays…")
        self._worker.call(
            lambda cache: replay_moments(cache, cache.event_moments(name, bucket_ms, until)),
            lambda found: self._list_moments(label, found),
        )

    def _list_moments(self, label: str, found: list[ReplayMoments]) -> None:
        """Each replay once, opening at its first moment, with the times of all of them."""
        self.results.clear()
        for replay in found:
            item = QListWidgetItem(f"{replay.who} — {moment_times(replay.times_ms)}")
            item.setData(MOMENT_ROLE, (replay.replay_id, float(replay.times_ms[0])))
            self.results.addItem(item)
        self.selection.setText(f"{label}: {count_of(len(found), 'replay')}")
        self.view_button.setEnabled(bool(found))

    def listed(self) -> list[tuple[str, float]]:
        return [self.results.item(i).data(MOMENT_ROLE) for i in range(self.results.count())]

    def view_replays(self) -> None:
        """Play every listed replay in turn, as a profile's View replays does."""
        queue = [QueuedReplay(replay_id, at_ms if at_ms >= 0 else None) for replay_id, at_ms in self.listed()]
        if queue:
            self.results.setCurrentRow(0)
            self.playRequested.emit(queue)

    def _open_item(self, item: QListWidgetItem) -> None:
        replay_id, at_ms = item.data(MOMENT_ROLE)
        self.openMoment.emit(replay_id, at_ms)

    # funnel ---------------------------------------------------------------------------------
    def _funnel_tab(self) -> QWidget:
        self.step_boxes = [_narrowable(QComboBox(), 10) for _ in range(MAX_STEPS)]
        self.window_box = QComboBox()
        for label, window in WINDOWS:
            self.window_box.addItem(label, window)
        self.window_box.setCurrentIndex(1)
        for box in (*self.step_boxes, self.window_box):
            box.activated.connect(self.refresh_funnel)
        self.funnel_chart = QChart()
        self.funnel_chart.legend().hide()
        view = QChartView(self.funnel_chart)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setAccessibleName("Funnel chart")
        self.window_box.setAccessibleName("Funnel window")
        controls = FlowLayout()
        for index, box in enumerate(self.step_boxes):
            controls.addWidget(_labelled(f"{index + 1}.", box))
            box.setAccessibleName(f"Funnel step {index + 1}")
        controls.addWidget(self.window_box)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(controls)
        layout.addWidget(view, 1)
        return tab

    def _fill_step_boxes(self) -> None:
        for index, box in enumerate(self.step_boxes):
            current = box.currentData()
            box.clear()
            box.addItem("—", None)
            for name in self.names:
                box.addItem(name, name)
            found = box.findData(current)
            if found <= 0 and index < len(self.names) and current is None and index < 3:
                found = index + 1
            box.setCurrentIndex(max(0, found))

    def steps(self) -> list[str]:
        return [box.currentData() for box in self.step_boxes if box.currentData()]

    def refresh_funnel(self) -> None:
        steps, window, period = self.steps(), self.window_box.currentData(), self.period()
        self._worker.call(lambda cache: cache.funnel(steps, window, **period), self._draw_funnel)

    def _draw_funnel(self, steps: list[FunnelStep]) -> None:
        self.funnel_steps = steps
        chart = self.funnel_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        bars = QBarSet("Users")
        for step in steps:
            bars.append(step.users)
        series = QBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([f"{s.name}\n{s.conversion:.0%}" for s in steps])
        values = QValueAxis()
        values.setLabelFormat("%d")
        _fit_count_axis(values, max([s.users for s in steps] + [1]))
        chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(categories)
        series.attachAxis(values)
        bars.clicked.connect(self.select_step)
        chart.setTitle("Conversion, users in order" if steps else "Choose the funnel's steps")

    def select_step(self, index: int) -> None:
        steps, window, period = self.steps(), self.window_box.currentData(), self.period()
        label = f"Step {index + 1}, {steps[index]}"
        self.selection.setText(f"{label}: loading users…")
        self._worker.call(
            lambda cache: step_users(cache, steps, window, index, period),
            lambda found: self._list_users(label, found),
        )

    def _list_users(self, label: str, found: list[tuple[str, str, str, float]]) -> None:
        self.results.clear()
        for group, who, replay_id, start in found:
            item = QListWidgetItem(f"{group}: {who} — {absolute_time(start)}")
            item.setData(MOMENT_ROLE, (replay_id, -1.0))
            self.results.addItem(item)
        self.selection.setText(f"{label}: {count_of(len(found), 'user')} with replays")
        self.view_button.setEnabled(bool(found))


def _narrowable(box: QComboBox, characters: int) -> QComboBox:
    """A combo box as wide as `characters` (long event names are elided), not as its longest item."""
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(characters)
    return box


def _labelled(label: str, box: QComboBox) -> QWidget:
    """A box with its label in front, kept together on one row of a flow layout."""
    pair = QWidget()
    layout = QHBoxLayout(pair)
    layout.setContentsMargins(0, 0, 0, 0)
    if label:
        shown = QLabel(label)
        shown.setBuddy(box)
        layout.addWidget(shown)
        box.setAccessibleName(label)
    layout.addWidget(box)
    return pair


def _bucket_label(start_ms: int, end_ms: int, bucket: str, zone: tzinfo) -> str:
    """'Tue 24 Nov 2026' for a day, 'Tue 24 Nov 2026, 14:00–15:00' for an hour."""
    start = datetime.fromtimestamp(start_ms / 1000, zone)
    if bucket == "day":
        return start.strftime("%a %d %b %Y")
    return f"{start:%a %d %b %Y, %H:%M}–{datetime.fromtimestamp(end_ms / 1000, zone):%H:%M}"


def _with_empty_buckets(
    mine: list[EventCount], every: list[EventCount], bucket: str, zone: tzinfo
) -> list[tuple[int, int]]:
    """The series' counts with zeros where nothing happened, so lines do not bridge empty buckets."""
    if not every:
        return []
    first, last = min(c.bucket_ms for c in every), max(c.bucket_ms for c in every)
    if (last - first) // BUCKET_MS[bucket] > MAX_POINTS:
        return [(c.bucket_ms, c.count) for c in mine]
    known = {c.bucket_ms: c.count for c in mine}
    return [(at, known.get(at, 0)) for at in bucket_starts(first, last, bucket, zone)]


def _fit_count_axis(axis: QValueAxis, top: int) -> None:
    """Whole-number ticks: a count axis from 0 to 1 must not read 0, 0, 0, 0, 1."""
    axis.setRange(0, top)
    axis.setTickCount(min(top, 10) + 1)
    if top > 10:
        axis.applyNiceNumbers()
