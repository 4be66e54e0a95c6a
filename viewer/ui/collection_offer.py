"""Add to collection from a list of replays (the feed, a chart's replays, a hot spot's clicks): a row's menu
has Add to collection ▸ with each collection and New collection…, and Ctrl+D on the current row asks which
one, as Ctrl+D in the player does. Every list asks through its `CollectionOffer`; the window hands each
request to the one place that adds (`CommentsOfReplay.add_requested`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QMenu

ADD_KEYS = QKeySequence("Ctrl+D")  # the Edit menu's Add to collection…, for the open replay
NEW_COLLECTION = "New collection…"
Moment = tuple[str, float]  # replay id, epoch ms to start at (negative: its start)


class CollectionOffer(QObject):
    """A list's rows offered to collections. `moment_of` tells a row's replay and moment (None: no replay),
    `names` the collections there are (the window sets it), `open` plays a row (the menu's Open)."""

    # replay id, epoch ms to start at (negative: its start), the collection's name ("": ask for one,
    # NEW_COLLECTION: ask for a new name)
    requested = Signal(str, float, str)

    def __init__(
        self,
        view: QAbstractItemView,
        moment_of: Callable[[QModelIndex], Moment | None],
        open_row: Callable[[QModelIndex], None] | None = None,
        menu_owned: bool = False,
    ) -> None:
        super().__init__(view)
        self.view = view
        self.moment_of = moment_of
        self.open_row = open_row
        self.names: Callable[[], list[str]] = lambda: []
        view.installEventFilter(self)
        if not menu_owned:  # else the list builds its own menu and calls add_menu
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(self._menu)

    def add_menu(self, menu: QMenu, index: QModelIndex) -> QMenu | None:
        """Add to collection ▸ (each collection, New collection…) for the row at `index` in `menu`."""
        moment = self.moment_of(index)
        if moment is None:
            return None
        replay_id, at_epoch_ms = moment
        sub = menu.addMenu("Add to collection")
        for name in self.names():
            sub.addAction(name.replace("&", "&&"), self._emitter(replay_id, at_epoch_ms, name))
        if self.names():
            sub.addSeparator()
        sub.addAction(NEW_COLLECTION, self._emitter(replay_id, at_epoch_ms, NEW_COLLECTION))
        return sub

    def _emitter(self, replay_id: str, at_epoch_ms: float, name: str) -> Callable[[], None]:
        return lambda: self.requested.emit(replay_id, at_epoch_ms, name)

    def _menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if self.moment_of(index) is None:
            return
        self.view.setCurrentIndex(index)
        menu = QMenu(self.view)
        open_row = self.open_row
        if open_row is not None:
            menu.addAction("Open", lambda: open_row(index))
        self.add_menu(menu, index)
        menu.exec(self.view.viewport().mapToGlobal(position))

    def ask_for_current(self) -> bool:
        """Ctrl+D on the list: its current row's replay, the collection asked for; False without one."""
        moment = self.moment_of(self.view.currentIndex())
        if moment is None:
            return False
        self.requested.emit(*moment, "")
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Ctrl+D while the list has the keyboard is the current row's, not the window's (the open replay)."""
        if (
            watched is self.view
            and isinstance(event, QKeyEvent)
            and QKeySequence(event.keyCombination()) == ADD_KEYS
        ):
            if self.moment_of(self.view.currentIndex()) is None:
                return False
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress:
                return self.ask_for_current()
        return super().eventFilter(watched, event)
