"""A user's profile: their properties, first and last seen, their replays, and View replays."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.storage import ReplayQuery, ReplayRow, UserProfile
from viewer.ui.cache_worker import CacheWorker
from viewer.ui.feed import ReplayRowDelegate
from viewer.ui.feed_model import ROW_ROLE, absolute_time, user_label
from viewer.ui.replay_loading import QueuedReplay


class ProfilePage(QWidget):
    playRequested = Signal(list)  # list[QueuedReplay], newest first
    replayActivated = Signal(str)

    def __init__(self, worker: CacheWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self.user_id: str | None = None
        self.rows: list[ReplayRow] = []
        self.name = QLabel()
        self.name.setStyleSheet("font-size: 18pt; font-weight: 600;")
        self.subtitle = QLabel()
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.name, self.subtitle):  # a narrow window wraps them; View replays stays in view
            label.setWordWrap(True)
        self.view_button = QPushButton("View replays")
        self.view_button.clicked.connect(self._view_replays)
        self.properties = QTableWidget(0, 2)
        self.properties.setHorizontalHeaderLabels(["Property", "Value"])
        self.properties.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.properties.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.properties.verticalHeader().hide()
        self.properties.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.replay_model = QStandardItemModel(self)
        self.replays = QListView()
        self.replays.setModel(self.replay_model)
        self.replays.setItemDelegate(ReplayRowDelegate(self.replays))
        self.replays.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.replays.clicked.connect(self._on_replay_clicked)
        self.properties.setAccessibleName("User properties")
        self.replays.setAccessibleName("Replays of this user")
        self._lay_out()

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.name)
        titles.addWidget(self.subtitle)
        top.addLayout(titles, 1)
        top.addWidget(self.view_button, 0, Qt.AlignmentFlag.AlignTop)
        body = QHBoxLayout()
        body.addWidget(self.properties, 2)
        replays = QVBoxLayout()
        replays.addWidget(QLabel("Replays, newest first"))
        replays.addWidget(self.replays, 1)
        body.addLayout(replays, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(top)
        layout.addLayout(body, 1)

    def show_user(self, user_id: str) -> None:
        self.user_id = user_id
        self.name.setText(user_label(user_id))
        self.subtitle.setText("Loading…")
        self._worker.call(
            lambda cache: (cache.get_user(user_id), cache.all_replays(ReplayQuery(user_id=user_id))),
            lambda found: self._show(user_id, *found),
        )

    def _show(self, user_id: str, profile: UserProfile | None, rows: list[ReplayRow]) -> None:
        if user_id != self.user_id:
            return
        self.rows = sorted(rows, key=lambda r: r.start_ms, reverse=True)
        self.name.setText(user_label(user_id, profile.name, profile.email) if profile else user_label(user_id))
        self.subtitle.setText(self._subtitle(user_id, profile, self.rows))
        self._fill_properties(user_id, profile)
        self.replay_model.clear()
        for row in self.rows:
            item = QStandardItem()
            item.setData(row, ROW_ROLE)
            item.setToolTip(absolute_time(row.start_ms))
            self.replay_model.appendRow(item)
        self.view_button.setEnabled(bool(self.rows))

    @staticmethod
    def _subtitle(user_id: str, profile: UserProfile | None, rows: list[ReplayRow]) -> str:
        parts = [f"User id {user_id}"]
        if profile and profile.email:
            parts.append(profile.email)
        if rows:
            parts.append(f"first seen {absolute_time(min(r.start_ms for r in rows))}")
            parts.append(f"last seen {absolute_time(max(r.end_ms for r in rows))}")
        parts.append(f"{len(rows)} replay" + ("" if len(rows) == 1 else "s"))
        return " · ".join(parts)

    def _fill_properties(self, user_id: str, profile: UserProfile | None) -> None:
        values: dict[str, Any] = {"User id": user_id}
        if profile is not None:
            values |= {"Name": profile.name, "Email": profile.email}
            values |= {
                _label(k): v for k, v in sorted(profile.properties.items()) if k not in ("$name", "$email")
            }
        shown = [(k, v) for k, v in values.items() if v not in (None, "")]
        self.properties.setRowCount(len(shown))
        for index, (key, value) in enumerate(shown):
            text = value if isinstance(value, str) else json.dumps(value)
            self.properties.setItem(index, 0, QTableWidgetItem(str(key)))
            self.properties.setItem(index, 1, QTableWidgetItem(text))

    def _view_replays(self) -> None:
        if self.rows:
            self.playRequested.emit([QueuedReplay(r.id) for r in self.rows])

    def _on_replay_clicked(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.replayActivated.emit(row.id)


def _label(key: str) -> str:
    """'$initial_referrer' -> 'Initial referrer': mixpanel's reserved names read as words."""
    words = key.lstrip("$").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else key
