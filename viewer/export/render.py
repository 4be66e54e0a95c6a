"""The player as a frame source: one offscreen ReplayView, paused at exact times, grabbed frame by frame.

The page draws each frame (viewer.player's export mode: the pointer and ripples where the recording has
them, the caption over skipped inactivity) and paints a 4 px strip under the stage in a colour that
names the frame; a grab counts only once that strip shows this frame's colour, so a frame is never the
one painted before it. The strip is cut off before the frame is encoded. Waiting is driven by what
happens (the page's answer, the view's paint events), not by polling, so no frame waits for a timer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtGui import QImage

from replay_core import Recording
from replay_core.clip import EventTimes, PointerTrack
from viewer.errors import CommandError
from viewer.player.moment import MomentRenderer

# A replay's recorded assets as the player serves them: URL → sha256, sha256 → (content type, body).
Assets = tuple[dict[str, str], dict[str, tuple[str, bytes]]]

MARK_HEIGHT = 4  # the frame strip under the stage (player.css, #frame-mark)
# The strip's colours in the order the page uses them (player.js, MARK_COLOURS): frame token % 6.
MARK_COLOURS = ((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (255, 0, 255), (0, 255, 255))


@dataclass
class Timings:
    """Seconds spent per part of making frames, summed."""

    render: float = 0.0  # from asking the page for a frame until it has drawn it and been painted
    grab: float = (
        0.0  # grabbing the view (again, while the strip still shows an earlier frame) and copying out
    )
    encode: float = (
        0.0  # handing the frame to the encoder (it encodes on its own thread) and finishing the file
    )
    load: float = 0.0  # loading the replay into the page before the first frame
    regrabs: int = 0  # grabs that still held an earlier frame
    reused: int = 0  # frames the same as the one before (no event between them, same pointer and caption)
    answer: float = 0.0  # of render: until the page has drawn the frame (the rest is painting it)


class _PaintWatch(QObject):
    """Counts the paints of the widget that shows the page, and wakes the waiting loop on each."""

    def __init__(self, wake: Callable[[], None]) -> None:
        super().__init__()
        self.paints = 0
        self.grabbing = False  # a grab paints the widget too; those paints bring nothing new
        self._wake = wake

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint and not self.grabbing:
            self.paints += 1
            self._wake()
        return False


class FrameSource:
    """Frames of one recording at `size` (width, height), with or without the recorded pointer."""

    def __init__(
        self,
        recording: Recording,
        size: tuple[int, int],
        cursor: bool = True,
        remote_assets: bool = True,
        timeout_s: float = 60.0,
        assets: Assets | None = None,
    ) -> None:
        self.size = size
        self.timeout_s = timeout_s
        self.timings = Timings()
        self.track = PointerTrack(recording.events) if cursor else None
        self.events = EventTimes(recording.events)
        self._last: tuple[float, tuple[object, ...], QImage] | None = None  # time, what was drawn, the frame
        self._answers: dict[int, float] = {}
        self._renderer = MomentRenderer.start(remote_assets=remote_assets)  # makes the QApplication
        self._loop = QEventLoop()
        self._watch = _PaintWatch(self._loop.quit)
        view = self._renderer.view
        view.seekFinished.connect(self._on_answer)
        # Frames go forward in small steps, which rrweb applies incrementally; keyframes would only cost
        # background work while exporting (and a seek from one equals rrweb's: tests/player/test_keyframes).
        view.set_keyframe_spacing(0.0, 0)
        view.set_export_mode(True)
        started = time.perf_counter()
        try:
            self._renderer.show(recording, timeout_s, assets=assets)  # a cached replay's, from the cache
            view.resize(size[0], size[1] + MARK_HEIGHT)
            for child in [view, *view.findChildren(QObject)]:
                if child.isWidgetType():
                    child.installEventFilter(self._watch)
        except BaseException:
            self.close()
            raise
        self.timings.load = time.perf_counter() - started

    def _on_answer(self, token: int, at_ms: float) -> None:
        self._answers[token] = at_ms
        self._loop.quit()

    def _wait(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + self.timeout_s
        while not self._renderer._failed_or(condition()):
            if time.monotonic() > deadline:
                raise CommandError(f"timed out after {self.timeout_s:.0f} s waiting for {what}")
            QTimer.singleShot(50, self._loop.quit)  # a wake-up in case nothing else happens
            self._loop.exec()

    def frame(self, at_ms: float, caption: str = "") -> QImage:
        """The replay at `at_ms` as a 32-bit RGB image of `size`."""
        pointer: list[float] = []
        ripples: list[float] = []
        if self.track is not None:
            sample = self.track.at(at_ms)
            if sample is not None:
                pointer = [sample.x, sample.y, float(sample.node)]
            for click, age in self.track.ripples(at_ms):
                ripples += [click.x, click.y, float(click.node), age]
        drawn = (tuple(pointer), tuple(ripples), caption)
        if self._last is not None:
            # Nothing recorded happens between the two moments and the overlays are the same: the page
            # would draw the same frame again (transitions and the caret are stopped while exporting).
            last_ms, last_drawn, last_image = self._last
            if last_drawn == drawn and last_ms <= at_ms and not self.events.any_between(last_ms, at_ms):
                self.timings.reused += 1
                return last_image
        started = time.perf_counter()
        painted = self._watch.paints
        token = self._renderer.view.export_frame(at_ms, pointer, ripples, caption)
        self._wait(lambda: token in self._answers, "the frame")
        self._answers.pop(token)
        self.timings.answer += time.perf_counter() - started
        # The strip changes colour every frame, so the view always paints again after the page answers.
        self._wait(lambda: self._watch.paints > painted, "the frame to be painted")
        self.timings.render += time.perf_counter() - started
        image = self._grab_frame(token)
        self._last = (at_ms, drawn, image)
        return image

    def _grab_frame(self, token: int) -> QImage:
        width, height = self.size
        want = MARK_COLOURS[token % len(MARK_COLOURS)]
        view = self._renderer.view
        while True:
            painted = self._watch.paints
            started = time.perf_counter()
            self._watch.grabbing = True
            try:
                image = view.grab().toImage()
            finally:
                self._watch.grabbing = False
            self.timings.grab += time.perf_counter() - started
            if image.width() >= width and image.height() >= height + MARK_HEIGHT:
                mark = image.pixelColor(width // 2, height + MARK_HEIGHT // 2)
                got = (mark.red(), mark.green(), mark.blue())
                if all(abs(a - b) < 60 for a, b in zip(got, want, strict=True)):
                    started = time.perf_counter()
                    frame = image.copy(0, 0, width, height)
                    if frame.format() not in (
                        QImage.Format.Format_RGB32,
                        QImage.Format.Format_ARGB32_Premultiplied,
                    ):
                        frame = frame.convertToFormat(QImage.Format.Format_RGB32)
                    self.timings.grab += time.perf_counter() - started
                    return frame
            self.timings.regrabs += 1
            # Not painted yet: grab again after the view's next paint.
            waited = time.perf_counter()
            self._wait(lambda: self._watch.paints > painted, "the frame to be painted")  # noqa: B023
            self.timings.render += time.perf_counter() - waited

    def close(self) -> None:
        self._renderer.close()


def bgra_bytes(image: QImage) -> bytes:
    """The pixels of a 32-bit RGB image (blue, green, red, 255 in memory), row after row with no padding."""
    row = image.width() * 4
    data = bytes(image.constBits())[: image.bytesPerLine() * image.height()]
    if image.bytesPerLine() == row:
        return data
    stride = image.bytesPerLine()
    return b"".join(data[y * stride : y * stride + row] for y in range(image.height()))
