"""Rendering chosen moments of a replay without a window: for frame export, tests and benchmarks."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QApplication

from replay_core import Recording
from viewer.errors import CommandError
from viewer.player.headless import wait_until
from viewer.player.scheme import register_player_scheme
from viewer.player.view import ReplayView
from viewer.storage.keyframes import StoredKeyframe


@dataclass(frozen=True)
class FrameText:
    visible: str  # innerText of the replayed document's body
    everything: str  # every text node, shadow roots and same-origin iframes included
    at_ms: float  # where the replayer says it is


@dataclass(frozen=True)
class FrameDigest:
    seek: str  # how the page got to the moment: "keyframe <ms>", "rrweb" (rrweb's own seek) or "fresh"
    lines: tuple[str, ...]  # one per node of the replayed document, named by its path; then viewport, pointer


@dataclass(frozen=True)
class KeyframeProgress:
    count: int = 0
    until_ms: float = 0.0  # the page has applied every event up to here (ms from the start)
    done: bool = False
    build_ms: float = 0.0  # time spent building, summed over the idle slices


class MomentRenderer:
    """One offscreen ReplayView sized to the recorded viewport, driven step by step."""

    def __init__(self, view: ReplayView) -> None:
        self.view = view
        self._first_frame = False
        self._loaded = (0, 0)
        self._failure: str | None = None
        self._seeks: dict[int, float] = {}
        self._texts: dict[int, FrameText] = {}
        self._digests: dict[int, str] = {}
        self.keyframes = KeyframeProgress()
        self.first_frame_s = 0.0
        view.firstFrameShown.connect(self._on_first_frame)
        view.loadProgress.connect(self._on_progress)
        view.loadFailed.connect(self._on_failure)
        view.seekFinished.connect(self._on_seek)
        view.textReady.connect(self._on_text)
        view.digestReady.connect(self._digests.__setitem__)
        view.keyframesBuilt.connect(self._on_keyframes)
        self.keyframes_made: list[StoredKeyframe] = []  # made by the page for the replay shown, in order
        # Off, the page's keyframes stay in the page only, as a file's do in the app (no copy in Python).
        self.keep_made_keyframes = True
        view.keyframeMade.connect(self._on_keyframe_made)

    @classmethod
    def start(cls, remote_assets: bool = False) -> MomentRenderer:
        """`remote_assets` is no longer used (issue 18): assets come from the cache, given to `show`."""
        register_player_scheme()
        if QApplication.instance() is None:
            QApplication([])
        return cls(ReplayView())

    def _on_seek(self, token: int, at_ms: float) -> None:
        self._seeks[token] = at_ms

    def _on_text(self, request: int, visible: str, everything: str, at_ms: float) -> None:
        self._texts[request] = FrameText(visible, everything, at_ms)

    def _on_keyframes(self, count: int, until_ms: float, done: bool, build_ms: float) -> None:
        self.keyframes = KeyframeProgress(count, until_ms, done, build_ms)

    def _on_keyframe_made(self, keyframe: StoredKeyframe) -> None:
        if self.keep_made_keyframes:
            self.keyframes_made.append(keyframe)

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

    def show(
        self,
        recording: Recording,
        timeout_s: float = 60.0,
        wait_for_all: bool = True,
        keyframes: Sequence[StoredKeyframe] = (),
        assets: tuple[Mapping[str, str], Mapping[str, tuple[str, bytes]]] | None = None,
    ) -> None:
        """Show a replay; `keyframes` kept from an earlier showing of it are offered to the page; `assets`:
        its recorded assets from the cache (URL → sha256, sha256 → content type and body)."""
        width, height = recording.viewport
        self.view.resize(width, height)
        self.view.show()
        self._first_frame, self._loaded, self._failure = False, (0, 0), None
        self.keyframes = KeyframeProgress()
        started = time.perf_counter()
        self.keyframes_made.clear()
        self.view.show_events(recording.events, assets=assets or ({}, {}))
        self.view.offer_keyframes(keyframes)
        wait_until(lambda: self._failed_or(self._first_frame), timeout_s, "the first frame")
        self.first_frame_s = time.perf_counter() - started
        if wait_for_all:
            self.wait_for_all_events(timeout_s)

    def wait_for_all_events(self, timeout_s: float = 60.0) -> None:
        """Wait until the page has every event of the replay shown. (The renderer keeps none of them once
        the page has them: a caller that lets go of its recording after `show(wait_for_all=False)` holds
        the events once, not twice, while they load, as the app does.)"""
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

    def digest(self, timeout_s: float = 30.0) -> FrameDigest:
        """The replayed document a line per node (path, attributes, text, values, scroll offsets)."""
        request = self.view.request_digest()
        wait_until(lambda: request in self._digests, timeout_s, "the replayed page's structure")
        first, _, rest = self._digests.pop(request).partition("\n")
        return FrameDigest(seek=first.removeprefix("seek "), lines=tuple(rest.splitlines()))

    def wait_for_keyframes(self, timeout_s: float = 120.0) -> KeyframeProgress:
        """Wait until the page has built every keyframe of the replay shown."""
        wait_until(lambda: self._failed_or(self.keyframes.done), timeout_s, "the keyframes")
        return self.keyframes

    def save_png(self, path: Path, settle_s: float = 3.0) -> None:
        """Write what the view shows, once it has settled: the widget may still hold the frame painted
        before the last seek for a moment (more so while keyframes are being made)."""
        shot = self._settled_grab(settle_s)
        if shot.isNull() or not shot.save(str(path), "PNG"):
            raise CommandError(f"could not write the PNG to {path}")

    def image(self, settle_s: float = 3.0) -> QImage:
        """What the view shows, once it has settled (as `save_png` writes it)."""
        return self._settled_grab(settle_s).toImage()

    def _settled_grab(self, settle_s: float) -> QPixmap:
        shot = self.view.grab()
        same, deadline = 0, time.monotonic() + settle_s
        while same < 3 and time.monotonic() < deadline:
            pause = time.monotonic() + 0.08
            wait_until(lambda: time.monotonic() > pause, 1.0, "the view to paint")  # noqa: B023
            latest = self.view.grab()
            same = same + 1 if latest.toImage() == shot.toImage() else 0
            shot = latest
        return shot

    def close(self) -> None:
        self.view.close()
        self.view.shutdown()
        self.view.deleteLater()
        # Run the deferred deletions now: the page must go before its profile, even at exit.
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
