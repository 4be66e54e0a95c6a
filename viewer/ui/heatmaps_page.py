"""Heatmaps: the pages of the cached replays, and for one page its click map, heat and scroll map drawn
over the page itself, rebuilt in a player from a recent replay that visited it.

The page list and a page's figures come from the cache's heatmap rows (`viewer.storage.heatmaps`), read on
the cache worker. The chosen page is rebuilt in a `ReplayView` of its own, paused just before the first
click of the most recent visit (a desktop one unless a viewport class is chosen), and the overlay
(`resources/player/heatmap-overlay.js`) is drawn in that player page. A hot element clicked in the overlay
or in the element list lists the replays that clicked it; activating one opens it at that click.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from replay_core.heatmap import Viewport
from replay_core.plain_text import one_line
from viewer.player.view import ReplayView
from viewer.storage.heatmaps import ClickMoment, HeatmapFilter, HeatmapView, PageSummary, overlay_data
from viewer.ui.cache_worker import CacheWorker
from viewer.ui.collection_offer import CollectionOffer
from viewer.ui.feed_model import absolute_time
from viewer.ui.flow_layout import FlowLayout

RANGES = [("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90), ("All time", None)]
VIEWPORTS = [("All viewports", None), ("Desktop", Viewport.DESKTOP), ("Tablet", Viewport.TABLET),
             ("Mobile", Viewport.MOBILE)]  # fmt: skip
PAGE_ROLE = Qt.ItemDataRole.UserRole + 1
CLICK_ROLE = Qt.ItemDataRole.UserRole + 2


def short_pages(pages: Sequence[str]) -> list[str]:
    """The pages as the list shows them: paths without the folders they all share (`/todomvc/examples/`),
    so the part that tells them apart comes first; the whole URL is each row's tooltip."""
    paths = [urlsplit(p).path or "/" if urlsplit(p).netloc else p for p in pages]
    split = [p.split("/") for p in paths]
    shared = 0
    if len(split) > 1:
        while all(len(parts) > shared + 1 and parts[shared] == split[0][shared] for parts in split):
            shared += 1
    return [one_line(("…/" if shared > 1 else "") + "/".join(parts[shared:]) if shared > 1 else path, 300)
            for parts, path in zip(split, paths, strict=True)]  # fmt: skip


def _fit_columns(tree: QTreeWidget) -> None:
    """The first column takes the room; the figures are as wide as their numbers."""
    header = tree.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, tree.columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)


class HeatmapsPage(QWidget):
    openMoment = Signal(str, float)  # replay id, epoch ms of the click

    def __init__(
        self, worker: CacheWorker, remote_assets: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self.page: str | None = None  # the page (or pattern) shown
        self.current: HeatmapView | None = None
        self._shown_replay: str | None = None  # the replay the player holds
        self._seek_token = -1
        self._drawn_once = False  # the first drawing of a snapshot scrolls it to the top
        self._drawing = 0  # numbers the overlays sent to the page
        self._trying: list[int] = []  # moments of the snapshot's visit still to try
        self._tried: list[tuple[int, int]] = []  # (elements found, moment)
        self._asked = 0  # numbers the page's questions to the cache: a late answer is dropped
        self.last_drawn: dict[str, Any] = {}
        self._build(remote_assets)

    # construction ---------------------------------------------------------------------------
    def _build(self, remote_assets: bool) -> None:
        self.range_box = QComboBox()
        for label, days in RANGES:
            self.range_box.addItem(label, days)
        self.range_box.setCurrentIndex(1)
        self.range_box.setAccessibleName("Date range")
        self.viewport_box = QComboBox()
        for label, viewport in VIEWPORTS:
            self.viewport_box.addItem(label, viewport)
        self.patterns = QLineEdit()
        self.patterns.setPlaceholderText("Group URLs, e.g. /orders/*, /users/*/settings")
        self.patterns.setClearButtonEnabled(True)
        self.patterns.setMinimumWidth(160)
        self.patterns.setAccessibleName("URL patterns")
        self.viewport_box.setAccessibleName("Viewport class")
        for box in (self.range_box, self.viewport_box):
            box.activated.connect(self.refresh)
        self.patterns.editingFinished.connect(self.refresh)
        self.mode_boxes: dict[str, QCheckBox] = {}
        for key, label in (("clicks", "Click map"), ("heat", "Heat"), ("scroll", "Scroll map")):
            check = QCheckBox(label)
            check.setChecked(True)
            check.toggled.connect(lambda _on: self._draw(scroll_to_top=False))
            self.mode_boxes[key] = check
        self.export_button = QPushButton("Export PNG…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.choose_export)
        controls = FlowLayout()
        for widget in (self.range_box, self.viewport_box, self.patterns, *self.mode_boxes.values(),
                       self.export_button):  # fmt: skip
            controls.addWidget(widget)

        self.page_list = QTreeWidget()
        self.page_list.setHeaderLabels(["Page", "Visits", "Clicks"])
        self.page_list.setAccessibleName("Pages")
        self.page_list.setRootIsDecorated(False)
        self.page_list.setUniformRowHeights(True)
        _fit_columns(self.page_list)
        self.page_list.currentItemChanged.connect(self._page_chosen)

        self.view = ReplayView(remote_assets=remote_assets)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view.setMinimumSize(140, 100)  # a small window keeps its minimum: the page scales down
        self.view.seekFinished.connect(self._on_seeked)
        self.status = QLabel("Choose a page to see where its visitors click and how far they scroll.")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.view.loadFailed.connect(
            lambda message: self.status.setText(f"The page could not be rebuilt: {message}")
        )
        self.view.heatmapDrawn.connect(self._on_drawn)
        self.view.heatmapElementClicked.connect(self.choose_element)

        self.element_list = QTreeWidget()
        self.element_list.setHeaderLabels(["Element", "Clicks", "Replays"])
        self.element_list.setAccessibleName("Clicked elements")
        self.element_list.setRootIsDecorated(False)
        self.element_list.setUniformRowHeights(True)
        _fit_columns(self.element_list)
        self.element_list.currentItemChanged.connect(
            lambda item, _old: self.choose_element(item.data(0, PAGE_ROLE)) if item is not None else None
        )
        self.replay_label = QLabel("Click a hot element to list the replays that clicked it.")
        self.replay_label.setWordWrap(True)
        self.replay_label.setTextFormat(Qt.TextFormat.PlainText)
        self.replay_list = QListWidget()
        self.replay_list.setAccessibleName("Replays that clicked the element")
        self.replay_list.itemActivated.connect(self._open_click)
        self.replay_list.itemClicked.connect(self._open_click)
        # A replay that clicked the element to a collection (its menu, Ctrl+D), from that click.
        self.collection_offer = CollectionOffer(
            self.replay_list,
            lambda index: index.data(CLICK_ROLE),
            lambda index: self._open_click(self.replay_list.item(index.row())),
        )

        stage = QWidget()
        stage_layout = QVBoxLayout(stage)
        stage_layout.setContentsMargins(0, 0, 0, 0)
        stage_layout.addWidget(self.view, 1)
        stage_layout.addWidget(self.status)
        replays = QWidget()
        replays_layout = QVBoxLayout(replays)
        replays_layout.setContentsMargins(0, 0, 0, 0)
        replays_layout.addWidget(self.replay_label)
        replays_layout.addWidget(self.replay_list, 1)
        # The lists on the left, top to bottom as a person goes: a page, its elements, an element's replays.
        lists = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.page_list, self.element_list, replays):
            lists.addWidget(widget)
        lists.setSizes([200, 320, 220])
        lists.setMinimumWidth(140)
        for widget in (self.page_list, self.element_list, self.replay_list):
            widget.setMinimumHeight(48)  # a short window keeps its minimum: the lists scroll
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(lists)
        self.splitter.addWidget(stage)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([420, 580])
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.splitter, 1)

    # filters ----------------------------------------------------------------------------------
    def where(self) -> HeatmapFilter:
        days = self.range_box.currentData()
        now = int(time.time() * 1000)
        viewport = self.viewport_box.currentData()
        return HeatmapFilter(since_ms=None if days is None else now - days * 86_400_000,
                             viewport=Viewport(viewport) if viewport else None)  # fmt: skip

    def pattern_list(self) -> list[str]:
        return [p.strip() for p in self.patterns.text().split(",") if p.strip()]

    # the page list ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the page list again (and the chosen page's heatmap) with the filters as they are."""
        where, patterns = self.where(), self.pattern_list()
        self._worker.call(lambda cache: cache.heatmap_pages(where, patterns), self._set_pages)

    def show_page(self, page: str) -> None:
        """Open the Heatmaps page on one page (the player's page menu): list, choose and draw it."""
        self.page = page
        self.refresh()

    def _set_pages(self, pages: list[PageSummary]) -> None:
        self.page_list.blockSignals(True)
        self.page_list.clear()
        chosen = None
        for summary, shown in zip(pages, short_pages([p.page for p in pages]), strict=True):
            item = QTreeWidgetItem([shown, str(summary.visits), str(summary.clicks)])
            item.setData(0, PAGE_ROLE, summary.page)
            item.setToolTip(0, f"{summary.page}\n{summary.visits} visits, {summary.clicks} clicks, "
                               f"{summary.replays} replays")  # fmt: skip
            for column in (1, 2):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.page_list.addTopLevelItem(item)
            if summary.page == self.page:
                chosen = item
        self.page_list.blockSignals(False)
        if not pages:
            self.status.setText(
                "No page visits with these filters. Import or sync replays, or widen the range."
            )
        if chosen is not None:
            self.page_list.setCurrentItem(chosen)  # the page shown stays chosen; its heatmap is read again
        elif self.page is not None:
            self._load(self.page)  # a page named from the player, or one the filters leave out of the list

    def pages_listed(self) -> list[str]:
        items = (self.page_list.topLevelItem(i) for i in range(self.page_list.topLevelItemCount()))
        return [item.data(0, PAGE_ROLE) for item in items if item is not None]

    def _page_chosen(self, item: QTreeWidgetItem | None, _old: QTreeWidgetItem | None) -> None:
        if item is not None:
            self._load(item.data(0, PAGE_ROLE))

    # one page -----------------------------------------------------------------------------------
    def _load(self, page: str) -> None:
        self.page = page
        self._asked += 1
        asked, where = self._asked, self.where()
        self.status.setText(f"Reading the heatmap of {one_line(page, 200)}…")
        shown = self._shown_replay

        def work(cache: Any) -> tuple[HeatmapView, list[Any] | None, Any]:
            view = cache.heatmap_view(page, where)
            snapshot = view.snapshot
            fresh = snapshot is not None and snapshot.replay_id != shown
            events = cache.events(snapshot.replay_id) if fresh else None
            # Its recorded images, stylesheets and fonts, from the asset cache (the page never fetches).
            assets = cache.replay_assets(snapshot.replay_id) if fresh else None
            return view, events, assets

        self._worker.call(work, lambda found: self._loaded(asked, found))

    def _loaded(self, asked: int, found: tuple[HeatmapView, list[Any] | None, Any]) -> None:
        if asked != self._asked:
            return
        view, events, assets = found
        self.current = view
        self._fill_elements(view)
        self.replay_list.clear()
        self.replay_label.setText("Click a hot element to list the replays that clicked it.")
        heatmap = view.heatmap
        if not heatmap.visits:
            self.status.setText("No visits of this page with these filters.")
            self.view.show_heatmap(None)
            self.export_button.setEnabled(False)
            return
        snapshot = view.snapshot
        if snapshot is None:
            self.status.setText(
                "No replay that visited this page has its events in the cache to rebuild it from."
            )
            self.view.clear()
            self._shown_replay = None
            self.export_button.setEnabled(False)
            return
        if events is not None:
            self.view.show_events(events, assets=assets or ({}, {}))
            self._shown_replay = snapshot.replay_id
        self.view.show_heatmap(None)
        self._drawn_once = False
        self._trying = list(snapshot.moments or (snapshot.at_offset_ms,))
        self._tried = []
        self._seek_token = self.view.seek(float(self._trying[0]), False)
        self.status.setText(f"Rebuilding the page from replay {snapshot.replay_id}…")

    def _fill_elements(self, view: HeatmapView) -> None:
        self.element_list.blockSignals(True)
        self.element_list.clear()
        for element in view.heatmap.elements:
            # Named elements by their name; others by the last step of their selector (all of it on hover).
            label = element.label if "“" in element.label else element.label.rsplit(" > ", 1)[-1]
            marks = "".join(
                f" · {n} {kind}" for n, kind in ((element.rage, "rage"), (element.dead, "dead")) if n
            )
            item = QTreeWidgetItem([one_line(label, 200) + marks, str(element.clicks), str(element.replays)])
            item.setData(0, PAGE_ROLE, element.selector)
            item.setToolTip(0, f"{element.selector}\n{element.clicks} clicks in {element.visits} visits and "
                               f"{element.replays} replays; {element.rage} rage, {element.dead} dead")  # fmt: skip
            for column in (1, 2):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.element_list.addTopLevelItem(item)
        self.element_list.blockSignals(False)

    def _on_seeked(self, token: int, _at_ms: float) -> None:
        if token == self._seek_token:
            self._draw(scroll_to_top=True)

    def _caption(self) -> str:
        if self.current is None or self.page is None:
            return ""
        h = self.current.heatmap
        filters = [self.range_box.currentText()]
        if self.viewport_box.currentData():
            filters.append(self.viewport_box.currentText())
        return (f"{one_line(self.page, 200)}: {h.visits} visits, {h.clicks} clicks, {h.replays} replays "
                f"({', '.join(filters).lower()})")  # fmt: skip

    def _draw(self, scroll_to_top: bool) -> None:
        if self.current is None or self.current.snapshot is None or self._seek_token < 0:
            return
        modes = {key: box.isChecked() for key, box in self.mode_boxes.items()}
        overlay = overlay_data(self.current, caption=self._caption(), **modes)
        overlay["scroll_to_top"] = scroll_to_top or not self._drawn_once
        self._drawing += 1
        overlay["token"] = self._drawing  # the page's answer names the drawing it is about
        self.view.show_heatmap(overlay)

    def _on_drawn(self, answer: dict[str, Any]) -> None:
        if answer.get("token") != self._drawing and answer.get("token") is not None:
            return  # about an earlier drawing (another page, or a moment tried before)
        if self._trying and not answer.get("error"):
            # Trying the visit's moments: the page shown is the one with most of the clicked elements on it.
            self._tried.append((int(answer.get("found", 0)), self._trying.pop(0)))
            if self._trying and answer.get("missing"):
                self._seek_token = self.view.seek(float(self._trying[0]), False)
                return
            self._trying = []
            best = max(self._tried, key=lambda tried: (tried[0], -tried[1]))[1]
            if best != self._tried[-1][1]:
                self._trying = [best]  # shown once more, then drawn for good
                self._tried = [(-1, best)]
                self._seek_token = self.view.seek(float(best), False)
                return
        self._trying = []
        self.last_drawn = answer
        if answer.get("error") or self.current is None:
            self.status.setText(f"The heatmap could not be drawn: {answer.get('error', 'no page')}")
            return
        self._drawn_once = True
        self.export_button.setEnabled(True)
        snapshot = self.current.snapshot
        found, missing = int(answer.get("found", 0)), int(answer.get("missing", 0))
        source = f"replay {snapshot.replay_id}" if snapshot else "a replay"
        lines = [f"Rebuilt from {source}: {found} of {found + missing} clicked elements are on this page."]
        if answer.get("spots_centred"):
            lines.append(
                f"{answer['spots_centred']} clicks from another layout are drawn at their element's centre."
            )
        lines.append("Scroll with the wheel; click a shaded element for its replays.")
        self.status.setText(" ".join(lines))

    # the replays behind a hot element -------------------------------------------------------------
    def choose_element(self, selector: str) -> None:
        if not selector or self.page is None:
            return
        page, where = self.page, self.where()
        asked = self._asked
        self.replay_label.setText(f"Replays that clicked {one_line(selector, 200)}…")
        for i in range(self.element_list.topLevelItemCount()):
            item = self.element_list.topLevelItem(i)
            if (
                item is not None
                and item.data(0, PAGE_ROLE) == selector
                and self.element_list.currentItem() is not item
            ):
                self.element_list.blockSignals(True)
                self.element_list.setCurrentItem(item)
                self.element_list.blockSignals(False)
        self._worker.call(
            lambda cache: cache.heatmap_clicks(page, selector, where),
            lambda clicks: self._list_clicks(asked, selector, clicks),
        )

    def _list_clicks(self, asked: int, selector: str, clicks: list[ClickMoment]) -> None:
        if asked != self._asked:
            return
        self.replay_list.clear()
        label = next((e.label for e in self.current.heatmap.elements if e.selector == selector), selector) \
            if self.current else selector  # fmt: skip
        replays = len({c.replay_id for c in clicks})
        self.replay_label.setText(f"{len(clicks)} clicks on {one_line(label, 120)} in {replays} replays; "
                                  "open one to see its click:")  # fmt: skip
        for click in clicks:
            marks = "".join((" · rage" if click.rage else "", " · dead" if click.dead else ""))
            text = f"{absolute_time(click.at_ms)} · {click.viewport}{marks} · {click.replay_id}"
            item = QListWidgetItem(text)
            item.setData(CLICK_ROLE, (click.replay_id, float(click.at_ms)))
            self.replay_list.addItem(item)

    def listed_clicks(self) -> list[tuple[str, float]]:
        return [self.replay_list.item(i).data(CLICK_ROLE) for i in range(self.replay_list.count())]

    def _open_click(self, item: QListWidgetItem) -> None:
        replay_id, at_ms = item.data(CLICK_ROLE)
        self.openMoment.emit(replay_id, at_ms)

    # export ---------------------------------------------------------------------------------------
    def choose_export(self) -> None:
        name = "heatmap.png"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export heatmap", str(Path.home() / name), "PNG images (*.png)"
        )
        if path:
            self.export_png(Path(path))

    def export_png(self, path: Path) -> bool:
        """What the heatmap's player shows, as a PNG (a temporary name, renamed when written)."""
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            shot = self.view.grab()
            if shot.isNull() or not shot.save(str(temporary), "PNG"):
                self.status.setText(f"Could not write {path}")
                return False
            os.replace(temporary, path)
        except OSError as exc:
            self.status.setText(f"Could not write {path}: {exc.strerror or exc}")
            return False
        finally:
            temporary.unlink(missing_ok=True)
        self.status.setText(f"Saved {path}")
        return True

    def stop(self) -> None:
        """The window closes: release the player page before its profile."""
        self.view.shutdown()
