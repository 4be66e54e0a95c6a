"""The one typed bridge between Python and the player page, with a ready handshake.

Python talks to the page only by emitting this object's signals (the page's player.js listens);
the page answers by calling its slots. Calls made before the page is ready are queued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)


class PlayerBridge(QObject):
    # Python -> page
    loadRequested = Signal(str, int, int, float)  # base URL, chunk count, generation, speed
    seekRequested = Signal(float, bool, int)  # ms from start, play afterwards, token
    pauseRequested = Signal()
    speedRequested = Signal(float)
    textRequested = Signal(int)  # request id
    unloadRequested = Signal()
    appendRequested = Signal(str, int, int)  # base URL of more chunks, chunk count, generation
    digestRequested = Signal(int)  # request id
    seekModeRequested = Signal(str)  # "keyframes", or "rrweb" / "fresh" to compare against rrweb alone
    # A keyframe every ms / events (0 events: none); events applied per background slice (0: the default).
    keyframeSpacingRequested = Signal(float, int, int)
    exportModeRequested = Signal(bool)  # frames for a video: no transitions, a frame strip under the stage
    # ms from start, pointer [x, y, node] or [], ripples [x, y, node, age 0..1, ...], caption, token;
    # answered as seekDone like a seek.
    exportFrameRequested = Signal(float, list, list, str, int)
    keyframesOffered = Signal(str, int)  # URL of the replay's stored keyframes (JSON), generation
    keyframesAwaited = Signal(int)  # generation: a first page ahead of the rest; no keyframes until offered
    heatmapRequested = Signal(str)  # the heatmap overlay's data as JSON ("" removes it); heatmap-overlay.js

    # page -> Python, re-emitted for the app
    firstFrame = Signal(int)  # generation
    progress = Signal(int, int, float)  # generation, chunks loaded, loaded until (ms)
    failed = Signal(int, str)  # generation, message
    seekDone = Signal(int, int, float)  # generation, token, current time (ms)
    textArrived = Signal(int, str, str, float)  # request id, innerText, all text, current time
    viewportResized = Signal(int, int)
    digestArrived = Signal(int, str)  # request id, one line per node of the replayed document
    keyframeProgress = Signal(int, int, float, bool, float)  # generation, count, built until, done, build ms
    keyframeMade = Signal(int, float, int, int, str, str)  # generation, at, events before, events, JSON, ids
    doubleClick = Signal()
    pointerMove = Signal()
    heatmapDrawn = Signal(str)  # JSON: elements found and missing on the page, spots drawn in place / centred
    heatmapElement = Signal(str)  # the selector of the hot element clicked in the overlay

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.is_ready = False
        self._queued: list[Callable[[], None]] = []

    def when_ready(self, call: Callable[[], None]) -> None:
        """Run `call` now if the page listens, else as soon as it says it is ready."""
        if self.is_ready:
            call()
        else:
            self._queued.append(call)

    @Slot()
    def pageReady(self) -> None:  # noqa: N802 (called from JavaScript)
        self.is_ready = True
        queued, self._queued = self._queued, []
        for call in queued:
            call()

    @Slot(int)
    def firstFrameShown(self, generation: int) -> None:  # noqa: N802
        self.firstFrame.emit(generation)

    @Slot(int, int, float)
    def chunksLoaded(self, generation: int, loaded: int, until_ms: float) -> None:  # noqa: N802
        self.progress.emit(generation, loaded, until_ms)

    @Slot(int, str)
    def loadFailed(self, generation: int, message: str) -> None:  # noqa: N802
        self.failed.emit(generation, message)

    @Slot(int, int, float)
    def seeked(self, generation: int, token: int, at_ms: float) -> None:
        self.seekDone.emit(generation, token, at_ms)

    # The page reports pauses and the end of a replay, but the playback controller keeps the clock
    # and knows both already: these slots only keep the page's calls valid.
    @Slot(int, float)
    def paused(self, generation: int, at_ms: float) -> None:
        pass

    @Slot(int)
    def finished(self, generation: int) -> None:
        pass

    @Slot(int, str, str, float)
    def textReported(self, request_id: int, visible: str, everything: str, at_ms: float) -> None:  # noqa: N802
        self.textArrived.emit(request_id, visible, everything, at_ms)

    @Slot(int, str)
    def digestReported(self, request_id: int, digest: str) -> None:  # noqa: N802
        self.digestArrived.emit(request_id, digest)

    @Slot(int, int, float, bool, float)
    def keyframesBuilt(  # noqa: N802
        self, generation: int, count: int, until_ms: float, finished: bool, build_ms: float
    ) -> None:
        self.keyframeProgress.emit(generation, count, until_ms, finished, build_ms)

    @Slot(int, float, int, int, str, str)
    def keyframeKept(  # noqa: N802
        self, generation: int, at: float, before: int, total: int, events_json: str, loaded_json: str
    ) -> None:
        self.keyframeMade.emit(generation, at, before, total, events_json, loaded_json)

    @Slot(int, int)
    def viewportChanged(self, width: int, height: int) -> None:  # noqa: N802
        self.viewportResized.emit(width, height)

    @Slot()
    def doubleClicked(self) -> None:  # noqa: N802
        self.doubleClick.emit()

    @Slot()
    def pointerMoved(self) -> None:  # noqa: N802
        self.pointerMove.emit()

    @Slot(str)
    def heatmapShown(self, answer: str) -> None:  # noqa: N802
        self.heatmapDrawn.emit(answer)

    @Slot(str)
    def heatmapElementChosen(self, selector: str) -> None:  # noqa: N802
        self.heatmapElement.emit(selector)

    @Slot(str)
    def pageError(self, message: str) -> None:  # noqa: N802
        log.warning("player page error: %s", message)
