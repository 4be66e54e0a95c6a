"""The player as a frame source: one offscreen ReplayView, paused at exact times, grabbed frame by frame.

The page draws each frame (viewer.player's export mode: the pointer and ripples where the recording has
them, the caption over skipped inactivity) and paints a 4 px strip under the stage in a colour that
names the frame; a grab counts only once that strip shows this frame's colour, so a frame is never the
one painted before it. The strip is cut off before the frame is encoded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from PySide6.QtGui import QImage

from replay_core import Recording
from replay_core.clip import PointerTrack
from viewer.errors import CommandError
from viewer.player.headless import wait_until
from viewer.player.moment import MomentRenderer

MARK_HEIGHT = 4  # the frame strip under the stage (player.css, #frame-mark)
# The strip's colours in the order the page uses them (player.js, MARK_COLOURS): frame token % 6.
MARK_COLOURS = ((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (255, 0, 255), (0, 255, 255))


@dataclass
class Timings:
    """Seconds spent per part of making frames, summed."""

    render: float = 0.0  # the page seeking, drawing and painting until it answers
    grab: float = 0.0  # grabbing the view until the frame's strip shows, and copying the pixels out
    encode: float = 0.0  # the encoder
    load: float = 0.0  # loading the replay into the page before the first frame
    regrabs: int = 0  # grabs that still held an earlier frame
    extra: dict[str, float] = field(default_factory=dict)


class FrameSource:
    """Frames of one recording at `size` (width, height), with or without the recorded pointer."""

    def __init__(
        self,
        recording: Recording,
        size: tuple[int, int],
        cursor: bool = True,
        remote_assets: bool = True,
        timeout_s: float = 60.0,
    ) -> None:
        self.size = size
        self.cursor = cursor
        self.timeout_s = timeout_s
        self.timings = Timings()
        self.track = PointerTrack(recording.events) if cursor else None
        self._answers: dict[int, float] = {}
        self._renderer = MomentRenderer.start(remote_assets=remote_assets)
        view = self._renderer.view
        view.seekFinished.connect(self._answers.__setitem__)
        # Frames go forward in small steps, which rrweb applies incrementally; keyframes would only cost
        # background work while exporting (and a seek from one equals rrweb's: tests/player/test_keyframes).
        view.set_keyframe_spacing(0.0, 0)
        view.set_export_mode(True)
        started = time.perf_counter()
        try:
            self._renderer.show(recording, timeout_s)
            view.resize(size[0], size[1] + MARK_HEIGHT)
        except BaseException:
            self.close()
            raise
        self.timings.load = time.perf_counter() - started

    def frame(self, at_ms: float, caption: str = "") -> QImage:
        """The replay at `at_ms` as an RGBA image of `size`."""
        pointer: list[float] = []
        ripples: list[float] = []
        if self.track is not None:
            sample = self.track.at(at_ms)
            if sample is not None:
                pointer = [sample.x, sample.y, float(sample.node)]
            for click, age in self.track.ripples(at_ms):
                ripples += [click.x, click.y, float(click.node), age]
        started = time.perf_counter()
        view = self._renderer.view
        token = view.export_frame(at_ms, pointer, ripples, caption)
        wait_until(lambda: self._renderer._failed_or(token in self._answers), self.timeout_s, "the frame")
        self._answers.pop(token)
        grabbed = time.perf_counter()
        self.timings.render += grabbed - started
        image = self._grab_frame(token)
        self.timings.grab += time.perf_counter() - grabbed
        return image

    def _grab_frame(self, token: int) -> QImage:
        width, height = self.size
        want = MARK_COLOURS[token % len(MARK_COLOURS)]
        deadline = time.monotonic() + self.timeout_s
        view = self._renderer.view
        while True:
            image = view.grab().toImage()
            if image.width() >= width and image.height() >= height + MARK_HEIGHT:
                mark = image.pixelColor(width // 2, height + MARK_HEIGHT // 2)
                got = (mark.red(), mark.green(), mark.blue())
                if all(abs(a - b) < 60 for a, b in zip(got, want, strict=True)):
                    return image.copy(0, 0, width, height).convertToFormat(QImage.Format.Format_RGBA8888)
            if time.monotonic() > deadline:
                raise CommandError(f"timed out after {self.timeout_s:.0f} s waiting for the frame to be painted")
            self.timings.regrabs += 1
            pause = time.monotonic() + 0.004
            wait_until(lambda: time.monotonic() > pause, 1.0, "the view to paint")  # noqa: B023

    def close(self) -> None:
        self._renderer.close()


def rgba_bytes(image: QImage) -> bytes:
    """The pixels of an RGBA8888 image, row after row with no padding."""
    width, height = image.width(), image.height()
    row = width * 4
    data = bytes(image.constBits())[: image.bytesPerLine() * height]
    if image.bytesPerLine() == row:
        return data
    return b"".join(data[y * image.bytesPerLine() : y * image.bytesPerLine() + row] for y in range(height))
