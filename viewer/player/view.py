"""The replay view: a QWebEngineView on the locked-down player page, and the controller's sink."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from replay_core.events import Event
from viewer.player.bridge import PlayerBridge
from viewer.player.chunks import CHUNK_EVENTS, EventChunks, ShownChunks
from viewer.player.page import LockedPage, make_player_profile
from viewer.player.policy import by_path
from viewer.player.scheme import PAGE_URL, check_player_installed
from viewer.storage.keyframes import StoredKeyframe


class ReplayView(QWebEngineView):
    """Shows one replay at a time; every command goes to the page through the bridge."""

    firstFrameShown = Signal()
    loadProgress = Signal(int, int)  # chunks loaded, chunk count
    loadFailed = Signal(str)
    seekFinished = Signal(int, float)  # token, replayer time (ms)
    textReady = Signal(int, str, str, float)  # request id, innerText, all text, replayer time
    eventsAppended = Signal(float)  # the page now holds events up to this time (ms from the start)
    digestReady = Signal(int, str)  # request id, one line per node of the replayed document
    keyframesBuilt = Signal(int, float, bool, float)  # count, built until (ms), all built, build time (ms)
    keyframeMade = Signal(object)  # a StoredKeyframe the page made of the replay shown (to keep it)
    heatmapDrawn = Signal(dict)  # what the overlay found on the page (elements found / missing, spots)
    heatmapElementClicked = Signal(str)  # a hot element's selector, clicked in the overlay

    def __init__(self, remote_assets: bool = False, parent: QWidget | None = None) -> None:
        """`remote_assets` is no longer used (issue 18): the page never reaches the network; a replay's
        recorded assets come from the asset cache, given with `show_events` or `set_assets`."""
        check_player_installed()
        super().__init__(parent)
        self._profile, self.scheme_handler, self.interceptor = make_player_profile()
        self.locked_page = LockedPage(self._profile, self)
        self.setPage(self.locked_page)
        self.bridge = PlayerBridge(self)
        channel = QWebChannel(self.locked_page)
        channel.registerObject("player", self.bridge)
        self.locked_page.setWebChannel(channel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setAcceptDrops(False)
        self._shut_down = False
        self._generation = 0
        self._awaiting_keyframes = False  # a first page is shown ahead of the rest (`await_keyframes`)
        self._chunk_count = 0
        self._parts: list[EventChunks] = []  # the replay shown: its events, then each appended batch
        self.chunk_events = CHUNK_EVENTS  # events per chunk the page fetches (after the first page's)
        self._token = 0
        self._text_request = 0
        self.recorded_viewport = (0, 0)
        self._connect_bridge()
        self.load(PAGE_URL)

    def _connect_bridge(self) -> None:
        bridge = self.bridge
        bridge.firstFrame.connect(self._on_first_frame)
        bridge.progress.connect(self._on_progress)
        bridge.failed.connect(self._on_failed)
        bridge.seekDone.connect(self._on_seek_done)
        bridge.textArrived.connect(self.textReady)
        bridge.viewportResized.connect(self._on_viewport)
        bridge.digestArrived.connect(self.digestReady)
        bridge.keyframeProgress.connect(self._on_keyframes)
        bridge.keyframeMade.connect(self._on_keyframe_made)
        bridge.heatmapDrawn.connect(lambda answer: self.heatmapDrawn.emit(json.loads(answer) or {}))
        bridge.heatmapElement.connect(self.heatmapElementClicked)

    # Answers about an older replay (a previous generation) are dropped.
    def _on_first_frame(self, generation: int) -> None:
        if generation == self._generation:
            self.firstFrameShown.emit()

    def _on_progress(self, generation: int, loaded: int, until_ms: float) -> None:
        if generation != self._generation:
            return
        if loaded < 0:  # the page says appended events are in
            self.eventsAppended.emit(until_ms)
        else:
            self.loadProgress.emit(loaded, self._chunk_count)

    def _on_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.loadFailed.emit(message)

    def _on_seek_done(self, generation: int, token: int, at_ms: float) -> None:
        if generation == self._generation:
            self.seekFinished.emit(token, at_ms)

    def _on_keyframes(
        self, generation: int, count: int, until_ms: float, done: bool, build_ms: float
    ) -> None:
        if generation == self._generation:
            self.keyframesBuilt.emit(count, until_ms, done, build_ms)

    def _on_keyframe_made(
        self, generation: int, at: float, before: int, total: int, events_json: str, loaded: str
    ) -> None:
        if generation == self._generation:
            self.keyframeMade.emit(StoredKeyframe(at, before, events_json, loaded, total))

    def _on_viewport(self, width: int, height: int) -> None:
        self.recorded_viewport = (width, height)

    def set_remote_assets(self, allowed: bool) -> None:
        """No longer used (issue 18): the page never reaches the network."""

    def set_assets(self, asset_map: Mapping[str, str], contents: Mapping[str, tuple[str, bytes]]) -> None:
        """The recorded assets the replay shown may use: its URL → sha256 map and the contents (content
        type, body) by sha256, from the asset cache. Requests already refused are not made again: set them
        before `show_events` (or show the replay again)."""
        self.scheme_handler.set_assets({h: (t.encode(), body) for h, (t, body) in contents.items()})
        self.interceptor.asset_paths = by_path(asset_map)
        self.interceptor.asset_map = dict(asset_map)

    def show_events(
        self,
        events: Sequence[Event],
        speed: float = 1.0,
        assets: tuple[Mapping[str, str], Mapping[str, tuple[str, bytes]]] | None = None,
    ) -> None:
        """Start showing a replay: the page fetches its chunks and shows the first frame at once. `assets`:
        as `set_assets`; None keeps those set before (empty unless set: the replay's recorded images,
        stylesheets and fonts are then not shown)."""
        self._generation += 1
        self._awaiting_keyframes = False
        self.scheme_handler.drop_replays()
        if assets is not None:
            self.set_assets(*assets)
        chunks = EventChunks(events, self.chunk_events)
        self._parts = [chunks]
        self._load(chunks, speed)

    def _load(self, chunks: EventChunks | ShownChunks, speed: float) -> None:
        self._chunk_count = len(chunks)
        url = self.scheme_handler.add_replay(chunks)
        generation = self._generation
        self.bridge.when_ready(lambda: self.bridge.loadRequested.emit(url, len(chunks), generation, speed))

    @property
    def showing(self) -> bool:
        """Whether a replay is shown (its events can be shown again or written out)."""
        return bool(self._parts)

    def show_again(self, speed: float = 1.0) -> None:
        """Show the replay shown from its start again (new assets, say), from the chunks the page was
        given: the app does not keep the parsed events."""
        if not self._parts:
            return
        self._generation += 1
        self.scheme_handler.drop_replays()
        self._load(ShownChunks(self._parts), speed)

    def write_events(self, path: Path) -> None:
        """The events of the replay shown, every appended batch included, as one JSON array in `path`
        (written under a temporary name, then renamed)."""
        if not self._parts:
            raise ValueError("no replay is shown")
        scratch = path.with_name(f".{path.name}.part")
        try:
            with scratch.open("wb") as out:
                ShownChunks(self._parts).write_json(out)
            os.replace(scratch, path)
        finally:
            scratch.unlink(missing_ok=True)

    def await_keyframes(self) -> None:
        """The events just shown are a first page ahead of the rest: the page builds no keyframes until
        `offer_keyframes` (with those kept of the whole replay, or none). Built from the first page, they
        were made again while the kept ones were on their way, which then were not taken."""
        self._awaiting_keyframes = True
        generation = self._generation
        self.bridge.when_ready(lambda: self.bridge.keyframesAwaited.emit(generation))

    def offer_keyframes(self, stored: Sequence[StoredKeyframe]) -> None:
        """Keyframes kept from an earlier opening of the replay just shown (same events, same player format):
        the page takes those that still match its events and builds only after the last one."""
        awaited, self._awaiting_keyframes = self._awaiting_keyframes, False
        if not stored and not awaited:
            return
        body = json.dumps([keyframe.to_page() for keyframe in stored]).encode()
        url = self.scheme_handler.add_keyframes(body)
        generation = self._generation
        self.bridge.when_ready(lambda: self.bridge.keyframesOffered.emit(url, generation))

    def append_events(self, events: Sequence[Event]) -> None:
        """Events after the ones shown (the rest of a file, a replay still recording): add them, keep playing."""
        if not events:
            return
        chunks = EventChunks(events, self.chunk_events)
        self._parts.append(chunks)
        url = self.scheme_handler.add_replay(chunks)
        generation = self._generation
        self.bridge.when_ready(lambda: self.bridge.appendRequested.emit(url, len(chunks), generation))

    def clear(self) -> None:
        self._generation += 1
        self._parts = []
        self.scheme_handler.drop_replays()
        self.bridge.when_ready(self.bridge.unloadRequested.emit)

    # PlayerSink ------------------------------------------------------------------------------
    def seek(self, at_ms: float, play: bool) -> int:
        self._token += 1
        token = self._token
        self.bridge.when_ready(lambda: self.bridge.seekRequested.emit(float(at_ms), play, token))
        return token

    def pause(self) -> None:
        self.bridge.when_ready(self.bridge.pauseRequested.emit)

    def set_speed(self, speed: float) -> None:
        self.bridge.when_ready(lambda: self.bridge.speedRequested.emit(float(speed)))

    def request_text(self) -> int:
        """Ask the page for the replayed document's text; the answer comes as textReady."""
        self._text_request += 1
        request = self._text_request
        self.bridge.when_ready(lambda: self.bridge.textRequested.emit(request))
        return request

    def request_digest(self) -> int:
        """Ask the page for a structural description of the replayed document; answered as digestReady."""
        self._text_request += 1
        request = self._text_request
        self.bridge.when_ready(lambda: self.bridge.digestRequested.emit(request))
        return request

    def set_seek_mode(self, mode: str) -> None:
        """How the page seeks: "keyframes" (the app's way), "rrweb" (rrweb alone) or "fresh" (from the page load)."""
        self.bridge.when_ready(lambda: self.bridge.seekModeRequested.emit(mode))

    def set_keyframe_spacing(self, every_ms: float, every_events: int, slice_events: int = 0) -> None:
        """How often the next replay shown gets a keyframe; `every_events` 0 means none (rrweb's seek only).
        `slice_events`: how many events the page applies per background slice while making them."""
        self.bridge.when_ready(
            lambda: self.bridge.keyframeSpacingRequested.emit(float(every_ms), every_events, slice_events)
        )

    def show_heatmap(self, overlay: dict[str, Any] | None) -> None:
        """Draw the heatmap overlay (resources/player/heatmap-overlay.js) over the page shown, or remove it
        (None). The data goes as JSON text through the bridge: data, never script."""
        text = json.dumps(overlay, allow_nan=False) if overlay is not None else ""
        self.bridge.when_ready(lambda: self.bridge.heatmapRequested.emit(text))

    def set_export_mode(self, on: bool) -> None:
        """Frames for a video (viewer.export): a 4 px strip under the stage names each frame by colour."""
        self.bridge.when_ready(lambda: self.bridge.exportModeRequested.emit(on))

    def export_frame(self, at_ms: float, pointer: list[float], ripples: list[float], caption: str) -> int:
        """Show `at_ms` paused with the pointer, ripples and caption given; answered as seekFinished."""
        self._token += 1
        token = self._token
        self.bridge.when_ready(
            lambda: self.bridge.exportFrameRequested.emit(float(at_ms), pointer, ripples, caption, token)
        )
        return token

    def shutdown(self) -> None:
        """Release the page before its profile, as Qt WebEngine requires (safe to call twice)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.locked_page.deleteLater()
        self._profile.deleteLater()
