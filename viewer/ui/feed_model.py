"""The replay feed's model: rows come from the cache a page at a time, as the list scrolls."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from viewer.storage import ReplayPage, ReplayQuery, ReplayRow
from viewer.ui.cache_worker import CacheWorker

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE_SIZE = 200
Index = QModelIndex | QPersistentModelIndex


class ReplayFeedModel(QAbstractListModel):
    """Holds the rows loaded so far and the cursor of the next page; asks the cache for more lazily."""

    loaded = Signal()  # a query's first page arrived (rows may be zero)

    def __init__(self, worker: CacheWorker, parent: Any = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._rows: list[ReplayRow] = []
        self._cursor: str | None = None
        self._query = ReplayQuery(limit=PAGE_SIZE)
        self._generation = 0
        self._fetching = False
        self.error: str | None = None

    @property
    def query(self) -> ReplayQuery:
        return self._query

    def set_query(self, query: ReplayQuery) -> None:
        """Start over with another search or sort; the first page replaces the rows when it arrives."""
        self._query = replace(query, limit=PAGE_SIZE)
        self.refresh()

    def refresh(self) -> None:
        self._generation += 1
        generation = self._generation
        query = self._query
        self._fetching = True
        self._worker.call(
            lambda cache: cache.list_replays(query),
            lambda page: self._first_page(generation, page),
            lambda message: self._failed(generation, message),
        )

    def _first_page(self, generation: int, page: ReplayPage) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows = list(page.rows)
        self._cursor = page.next_cursor
        self._fetching = False
        self.error = None
        self.endResetModel()
        self.loaded.emit()

    def _failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._fetching = False
            self.error = message
            self.loaded.emit()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802, B008 (Qt override)
        return not parent.isValid() and self._cursor is not None and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802, B008 (Qt override)
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        generation, query, cursor = self._generation, self._query, self._cursor
        self._worker.call(
            lambda cache: cache.list_replays(query, cursor),
            lambda page: self._next_page(generation, page),
            lambda message: self._failed(generation, message),
        )

    def _next_page(self, generation: int, page: ReplayPage) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        if page.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()
        self._cursor = page.next_cursor

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt override)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return display_name(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{display_name(row)}\nStarted {absolute_time(row.start_ms)}\n{row.start_url}"
        return None

    def row_at(self, position: int) -> ReplayRow | None:
        return self._rows[position] if 0 <= position < len(self._rows) else None

    def position_of(self, replay_id: str) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.id == replay_id), None)

    def ids(self) -> list[str]:
        return [r.id for r in self._rows]


def relative_time(start_ms: float, now_s: float | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', 'yesterday', '4 days ago', or the date."""
    seconds = max(0.0, (now_s if now_s is not None else time.time()) - start_ms / 1000)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 2 * 86400:
        return "yesterday"
    if seconds < 30 * 86400:
        return f"{int(seconds // 86400)} days ago"
    return datetime.fromtimestamp(start_ms / 1000).strftime("%d %b %Y")


def absolute_time(start_ms: float) -> str:
    return datetime.fromtimestamp(start_ms / 1000).strftime("%a %d %b %Y, %H:%M:%S")


def display_name(row: ReplayRow) -> str:
    anonymous = not row.user_id or row.user_id.startswith("$device:")  # mixpanel's id before identify()
    return row.user_name or row.user_email or ("Anonymous visitor" if anonymous else row.user_id) or ""
