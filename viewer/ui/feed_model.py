"""The replay feed's model: rows come from the cache a page at a time, as the list scrolls."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from replay_core.analytics import is_anonymous_id
from viewer.storage import ReplayQuery, ReplayRow
from viewer.storage.search import ANONYMOUS_LABEL
from viewer.storage.zones import days_before, local_zone
from viewer.ui.cache_worker import CacheWorker

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE_SIZE = 100  # rows fetched together when the list first shows one of them
KEEP_ROWS = 5000  # rows kept in memory; others are fetched again if scrolled back to
Index = QModelIndex | QPersistentModelIndex


class ReplayFeedModel(QAbstractListModel):
    """Holds the ids of every replay the query finds and fetches rows from the cache by page, when shown."""

    loaded = Signal()  # a query's ids arrived (possibly none)

    def __init__(self, worker: CacheWorker, parent: Any = None, query: ReplayQuery | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._ids: list[str] = []
        self._rows: OrderedDict[str, ReplayRow] = OrderedDict()
        self._pending: set[int] = set()  # pages asked for and not yet answered
        self._query = query or ReplayQuery()
        self._generation = 0
        self.error: str | None = None

    @property
    def query(self) -> ReplayQuery:
        return self._query

    def set_query(self, query: ReplayQuery) -> None:
        """Another search or sort: the ids replace the list when they arrive."""
        self._query = query
        self.refresh()

    def refresh(self) -> None:
        """The first page shows at once; the ids of every other match follow (all 100,000 take longer)."""
        self._generation += 1
        generation, query = self._generation, self._query
        first_page = replace(query, limit=PAGE_SIZE)
        self._worker.call(
            lambda cache: cache.list_replays(first_page).rows,
            lambda rows: self._reset(generation, rows),
            lambda message: self._failed(generation, message),
        )
        self._worker.call(
            lambda cache: cache.replay_ids(query),
            lambda ids: self._complete(generation, ids),
            lambda message: self._failed(generation, message),
        )

    def _reset(self, generation: int, first: list[ReplayRow]) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._ids, self._pending, self.error = [row.id for row in first], set(), None
        self._rows = OrderedDict((row.id, row) for row in first)
        self.endResetModel()
        self.loaded.emit()

    def _complete(self, generation: int, ids: list[str]) -> None:
        if generation != self._generation:
            return
        shown = len(self._ids)
        if ids[:shown] != self._ids:  # the cache changed in between: start over with what it holds now
            self.beginResetModel()
            self._ids, self._pending = ids, set()
            self.endResetModel()
        elif len(ids) > shown:
            self.beginInsertRows(QModelIndex(), shown, len(ids) - 1)
            self._ids = ids
            self.endInsertRows()

    def _failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.error = message
            self.loaded.emit()

    def _fetch_page(self, page: int) -> None:
        if page in self._pending:
            return
        self._pending.add(page)
        generation = self._generation
        ids = self._ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        self._worker.call(
            lambda cache: cache.rows_by_id(ids),
            lambda rows: self._page_arrived(generation, page, rows),
            lambda message: self._failed(generation, message),
        )

    def _page_arrived(self, generation: int, page: int, rows: list[ReplayRow]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        for row in rows:
            self._rows[row.id] = row
        while len(self._rows) > KEEP_ROWS:
            self._rows.popitem(last=False)
        first = page * PAGE_SIZE
        last = min(len(self._ids), first + PAGE_SIZE) - 1
        self.dataChanged.emit(self.index(first), self.index(last))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt override)
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        row = self._rows.get(self._ids[index.row()])
        if row is None:
            self._fetch_page(index.row() // PAGE_SIZE)
            return "Loading…" if role == Qt.ItemDataRole.DisplayRole else None
        self._rows.move_to_end(row.id)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return display_name(row)
        if role == Qt.ItemDataRole.AccessibleTextRole:  # what the row says, for screen readers
            return row_summary(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{display_name(row)}\nStarted {absolute_time(row.start_ms)}\n{row.start_url}"
        return None

    def row_at(self, position: int) -> ReplayRow | None:
        """The row at `position` if it is loaded (the list asks for it when it comes into view)."""
        if not 0 <= position < len(self._ids):
            return None
        return self._rows.get(self._ids[position])

    def position_of(self, replay_id: str) -> int | None:
        try:
            return self._ids.index(replay_id)
        except ValueError:
            return None

    def ids(self) -> list[str]:
        return list(self._ids)


def relative_time(start_ms: float, now_ms: float | None = None, zone: tzinfo | None = None) -> str:
    """'just now', '5 min ago', '3 h ago' (today), 'yesterday', '4 days ago', or the date.

    Days are local calendar days, as the search counts them: what says yesterday is found by `yesterday`.
    """
    now = now_ms if now_ms is not None else time.time() * 1000
    days = days_before(start_ms, now, zone)
    if days <= 0:
        seconds = max(0.0, (now - start_ms) / 1000)
        if seconds < 60:
            return "just now"
        if seconds < 3600:
            return f"{int(seconds // 60)} min ago"
        return f"{int(seconds // 3600)} h ago"
    if days == 1:
        return "yesterday"
    if days < 30:
        return f"{days} days ago"
    return datetime.fromtimestamp(start_ms / 1000, zone or local_zone()).strftime("%d %b %Y")


def row_summary(row: ReplayRow) -> str:
    """A row as one line of words: who, when (as the row shows it), how long, where."""
    problems = [
        f"{count} {word}" + ("" if count == 1 else "s")
        for count, word in (
            (row.error_count, "error"),
            (row.rage_count, "rage click"),
            (row.dead_count, "dead click"),
            (row.failed_request_count, "failed request"),
        )
        if count
    ]
    said = f"{display_name(row)}, {relative_time(row.start_ms)}, {_clock(row.duration_ms)} long, {row.start_url}"
    return ", ".join([said, *problems])


def _clock(ms: float) -> str:
    minutes, seconds = divmod(max(0, int(ms // 1000)), 60)
    return f"{minutes}:{seconds:02d}"


def absolute_time(start_ms: float) -> str:
    return datetime.fromtimestamp(start_ms / 1000).strftime("%a %d %b %Y, %H:%M:%S")


def display_name(row: ReplayRow) -> str:
    return user_label(row.user_id, row.user_name, row.user_email)


def user_label(user_id: str | None, name: str | None = None, email: str | None = None) -> str:
    """What a user is called everywhere (feed, profile, reports): name, email, id, or Anonymous visitor."""
    return name or email or (ANONYMOUS_LABEL if is_anonymous_id(user_id) else user_id) or ""
