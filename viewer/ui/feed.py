"""The replay feed sidebar: search, sort, and the list of replays drawn two lines a row."""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from viewer.storage import ReplayQuery, ReplayRow, ReplaySort
from viewer.ui.cache_worker import CacheWorker
from viewer.ui.collection_offer import CollectionOffer
from viewer.ui.feed_model import ROW_ROLE, ReplayFeedModel, display_name, relative_time
from viewer.ui.timeline import format_clock

SEARCH_DELAY_MS = 250
SORTS = [
    ("Most recent", ReplaySort.RECENT),
    ("Longest", ReplaySort.DURATION),
    ("Most active", ReplaySort.ACTIVITY),
    ("Most frustrated", ReplaySort.FRUSTRATION),
]
# A row's badges: what went wrong in the replay, each in its signal's hue (the timeline's error red).
BADGE_HUES = {"error": "#ea4335", "rage": "#f26b1d", "dead": "#8e8e93", "failed": "#c58a00"}


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def row_badges(row: ReplayRow) -> list[tuple[str, str]]:
    """The row's badges as (text, hue name): errors, rage clicks, dead clicks, failed requests."""
    counts = [
        (row.error_count, "error", "error"),
        (row.rage_count, "rage", "rage"),
        (row.dead_count, "dead", "dead"),
        (row.failed_request_count, "failed", "failed"),
    ]
    return [(f"{count} {word}", hue) for count, word, hue in counts if count]


def _short_url(url: str) -> str:
    """The URL without its scheme: the host and path are what tell pages apart."""
    return url.split("://", 1)[-1] if url else "(no URL)"


class ReplayRowDelegate(QStyledItemDelegate):
    """Name and time on the first line; duration, active time, URL, clicks and errors on the second."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        return QSize(option.rect.width(), option.fontMetrics.height() * 3 + 18)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        row: ReplayRow | None = index.data(ROW_ROLE)
        if row is None:  # not fetched yet: the model has asked the cache thread for its page
            painter.save()
            painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(option.rect.adjusted(10, 6, -10, -6), Qt.AlignmentFlag.AlignLeft, "Loading…")
            painter.restore()
            return
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        text = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        dim = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
        )
        rect = option.rect.adjusted(10, 6, -10, -6)
        line = option.fontMetrics.height()
        painter.save()
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text)
        when = relative_time(row.start_ms)
        when_width = option.fontMetrics.horizontalAdvance(when) + 8
        top = QRect(rect.left(), rect.top(), rect.width() - when_width, line)
        painter.drawText(
            top,
            Qt.AlignmentFlag.AlignLeft,
            option.fontMetrics.elidedText(display_name(row), Qt.TextElideMode.ElideRight, top.width()),
        )
        painter.setFont(option.font)
        painter.setPen(dim)
        painter.drawText(
            QRect(rect.right() - when_width, rect.top(), when_width, line), Qt.AlignmentFlag.AlignRight, when
        )
        clicks = _count(row.click_count, "click")
        details = f"{format_clock(row.duration_ms)} · active {format_clock(row.active_ms)} · {clicks}"
        second = QRect(rect.left(), rect.top() + line + 2, rect.width(), line)
        badges_left = self._paint_badges(painter, option, row, second, text)
        painter.setPen(dim)
        details_rect = QRect(second.left(), second.top(), max(0, badges_left - second.left() - 6), line)
        painter.drawText(
            details_rect,
            Qt.AlignmentFlag.AlignLeft,
            option.fontMetrics.elidedText(details, Qt.TextElideMode.ElideRight, details_rect.width()),
        )
        third = QRect(rect.left(), rect.top() + 2 * (line + 2), rect.width(), line)
        where = option.fontMetrics.elidedText(
            _short_url(row.start_url), Qt.TextElideMode.ElideMiddle, third.width()
        )
        painter.drawText(third, Qt.AlignmentFlag.AlignLeft, where)
        painter.restore()

    @staticmethod
    def _paint_badges(
        painter: QPainter, option: QStyleOptionViewItem, row: ReplayRow, line: QRect, text: QColor
    ) -> int:
        """Pills at the right end of `line`, right to left; returns where the leftmost begins. Each is
        tinted with its hue over the row (readable on light and dark rows, selected or not), with the
        row's own text colour on it."""
        metrics = option.fontMetrics
        right = line.right()
        for label, hue in reversed(row_badges(row)):
            width = metrics.horizontalAdvance(label) + 10
            pill = QRect(right - width, line.top(), width, line.height())
            tint = QColor(BADGE_HUES[hue])
            tint.setAlpha(90)
            painter.setPen(QColor(BADGE_HUES[hue]))
            painter.setBrush(tint)
            painter.drawRoundedRect(pill.adjusted(0, 0, -1, -1), 4, 4)
            painter.setPen(text)
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
            right = pill.left() - 4
        return right + 4 if right < line.right() else line.right()


# Keys that move through the list while it has the keyboard (the window's shortcuts use Up and Down too).
_LIST_KEYS = (
    Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End,
    Qt.Key.Key_Return, Qt.Key.Key_Enter,
)


class ReplayFeed(QWidget):
    replayActivated = Signal(str)
    userRequested = Signal(str)  # "Show user profile" on a row
    searchLeft = Signal()  # Esc in the search box: the keyboard goes back to the player
    sortChosen = Signal(object)  # ReplaySort: the order the user picked, to remember

    def __init__(
        self, worker: CacheWorker, sort: ReplaySort = ReplaySort.RECENT, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = ReplayFeedModel(worker, self, ReplayQuery(sort=sort))
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, email, user id, 2026-11-27, yesterday…")
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)
        self._pick_when_loaded = False  # Enter was pressed before the typed search ran
        self.sort = QComboBox()
        for label, order in SORTS:
            self.sort.addItem(label, order)
        self.sort.setCurrentIndex(max(0, self.sort.findData(sort)))
        self.list = QTreeView()  # handles 100,000 rows of uniform height without laying all of them out
        self.list.setHeaderHidden(True)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setModel(self.model)
        self.list.setItemDelegate(ReplayRowDelegate(self.list))
        self.list.setMouseTracking(True)
        # Reached with Tab (a click plays the row and gives the player the keyboard): the arrows move
        # through the replays, Enter plays the current one.
        self.list.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.list.installEventFilter(self)
        self.search.setAccessibleName("Search replays")
        self.sort.setAccessibleName("Order of the replays")
        self.list.setAccessibleName("Replays")
        self.empty = QLabel(self.list)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._lay_out()
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(SEARCH_DELAY_MS)
        self._delay.timeout.connect(self.apply_query)
        self.search.textChanged.connect(self._delay.start)
        self.search.returnPressed.connect(self._pick_first)
        self.sort.activated.connect(self.apply_query)
        self.sort.activated.connect(lambda: self.sortChosen.emit(ReplaySort(self.sort.currentData())))
        self.list.clicked.connect(self._on_clicked)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._row_menu)
        # A row's menu and Ctrl+D on the current row: Add to collection, the replay from its start.
        self.collection_offer = CollectionOffer(
            self.list, lambda index: (row.id, -1.0) if (row := index.data(ROW_ROLE)) else None, menu_owned=True
        )
        self.model.loaded.connect(self._update_empty_state)
        self.model.loaded.connect(self._picked_after_search)

    def _lay_out(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.sort)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.addLayout(bar)
        layout.addWidget(self.list, 1)
        self.setMinimumWidth(280)

    def apply_query(self) -> None:
        self._delay.stop()
        sort = self.sort.currentData()
        self.model.set_query(ReplayQuery(search=self.search.text().strip(), sort=sort))

    def refresh(self) -> None:
        self.model.refresh()

    def _pick_first(self) -> None:
        """Enter in the search box plays the first match (once the search typed so far has run)."""
        if self._delay.isActive() or self.model.query.search != self.search.text().strip():
            self._pick_when_loaded = True
            self.apply_query()
        else:
            self._pick_row(0)

    def _picked_after_search(self) -> None:
        if self._pick_when_loaded:
            self._pick_when_loaded = False
            self._pick_row(0)

    def _pick_row(self, position: int) -> None:
        ids = self.model.ids()
        if 0 <= position < len(ids):
            self.replayActivated.emit(ids[position])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Esc in the search box is ours (not the window's Leave fullscreen): back to the player.

        In the list, the arrows and Enter are the list's (not the window's playback shortcuts).
        """
        if watched is self.list and isinstance(event, QKeyEvent):
            return self._list_key(event)
        if watched is self.search and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape:
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress:
                self.searchLeft.emit()
                return True
        return super().eventFilter(watched, event)

    def _list_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if event.type() == QEvent.Type.ShortcutOverride and key in _LIST_KEYS:
            event.accept()  # the list moves through the replays instead of the window's shortcut acting
            return True
        if event.type() == QEvent.Type.KeyPress and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._pick_row(max(0, self.list.currentIndex().row()))
            return True
        if event.type() == QEvent.Type.KeyPress and key in _LIST_KEYS and not self.list.currentIndex().isValid():
            self.list.setCurrentIndex(self.model.index(0))  # the first key lands on the first replay
            return True
        return False

    def focus_search(self) -> None:
        self.show()
        self.search.setFocus()
        self.search.selectAll()

    def stop(self) -> None:
        """The window is closing: a search typed a moment ago is not run any more."""
        self._delay.stop()

    def _on_clicked(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.replayActivated.emit(row.id)

    def _row_menu(self, position: QPoint) -> None:
        index = self.list.indexAt(position)
        row = index.data(ROW_ROLE)
        if row is None:
            return
        menu = QMenu(self)
        menu.addAction("Play", lambda: self.replayActivated.emit(row.id))
        profile = menu.addAction("Show user profile", lambda: self.userRequested.emit(row.user_id))
        profile.setEnabled(bool(row.user_id))
        self.collection_offer.add_menu(menu, index)
        menu.exec(self.list.viewport().mapToGlobal(position))

    def highlight(self, replay_id: str | None, scroll: bool = False) -> None:
        """Highlight the row of the replay that plays (none when it is not listed, or nothing plays)."""
        position = self.model.position_of(replay_id) if replay_id is not None else None
        if position is None:
            self.list.clearSelection()
            self.list.setCurrentIndex(QModelIndex())
            return
        index = self.model.index(position)
        self.list.setCurrentIndex(index)
        if scroll:
            self.list.scrollTo(index)

    def neighbour(self, replay_id: str | None, step: int) -> str | None:
        """The replay `step` rows after (or before) `replay_id` in the feed's order."""
        ids = self.model.ids()
        if not ids:
            return None
        if replay_id not in ids:
            return ids[0] if step > 0 else None
        position = ids.index(replay_id) + step
        return ids[position] if 0 <= position < len(ids) else None

    def _update_empty_state(self) -> None:
        model = self.model
        if model.rowCount():
            self.empty.hide()
            return
        text = self.search.text().strip()
        if model.error:
            self.empty.setText(f"The cache could not be read: {model.error}")
        elif text:
            self.empty.setText(f"No replays match '{text}'.")
        else:
            self.empty.setText(
                "No replays yet.\nImport recordings (File › Import…), load the demo replays,"
                " or add a source in Settings."
            )
        self.empty.setGeometry(self.list.viewport().rect().adjusted(12, 12, -12, -12))
        self.empty.show()

    def resizeEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.empty.setGeometry(self.list.viewport().rect().adjusted(12, 12, -12, -12))
