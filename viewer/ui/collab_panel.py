"""Collections in the sidebar, and comments as the player's markers and activity rows.

The panel lists each collection with its replays in order; double-clicking a collection (or Play) plays it
from the first replay, a replay plays the collection from there, each replay from its start moment
(the View replays queue). Remove and a new order (▲ ▼, Ctrl+Up / Ctrl+Down, or a replay dragged to its
place) change the collection through the cache worker, which queues the change for the next sync. No
cache work runs on the GUI thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QMimeData, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QDragMoveEvent, QDropEvent, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QMenu,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from replay_core.collab import Entry, Record
from replay_core.markers import Marker, MarkerKind
from replay_core.plain_text import one_line
from replay_core.timeline import ActivityEntry, EntryKind
from viewer.settings import Settings, author_name
from viewer.storage import ReplayCache, ReplayRow
from viewer.ui.activity_panel import ActivityPanel
from viewer.ui.cache_worker import CacheWorker
from viewer.ui.collection_offer import NEW_COLLECTION
from viewer.ui.player_panel import PlayerPanel
from viewer.ui.replay_loading import OpenedReplay, QueuedReplay
from viewer.ui.timeline import format_clock

_COLLECTION_ROLE = Qt.ItemDataRole.UserRole + 1
_ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2
_ID_ROLE = Qt.ItemDataRole.UserRole + 3  # (collection id, replay id) of an entry; (collection id, "") of one


def comment_markers(comments: Sequence[Record]) -> list[Marker]:
    """A comment is a marker on the timeline (its label the author and the start of the text)."""
    return [Marker(c.at_ms, MarkerKind.COMMENT, one_line(f"{c.author}: {c.text}", 80)) for c in comments]


def comment_entries(comments: Sequence[Record]) -> list[ActivityEntry]:
    """A comment is a row of the activity panel (marked when edited); its details the whole text, who
    wrote it and when it was made and last edited."""
    return [comment_entry(c) for c in comments]


def comment_entry(c: Record) -> ActivityEntry:
    edited = c.edited_ms > c.created_ms
    summary = one_line(f"Comment — {c.author}: {c.text}") + (" (edited)" if edited else "")
    when = f"— {c.author}, {_local(c.created_ms)}" + (f", edited {_local(c.edited_ms)}" if edited else "")
    return ActivityEntry(c.at_ms, EntryKind.COMMENT, summary, details=f"{c.text}\n\n{when}")


def _local(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000).strftime("%Y-%m-%d %H:%M")


def merged_activity(entries: Sequence[ActivityEntry], comments: Sequence[Record]) -> list[ActivityEntry]:
    """The replay's activity with its comments among the rows, in time order."""
    kept = [e for e in entries if e.kind != EntryKind.COMMENT]
    return sorted([*kept, *comment_entries(comments)], key=lambda e: e.at_ms)


@dataclass(frozen=True)
class ShownCollection:
    record: Record
    rows: dict[str, ReplayRow]  # the entries' replays the cache has
    gone: dict[str, int] = field(default_factory=dict)  # those deleted from it meanwhile: when (epoch ms)


def load_collections(cache: ReplayCache) -> list[ShownCollection]:
    shown = []
    for record in cache.collections():
        ids = [e.replay_id for e in record.entries()]
        rows = {row.id: row for row in cache.rows_by_id(ids)}
        shown.append(ShownCollection(record, rows, cache.gone_replays(i for i in ids if i not in rows)))
    return shown


def queue_of(shown: ShownCollection, first: int = 0) -> list[QueuedReplay]:
    """The collection's cached replays from entry `first` on, each from its start moment."""
    queue = []
    for entry in shown.record.entries()[first:]:
        row = shown.rows.get(entry.replay_id)
        if row is None:
            continue
        at = None if entry.start_ms is None else row.start_ms + entry.start_ms
        queue.append(QueuedReplay(entry.replay_id, at))
    return queue


def entry_label(number: int, entry: Entry, row: ReplayRow | None, gone_ms: int | None = None) -> str:
    if row is None and gone_ms is not None:
        return one_line(f"{number}. Replay deleted — {entry.replay_id}", 120)
    if row is None:
        return one_line(f"{number}. Not in this cache — {entry.replay_id}", 120)
    who = row.user_name or row.user_email or row.user_id or "Anonymous visitor"
    started = datetime.fromtimestamp(row.start_ms / 1000).strftime("%Y-%m-%d %H:%M")
    start = "" if entry.start_ms is None else f" — from {format_clock(entry.start_ms)}"
    return one_line(f"{number}. {who}, {started}{start}", 120)


def moved(ids: Sequence[str], source: int, target: int) -> list[str]:
    """`ids` with the one at `source` put where `target` was (before it going up, after it going down)."""
    order = list(ids)
    order.insert(target, order.pop(source))
    return order


ENTRY_MIME = "application/x-replay-viewer-collection-entry"  # a dragged replay: its collection's id, its id


def unavailable(replay_id: str, gone_ms: int | None) -> str:
    """Why a collection's replay cannot play, in one line."""
    if gone_ms is not None:
        when = datetime.fromtimestamp(gone_ms / 1000).strftime("%Y-%m-%d %H:%M")
        return (
            f"Replay {replay_id[:80]} was deleted from this cache on {when} (its user was deleted, or it passed"
            " the retention period): it cannot play and is passed by; Remove takes it out of the collection"
        )
    return f"Replay {replay_id[:80]} is not in this cache (not synced yet, or from a source you do not sync)"


class EntryTree(QTreeWidget):
    """The collections' tree; a replay dragged within its collection asks for its new place (the tree
    itself moves nothing: the panel shows the order the cache stored)."""

    entryDropped = Signal(str, str, int)  # collection id, replay id, insertion point in that collection

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        # Not InternalMove (which would move the items itself): a drag carries ENTRY_MIME, the drop asks.
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt override)
        return [ENTRY_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:  # noqa: N802 (Qt override)
        data = QMimeData()
        ids = [item.data(0, _ID_ROLE) for item in items if item.data(0, _ID_ROLE)]
        if ids:
            data.setData(ENTRY_MIME, QByteArray(json.dumps(list(ids[0])).encode()))
        return data

    def drop_place(self, event: QDropEvent) -> tuple[str, str, int] | None:
        """(collection id, replay id, insertion point) for a replay dropped at the event's position, or
        None when it does not land in its own collection: on a replay, before it in its upper half, else
        after it; on the collection itself, first."""
        try:
            record_id, replay_id = json.loads(bytes(event.mimeData().data(ENTRY_MIME).data()))
        except (ValueError, TypeError):
            return None
        position = event.position().toPoint()
        target = self.itemAt(position)
        ids = target.data(0, _ID_ROLE) if target is not None else None
        if target is None or not ids or ids[0] != record_id:
            return None
        entry = target.data(0, _ENTRY_ROLE)
        if not isinstance(entry, int):
            return record_id, replay_id, 0
        lower = position.y() >= self.visualItemRect(target).center().y()
        return record_id, replay_id, entry + (1 if lower else 0)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 (Qt override)
        super().dragMoveEvent(event)  # scrolls near the edges, draws the drop indicator
        if self.drop_place(event) is not None:
            event.accept()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        place = self.drop_place(event)
        # Nothing moves here (IgnoreAction: the drag does not remove its item either); the cache's order shows.
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        self.setState(QAbstractItemView.State.NoState)  # the indicator goes
        self.viewport().update()
        if place is not None:
            self.entryDropped.emit(*place)


class CollectionsPanel(QWidget):
    """The collections and their replays; asks for them to play and for changes to be made."""

    playRequested = Signal(list)  # list[QueuedReplay]
    message = Signal(str, int)
    filled = Signal(int)  # how many collections there are, after each refresh

    def __init__(self, cache: CacheWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cache = cache
        self.shown: list[ShownCollection] = []
        self.playing: list[QueuedReplay] = []  # the collection being played (a presentation), whole
        self._keep_selected: tuple[str, str] | None = None  # (collection id, replay id) after a move
        self.tree = EntryTree()
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Collections")
        self.tree.itemActivated.connect(self._activated)
        self.tree.entryDropped.connect(self._dropped)
        for keys, step in (("Ctrl+Up", -1), ("Ctrl+Down", 1)):
            action = QAction(self.tree)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(lambda _=False, s=step: self._move(s))
            self.tree.addAction(action)
        self.play_button = QPushButton("Play")
        self.up_button = QPushButton("▲")
        self.down_button = QPushButton("▼")
        for button, name in (
            (self.up_button, "Move up (Ctrl+Up)"),
            (self.down_button, "Move down (Ctrl+Down)"),
        ):
            button.setToolTip(name)
            button.setAccessibleName(name)
            button.setMaximumWidth(36)
        self.remove_button = QPushButton("Remove")
        self.play_button.clicked.connect(lambda: self._play_current())
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.remove_button.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        for button in (self.play_button, self.up_button, self.down_button, self.remove_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)
        layout.addLayout(buttons)

    def refresh(self) -> None:
        self.cache.call(load_collections, self._show)

    def names(self) -> list[str]:
        return [s.record.name for s in self.shown]

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        """Light or dark: the greyed entries take the new palette's colour."""
        super().changeEvent(event)
        palette = event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        if palette and hasattr(self, "tree"):  # (not while the panel is being made)
            shown, self.shown = self.shown, []
            self._show(shown)

    def _show(self, shown: list[ShownCollection]) -> None:
        if shown == self.shown and self.tree.topLevelItemCount() and self._keep_selected is None:
            # Unchanged (a sync or a refresh for other reasons): the tree stays as it is, so a click,
            # a double-click or a drag under way is not lost to a rebuild.
            self.filled.emit(len(shown))
            return
        expanded = {s.record.id for s, i in self._items() if i.isExpanded()}
        current = self.tree.currentItem()
        # The selection stays on its replay (a moved one at its new place) through every refresh.
        keep = self._keep_selected or (
            tuple(current.data(0, _ID_ROLE) or ()) if current is not None else None
        )
        self.shown = shown
        self.tree.clear()
        for index, collection in enumerate(shown):
            entries = collection.record.entries()
            top = QTreeWidgetItem([f"{collection.record.name}  ({len(entries)})"])
            top.setData(0, _COLLECTION_ROLE, index)
            top.setData(0, _ID_ROLE, (collection.record.id, ""))
            top.setToolTip(0, f"by {collection.record.author}; double-click to play in order")
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
            for number, entry in enumerate(entries, start=1):
                row, gone = collection.rows.get(entry.replay_id), collection.gone.get(entry.replay_id)
                child = QTreeWidgetItem([entry_label(number, entry, row, gone)])
                if row is None:  # greyed (legibly: 3:1 or so); it cannot play, and playing in order passes it by
                    child.setForeground(
                        0, self.palette().brush(QPalette.ColorRole.PlaceholderText)
                    )
                    child.setToolTip(0, unavailable(entry.replay_id, gone))
                child.setData(0, _COLLECTION_ROLE, index)
                child.setData(0, _ENTRY_ROLE, number - 1)
                child.setData(0, _ID_ROLE, (collection.record.id, entry.replay_id))
                # dropped between replays, never into one
                child.setFlags(child.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setExpanded(collection.record.id in expanded or len(shown) <= 3)
            if keep and keep[0] == collection.record.id:
                ids = [e.replay_id for e in entries]
                kept = top.child(ids.index(keep[1])) if keep[1] in ids else top
                if kept is not None:
                    self.tree.setCurrentItem(kept)
        self._keep_selected = None
        if not shown:
            hint = QTreeWidgetItem(["No collections yet: Edit → Add to collection (Ctrl+D)"])
            hint.setFlags(Qt.ItemFlag.NoItemFlags)
            self.tree.addTopLevelItem(hint)
        self.filled.emit(len(shown))

    def _items(self) -> list[tuple[ShownCollection, QTreeWidgetItem]]:
        found = []
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            index = item.data(0, _COLLECTION_ROLE) if item is not None else None
            if item is not None and isinstance(index, int) and index < len(self.shown):
                found.append((self.shown[index], item))
        return found

    def _selected(self) -> tuple[ShownCollection, int | None] | None:
        item = self.tree.currentItem()
        if item is None or not isinstance(item.data(0, _COLLECTION_ROLE), int):
            return None
        entry = item.data(0, _ENTRY_ROLE)
        return self.shown[item.data(0, _COLLECTION_ROLE)], entry if isinstance(entry, int) else None

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        self.tree.setCurrentItem(item)
        self._play_current()

    def _play_current(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        shown, entry = selected
        if entry is not None:
            replay_id = shown.record.entries()[entry].replay_id
            if replay_id not in shown.rows:
                self.message.emit(unavailable(replay_id, shown.gone.get(replay_id)), 8000)
                return
        whole = queue_of(shown)
        queue = queue_of(shown, entry or 0)
        if not queue:
            self.message.emit(f"None of the replays of {shown.record.name!r} is in the cache", 6000)
            return
        self.playing = whole
        self.playRequested.emit(queue)

    def neighbour(self, replay_id: str | None, step: int) -> list[QueuedReplay] | None:
        """N / P while a collection plays: the rest of it from the next (or previous) replay, or None when
        `replay_id` is not in the collection playing (another replay was opened meanwhile) or at its end."""
        ids = [queued.replay_id for queued in self.playing]
        if replay_id not in ids:
            return None
        target = ids.index(replay_id) + step
        return self.playing[target:] if 0 <= target < len(ids) else None

    def _change(self, work: Callable[[ReplayCache], object]) -> None:
        def done(_: object) -> None:
            self.refresh()

        self.cache.call(work, done, lambda problem: self.message.emit(problem, 8000))

    def _move(self, step: int) -> None:
        selected = self._selected()
        if selected is None:
            return
        shown, index = selected
        if index is None:
            return
        ids = [e.replay_id for e in shown.record.entries()]
        target = index + step
        if 0 <= target < len(ids):
            self._reorder(shown, moved(ids, index, target), ids[index])

    def _dropped(self, record_id: str, replay_id: str, place: int) -> None:
        """A replay dragged to its place in its collection: the same change as ▲ ▼ make."""
        shown = next((s for s in self.shown if s.record.id == record_id), None)
        ids = [e.replay_id for e in shown.record.entries()] if shown else []
        if shown is None or replay_id not in ids:
            return
        source = ids.index(replay_id)
        target = min(len(ids) - 1, place - 1 if place > source else place)
        if target != source:
            self._reorder(shown, moved(ids, source, target), replay_id)

    def _reorder(self, shown: ShownCollection, ids: list[str], keep: str) -> None:
        """Store the collection's new order (queued for the next sync); `keep` stays selected."""
        record_id = shown.record.id
        self._keep_selected = (record_id, keep)
        self._change(lambda cache: cache.reorder_collection(record_id, ids))

    def _remove(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        shown, index = selected
        record_id = shown.record.id
        if index is None:
            answer = QMessageBox.question(
                self, "Delete collection", f"Delete the collection {shown.record.name!r} for the whole team?"
            )
            if answer == QMessageBox.StandardButton.Yes:
                self._change(lambda cache: cache.delete_collection(record_id))
            return
        replay_id = shown.record.entries()[index].replay_id
        self._change(lambda cache: cache.remove_from_collection(record_id, replay_id))


class CommentsOfReplay(QObject):
    """The open replay's comments on the timeline and in the activity panel, and the two actions that
    write: a comment at the playhead (C) and the open replay added to a collection (Ctrl+D)."""

    changed = Signal()  # a collection changed
    message = Signal(str, int)

    def __init__(self, window: QWidget, session: Any, player: PlayerPanel, activity: ActivityPanel) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.player = player
        self.activity = activity
        self.entries: list[ActivityEntry] = []
        self.comments: list[Record] = []
        self.comments_of: str | None = None  # the replay `comments` belong to
        self.selected: str | None = None  # the comment a link pointed at, selected in the rows and marked
        self._linked: tuple[str, str, bool] | None = None  # (replay, comment, timed) of a link being opened
        activity.entryMenuRequested.connect(self._entry_menu)
        activity.entryDeleteRequested.connect(self._entry_delete)
        player.controls.timeline.markerMenuRequested.connect(self._marker_menu)
        session.commentLinked.connect(self.linked)
        session.opened.connect(self._opened)

    @property
    def cache(self) -> CacheWorker:
        worker: CacheWorker = self.session.cache
        return worker

    def set_activity(self, entries: list[ActivityEntry]) -> None:
        """The open replay's activity timeline arrived: shown with its comments among the rows."""
        self.entries = list(entries)
        self._show_rows()

    def load(self, replay_id: str | None) -> None:
        if replay_id is None:
            return
        self.cache.call(lambda cache: cache.comments(replay_id), lambda found: self._loaded(replay_id, found))

    def reload(self) -> None:
        self.load(self.session.current_replay_id)

    def _loaded(self, replay_id: str, comments: list[Record]) -> None:
        if replay_id != self.session.current_replay_id:  # another replay opened meanwhile
            return
        self.comments, self.comments_of = comments, replay_id
        self.player.set_comment_markers(comment_markers(comments))
        self._follow_link(replay_id)
        self._show_rows()

    def _show_rows(self) -> None:
        mine = self.comments if self.comments_of == self.session.current_replay_id else []
        self.activity.set_entries(merged_activity(self.entries, mine))
        self._show_selected()

    def _opened(self, opened: OpenedReplay) -> None:
        """Each opening starts with no comment selected (a link's is selected once its comments are read)."""
        if self._linked is not None and self._linked[0] != opened.replay_id:
            self._linked = None  # the link's replay did not open; another did
        self.selected = None
        self.player.controls.timeline.highlight_marker(None)

    # a link to a comment ----------------------------------------------------------------------
    def linked(self, replay_id: str, comment_id: str, timed: bool) -> None:
        """A link to a comment is being opened: once its replay's comments are read, the comment is
        selected (or said to be missing); a link without a moment goes to the comment's."""
        self._linked = (replay_id, comment_id, timed)

    def _follow_link(self, replay_id: str) -> None:
        if self._linked is None or self._linked[0] != replay_id:
            return
        _, comment_id, timed = self._linked
        self._linked = None
        found = next((c for c in self.comments if c.id == comment_id), None)
        if found is None:
            where = "the replay opens at the link's moment" if timed else "the replay opens at its start"
            self.message.emit(f"The link's comment is not found (deleted, or not synced yet); {where}", 10000)
            return
        self.selected = found.id
        if not timed:
            self.player.controller.seek(found.at_ms)

    def _show_selected(self) -> None:
        found = next((c for c in self.comments if c.id == self.selected), None)
        marker = None
        if found is not None and self.comments_of == self.session.current_replay_id:
            self.activity.select_entry(comment_entry(found))
            marker = comment_markers([found])[0]
        self.player.controls.timeline.highlight_marker(marker)

    # a comment's menu: edit, delete, link -----------------------------------------------------
    def _comment_of_entry(self, entry: ActivityEntry) -> Record | None:
        if entry.kind != EntryKind.COMMENT or self.comments_of != self.session.current_replay_id:
            return None
        return next((c for c in self.comments if comment_entry(c) == entry), None)

    def _entry_menu(self, entry: ActivityEntry, where: QPoint) -> None:
        comment = self._comment_of_entry(entry)
        if comment is not None:
            self.comment_menu(comment).exec(where)

    def _marker_menu(self, marker: Marker, where: QPoint) -> None:
        if marker.kind != MarkerKind.COMMENT or self.comments_of != self.session.current_replay_id:
            return
        comment = next((c for c in self.comments if comment_markers([c])[0] == marker), None)
        if comment is not None:
            self.comment_menu(comment).exec(where)

    def _entry_delete(self, entry: ActivityEntry) -> None:
        comment = self._comment_of_entry(entry)
        if comment is not None:
            self.delete_comment(comment)

    def comment_menu(self, comment: Record) -> QMenu:
        menu = QMenu(self.window)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction("Edit…", lambda: self.edit_comment(comment))
        menu.addAction("Delete…", lambda: self.delete_comment(comment))
        menu.addSeparator()
        menu.addAction("Copy link to comment", lambda: self.copy_link(comment))
        return menu

    def edit_comment(self, comment: Record) -> None:
        """New text for a comment (its edited time changes); shared with the team on the next sync."""
        text, ok = QInputDialog.getMultiLineText(
            self.window,
            "Edit comment",
            f"Comment at {format_clock(comment.at_ms)} by {comment.author}:",
            comment.text,
        )
        if not ok or not text.strip() or text == comment.text:
            return
        self._write(
            lambda cache: cache.edit_comment(comment.id, text=text), "Comment edited", comment.replay_id
        )

    def delete_comment(self, comment: Record) -> None:
        answer = QMessageBox.question(
            self.window,
            "Delete comment",
            f"Delete the comment at {format_clock(comment.at_ms)} by {comment.author} for the whole team?\n\n"
            + one_line(comment.text, 200),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._write(lambda cache: cache.delete_comment(comment.id), "Comment deleted", comment.replay_id)

    def _write(self, work: Callable[[ReplayCache], object], done_text: str, replay_id: str) -> None:
        def done(_: object) -> None:
            self.message.emit(f"{done_text} (shared with your team on sync)", 5000)
            self.load(replay_id)

        def failed(problem: str) -> None:
            self.message.emit(f"Not changed: {problem}", 8000)

        self.cache.call(work, done, failed)

    def copy_link(self, comment: Record) -> None:
        link = self.session.comment_link(comment)
        if link is None:
            self.message.emit("Only the open replay's comments have links", 6000)
            return
        QGuiApplication.clipboard().setText(link)
        self.message.emit(f"Copied {link}", 6000)

    def _settings(self) -> Settings:
        settings: Settings = self.session.settings
        return settings

    def ask_for_comment(self) -> None:
        replay_id = self.session.current_replay_id
        if replay_id is None or self.player.replay_id != replay_id:
            self.message.emit("Comments are on cached replays: open one from the feed first", 6000)
            return
        at_ms = max(0, round(self.player.controller.position_ms))
        self.player.controller.pause()
        text, ok = QInputDialog.getMultiLineText(
            self.window, "Add comment", f"Comment at {format_clock(at_ms)} (shared with your team on sync):"
        )
        if not ok or not text.strip():
            return
        author = author_name(self._settings())

        def added(record: Record) -> None:
            self.message.emit(f"Comment added at {format_clock(record.at_ms)}", 5000)
            self.load(replay_id)

        self.cache.call(
            lambda cache: cache.add_comment(replay_id, at_ms, text, author),
            added,
            lambda problem: self.message.emit(f"Comment not added: {problem}", 8000),
        )

    def ask_for_collection(self) -> None:
        """Ctrl+D: the open replay, from the playhead."""
        replay_id = self.session.current_replay_id
        if replay_id is None:
            self.message.emit("Open a cached replay first: it is what gets added", 6000)
            return
        at_ms = round(self.player.controller.position_ms) if self.player.replay_id == replay_id else 0
        self._ask(replay_id, at_ms, None)

    def add_requested(self, replay_id: str, at_epoch_ms: float, name: str) -> None:
        """A list's row (`viewer.ui.collection_offer`): its replay from its moment (epoch ms; negative: from
        its start) to the collection `name`, or to one asked for ("") or a new one (NEW_COLLECTION)."""
        epoch = round(at_epoch_ms) if at_epoch_ms >= 0 else None
        if name == NEW_COLLECTION:
            typed, ok = QInputDialog.getText(
                self.window, NEW_COLLECTION.rstrip("…"), "Name of the new collection:"
            )
            if ok and typed.strip():
                self._add(replay_id, typed.strip(), None, epoch)
        elif name:
            self._add(replay_id, name, None, epoch)
        else:
            self._ask(replay_id, None, epoch)

    def _ask(self, replay_id: str, at_ms: int | None, at_epoch_ms: int | None) -> None:
        """Which collection: the dialog lists them (a new name makes one)."""
        self.cache.call(
            lambda cache: [r.name for r in cache.collections()],
            lambda names: self._choose(replay_id, at_ms, at_epoch_ms, names),
        )

    def _choose(self, replay_id: str, at_ms: int | None, at_epoch_ms: int | None, names: list[str]) -> None:
        name, ok = QInputDialog.getItem(
            self.window, "Add to collection", "Collection (type a new name to make one):", names, 0, True
        )
        if ok and name.strip():
            self._add(replay_id, name.strip(), at_ms, at_epoch_ms)

    def _add(self, replay_id: str, name: str, at_ms: int | None, at_epoch_ms: int | None) -> None:
        """The one place that adds: the replay at the end of `name` (made when there is none), from `at_ms`
        into it or from the epoch moment `at_epoch_ms`, unless that is its first second."""
        author = author_name(self._settings())

        def work(cache: ReplayCache) -> Record:
            offset = at_ms
            if at_epoch_ms is not None:
                row = cache.get_replay(replay_id)
                offset = None if row is None else max(0, at_epoch_ms - row.start_ms)
            start = offset if offset is not None and offset >= 1000 else None
            if name not in [r.name for r in cache.collections()]:
                cache.create_collection(name, author)
            return cache.add_to_collection(name, replay_id, start)

        def done(record: Record) -> None:
            entry = next((e for e in record.entries() if e.replay_id == replay_id), None)
            where = (
                "" if entry is None or entry.start_ms is None else f", from {format_clock(entry.start_ms)}"
            )
            self.message.emit(f"Added to {record.name!r} as number {len(record.entries())}{where}", 6000)
            self.changed.emit()

        self.cache.call(work, done, lambda problem: self.message.emit(f"Not added: {problem}", 8000))
