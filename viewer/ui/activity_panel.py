"""The activity panel: a replay's timeline (console, network, events, clicks, errors, frustration) beside
the player, filtered by chips, text and console level; double-click or Enter seeks the player there.

It takes the entries `replay_core.timeline.activity_timeline` made and keeps no other state of the
replay. Every text is shown as plain text (list rows, a plain-text details pane, no tooltips): a page's
console message may hold HTML, and Qt would otherwise guess it is rich text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from replay_core.markers import CONSOLE_ERROR_LEVELS
from replay_core.timeline import ActivityEntry, EntryKind
from viewer.ui.flow_layout import FlowLayout
from viewer.ui.timeline import format_clock

# A seek from the panel lands this long before the entry, so the moment is seen coming.
SEEK_LEAD_IN_MS = 2_000.0
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1

Filter = Callable[[ActivityEntry], bool]
CHIPS: list[tuple[str, Filter]] = [
    ("All", lambda e: True),
    ("Console", lambda e: e.kind == EntryKind.CONSOLE),
    ("Network", lambda e: e.kind == EntryKind.NETWORK),
    ("Events", lambda e: e.kind in (EntryKind.EVENT, EntryKind.CUSTOM, EntryKind.PAGE)),
    ("Clicks", lambda e: e.kind == EntryKind.CLICK),
    ("Errors", lambda e: e.is_error),
    ("Frustration", lambda e: e.kind == EntryKind.FRUSTRATION),
    ("Comments", lambda e: e.kind == EntryKind.COMMENT),
]
# Console level filters: the title, and whether a level belongs to it.
LEVELS: list[tuple[str, Callable[[str], bool]]] = [
    ("Errors", lambda level: level in CONSOLE_ERROR_LEVELS),
    ("Warnings", lambda level: level == "warn"),
    ("Info", lambda level: level == "info"),
    ("Logs", lambda level: level not in CONSOLE_ERROR_LEVELS and level not in ("warn", "info")),
]


def format_offset(ms: float) -> str:
    """'0:09.8': the entry's moment, to a tenth of a second."""
    return f"{format_clock(ms)}.{int(max(ms, 0) % 1000) // 100}"


class ActivityListModel(QAbstractListModel):
    """The entries, one row each; `playhead_row` is drawn highlighted."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[ActivityEntry] = []
        self.playhead_row: int | None = None

    def set_entries(self, entries: Sequence[ActivityEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.playhead_row = None
        self.endResetModel()

    def set_playhead_row(self, row: int | None) -> None:
        old, self.playhead_row = self.playhead_row, row
        for changed in {old, row} - {None}:
            index = self.index(changed, 0)  # type: ignore[arg-type]
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.FontRole])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.entries)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        entry = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{format_offset(entry.at_ms)}   {entry.summary}"
        if role == ENTRY_ROLE:
            return entry
        at_playhead = index.row() == self.playhead_row
        if role == Qt.ItemDataRole.BackgroundRole and at_playhead:
            return QBrush(QPalette().color(QPalette.ColorRole.AlternateBase).darker(115))
        if role == Qt.ItemDataRole.FontRole and at_playhead:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and entry.is_error:
            return QBrush(Qt.GlobalColor.red)
        return None


class ActivityFilter(QSortFilterProxyModel):
    """The chip, the text and the console levels that decide which entries show."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.chip: Filter = CHIPS[0][1]
        self.text = ""
        self.hidden_levels: set[int] = set()  # indexes into LEVELS

    def refresh(self) -> None:
        self.beginFilterChange()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        model = self.sourceModel()
        entry: ActivityEntry = model.data(model.index(source_row, 0, source_parent), ENTRY_ROLE)
        if entry is None or not self.chip(entry):
            return False
        if entry.kind == EntryKind.CONSOLE and any(LEVELS[i][1](entry.level) for i in self.hidden_levels):
            return False
        if self.text:
            return self.text in entry.summary.casefold() or self.text in entry.details.casefold()
        return True


class ActivityPanel(QWidget):
    """Filter chips, a text filter, console level filters, the entries and the selected one's details."""

    seekRequested = Signal(float)  # ms from the replay's start, the lead-in already taken off
    entryMenuRequested = Signal(object, object)  # ActivityEntry right-clicked, QPoint (global) where
    entryDeleteRequested = Signal(object)  # ActivityEntry selected when Delete was pressed

    def __init__(self, entries: Sequence[ActivityEntry] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ActivityListModel(self)
        self.filter = ActivityFilter(self)
        self.filter.setSourceModel(self.model)
        self.following = True  # the list follows the play head until the user scrolls away from it
        self._scrolling = False
        self._playhead_ms: float | None = None
        self._build()
        self.set_entries(entries)

    def _build(self) -> None:
        self.chips = QButtonGroup(self)
        chip_row = FlowLayout(spacing=2)  # the chips wrap in a narrow panel rather than widen the window
        for index, (title, _) in enumerate(CHIPS):
            chip = QToolButton()
            chip.setText(title)
            chip.setAutoRaise(True)
            chip.setCheckable(True)
            chip.setChecked(index == 0)
            self.chips.addButton(chip, index)
            chip_row.addWidget(chip)
        self.chips.idClicked.connect(self._chip_chosen)
        self.search = QLineEdit(placeholderText="Filter activity", clearButtonEnabled=True)
        self.search.textChanged.connect(self._text_changed)
        level_row = FlowLayout()
        self.levels: list[QCheckBox] = []
        for index, (title, _) in enumerate(LEVELS):
            box = QCheckBox(title)
            box.setChecked(True)
            box.toggled.connect(lambda on, i=index: self._level_toggled(i, on))
            self.levels.append(box)
            level_row.addWidget(box)
        self.list = QListView(uniformItemSizes=True)
        self.list.setModel(self.filter)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.doubleClicked.connect(self._seek_to)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._entry_menu)
        self.list.installEventFilter(self)
        self.list.selectionModel().currentChanged.connect(self._show_details)
        self.list.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.details = QPlainTextEdit(readOnly=True, placeholderText="Select an entry to see its details")
        self.search.setAccessibleName("Filter activity")
        self.list.setAccessibleName("Activity")
        self.details.setAccessibleName("Activity details")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.list)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(chip_row)
        layout.addWidget(self.search)
        layout.addLayout(level_row)
        layout.addWidget(split, 1)

    def set_entries(self, entries: Sequence[ActivityEntry]) -> None:
        """Show another replay's timeline (in time order); nothing is selected, the list follows again."""
        self.model.set_entries(entries)
        self.details.clear()
        self.following = True
        self._playhead_ms = None

    def visible_entries(self) -> list[ActivityEntry]:
        return [self.filter.index(row, 0).data(ENTRY_ROLE) for row in range(self.filter.rowCount())]

    def setPlayhead(self, ms: float) -> None:  # noqa: N802 - the player's naming, Qt style
        """Highlight the last shown entry at or before `ms` and keep it in view, unless the user has
        scrolled away from it."""
        self._playhead_ms = ms
        shown = self._shown_row_at(ms)
        source = self.filter.mapToSource(self.filter.index(shown, 0)).row() if shown is not None else None
        self.model.set_playhead_row(source)
        if shown is None or not self.following:
            return
        self._scrolling = True
        try:
            self.list.scrollTo(self.filter.index(shown, 0), QAbstractItemView.ScrollHint.EnsureVisible)
        finally:
            self._scrolling = False

    def _shown_row_at(self, ms: float) -> int | None:
        """The last row of the filtered list whose entry is at or before `ms` (rows are in time order)."""
        low, high = 0, self.filter.rowCount()
        while low < high:
            middle = (low + high) // 2
            if self.filter.index(middle, 0).data(ENTRY_ROLE).at_ms <= ms:
                low = middle + 1
            else:
                high = middle
        return low - 1 if low > 0 else None

    def _scrolled(self) -> None:
        if self._scrolling:
            return
        # The user moved the list: follow again only while the play head's row is in view.
        self.following = self._playhead_in_view()

    def _playhead_in_view(self) -> bool:
        row = self.model.playhead_row
        if row is None:
            return True
        shown = self.filter.mapFromSource(self.model.index(row, 0))
        return shown.isValid() and self.list.viewport().rect().intersects(self.list.visualRect(shown))

    def _chip_chosen(self, index: int) -> None:
        self.filter.chip = CHIPS[index][1]
        self._refilter()

    def _text_changed(self, text: str) -> None:
        self.filter.text = text.strip().casefold()
        self._refilter()

    def _level_toggled(self, index: int, shown: bool) -> None:
        (self.filter.hidden_levels.discard if shown else self.filter.hidden_levels.add)(index)
        self._refilter()

    def _refilter(self) -> None:
        self.filter.refresh()
        self.following = True
        if self._playhead_ms is not None:
            self.setPlayhead(self._playhead_ms)

    def _show_details(self, current: QModelIndex) -> None:
        entry: ActivityEntry | None = current.data(ENTRY_ROLE) if current.isValid() else None
        text = "" if entry is None else f"{format_offset(entry.at_ms)}  {entry.summary}\n\n{entry.details}"
        self.details.setPlainText(text)

    def select_entry(self, entry: ActivityEntry) -> bool:
        """Select `entry` (showing every kind again if the chip hid it) and keep it in view; the list stops
        following the play head until the user scrolls back to it. False when the list has no such entry."""
        if entry not in self.model.entries:
            return False
        source = self.model.index(self.model.entries.index(entry), 0)
        if not self.filter.mapFromSource(source).isValid():
            self.chips.button(0).setChecked(True)
            self.search.clear()
            self.filter.hidden_levels.clear()
            for box in self.levels:
                box.setChecked(True)
            self._chip_chosen(0)
        shown = self.filter.mapFromSource(source)
        self.list.setCurrentIndex(shown)
        self.following = False
        self._scrolling = True
        try:
            self.list.scrollTo(shown, QAbstractItemView.ScrollHint.PositionAtCenter)
        finally:
            self._scrolling = False
        return True

    def selected_entry(self) -> ActivityEntry | None:
        index = self.list.currentIndex()
        entry: ActivityEntry | None = index.data(ENTRY_ROLE) if index.isValid() else None
        return entry

    def _entry_menu(self, position: QPoint) -> None:
        index = self.list.indexAt(position)
        if index.isValid():
            self.list.setCurrentIndex(index)
            self.entryMenuRequested.emit(index.data(ENTRY_ROLE), self.list.viewport().mapToGlobal(position))

    def _seek_to(self, index: QModelIndex) -> None:
        entry: ActivityEntry | None = index.data(ENTRY_ROLE) if index.isValid() else None
        if entry is not None:
            self.following = True
            self.seekRequested.emit(max(0.0, entry.at_ms - SEEK_LEAD_IN_MS))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        enter = isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if watched is self.list and event.type() == QEvent.Type.KeyPress and enter:
            self._seek_to(self.list.currentIndex())
            return True
        delete = isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
        if watched is self.list and event.type() == QEvent.Type.KeyPress and delete:
            entry = self.selected_entry()
            if entry is not None:
                self.entryDeleteRequested.emit(entry)
                return True
        return super().eventFilter(watched, event)
