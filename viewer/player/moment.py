"""Rendering chosen moments of a replay without a window: for frame export, tests and benchmarks."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from replay_core import Recording
from viewer.errors import CommandError
from viewer.player.headless import wait_until
from viewer.player.scheme import register_player_scheme
from viewer.player.view import ReplayView


@dataclass(frozen=True)
class FrameText:
    visible: str  # innerText of the replayed document's body
    everything: str  # every text node, shadow roots and same-origin iframes included
    at_ms: float  # where the replayer says it is


class MomentRenderer:
    """One offscreen ReplayView sized to the recorded viewport, driven step by step."""

    def __init__(self, view: ReplayView) -> None:
        self.view = view
        self._first_frame = False
        self._loaded = (0, 0)
        self._failure: str | None = None
        self._seeks: dict[int, float] = {}
        self._texts: dict[int, FrameText] = {}
        self.first_frame_s = 0.0
        view.firstFrameShown.connect(self._on_first_frame)
        view.loadProgress.connect(self._on_progress)
        view.loadFailed.connect(self._on_failure)
        view.seekFinished.connect(self._on_seek)
        view.textReady.connect(self._on_text)

    @classmethod
    def start(cls, remote_assets: bool = True) -> MomentRenderer:
        register_player_scheme()
        if QApplication.instance() is None:
            QApplication([])
        return cls(ReplayView(remote_assets=remote_assets))

    def _on_seek(self, token: int, at_ms: float) -> None:
        self._seeks[token] = at_ms

    def _on_text(self, request: int, visible: str, everything: str, at_ms: float) -> None:
        self._texts[request] = FrameText(visible, everything, at_ms)

    def _on_first_frame(self) -> None:
        self._first_frame = True

    def _on_progress(self, loaded: int, total: int) -> None:
        self._loaded = (loaded, total)

    def _on_failure(self, message: str) -> None:
        self._failure = message

    def _failed_or(self, condition: bool) -> bool:
        if self._failure:
            raise CommandError(f"the player could not show the replay: {self._failure}")
        return condition

    def show(self, recording: Recording, timeout_s: float = 60.0, wait_for_all: bool = True) -> None:
        width, height = recording.viewport
        self.view.resize(width, height)
        self.view.show()
        self._first_frame, self._loaded, self._failure = False, (0, 0), None
        started = time.perf_counter()
        self.view.show_events(recording.events)
        wait_until(lambda: self._failed_or(self._first_frame), timeout_s, "the first frame")
        self.first_frame_s = time.perf_counter() - started
        if wait_for_all:
            wait_until(lambda: self._failed_or(self._all_loaded()), timeout_s, "the replay to load")

    def _all_loaded(self) -> bool:
        loaded, total = self._loaded
        return total > 0 and loaded >= total

    def seek(self, at_ms: float, timeout_s: float = 60.0, play: bool = False) -> float:
        """Show the moment `at_ms`; returns where the replayer says it is."""
        token = self.view.seek(at_ms, play)
        wait_until(lambda: self._failed_or(token in self._seeks), timeout_s, "the replay to reach the moment")
        return self._seeks.pop(token)

    def text(self, timeout_s: float = 30.0) -> FrameText:
        request = self.view.request_text()
        wait_until(lambda: request in self._texts, timeout_s, "the replayed page's text")
        return self._texts.pop(request)

    def save_png(self, path: Path) -> None:
        image = self.view.grab()
        if image.isNull() or not image.save(str(path), "PNG"):
            raise CommandError(f"could not write the PNG to {path}")

    def close(self) -> None:
        self.view.close()
        self.view.shutdown()
        self.view.deleteLater()
        # Run the deferred deletions now: the page must go before its profile, even at exit.
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
