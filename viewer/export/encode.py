"""Encoding frames with PyAV (FFmpeg inside its wheels): H.264 in MP4, VP9 in WebM, GIF with palettes."""

from __future__ import annotations

import contextlib
import queue
import threading
from fractions import Fraction
from pathlib import Path

import av
import av.filter

# One setting per format, chosen for screen content: sharp text, few colours, little motion.
_VIDEO = {
    "mp4": ("libx264", {"crf": "20", "preset": "superfast", "tune": "stillimage"}),
    "webm": ("libvpx-vp9", {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"}),
}


class VideoWriter:
    """Frames in (BGRA bytes, `width` x `height`), one file out; `close()` finishes it."""

    def __init__(self, path: Path, video_format: str, width: int, height: int, fps: float) -> None:
        self.width, self.height = width, height
        rate = Fraction(fps).limit_denominator(1000)
        self.container = av.open(str(path), mode="w", format=video_format)
        self._graph: av.filter.Graph | None = None
        try:
            if video_format == "gif":
                self.stream = self.container.add_stream("gif", rate=rate)
                self.stream.pix_fmt = "pal8"
                self._graph = _palette_graph(width, height, rate)
            else:
                codec, options = _VIDEO[video_format]
                stream = self.container.add_stream(codec, rate=rate, options=dict(options))
                assert isinstance(stream, av.VideoStream)
                self.stream = stream
                self.stream.pix_fmt = "yuv420p"
                # Screen content is sRGB; say so, so players show the colours the page had.
                self.stream.codec_context.color_range = 1  # limited (MPEG) range, what players expect
            self.stream.width, self.stream.height = width, height
            self.stream.time_base = Fraction(1, 100) if video_format == "gif" else 1 / rate
        except Exception:
            self.container.close()
            raise
        self._index = 0
        self.frames = 0

    def write(self, bgra: bytes) -> None:
        frame = av.VideoFrame(self.width, self.height, "bgra")
        plane, row = frame.planes[0], self.width * 4
        if plane.line_size == row:
            plane.update(bgra)
        else:
            padding = bytes(plane.line_size - row)
            plane.update(b"".join(bgra[y * row : (y + 1) * row] + padding for y in range(self.height)))
        frame.pts = self._index
        frame.time_base = 1 / self.stream.codec_context.framerate
        self._index += 1
        if self._graph is not None:
            self._graph.push(frame)
            paletted = self._graph.pull()
            assert isinstance(paletted, av.VideoFrame)
            paletted.pts = round(Fraction(frame.pts) * frame.time_base / self.stream.time_base)
            paletted.time_base = self.stream.time_base
            frame = paletted
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.frames += 1

    def close(self) -> None:
        try:
            for packet in self.stream.encode(None):
                self.container.mux(packet)
        finally:
            self.container.close()

    def abandon(self) -> None:
        """Close without finishing (the caller removes the file)."""
        with contextlib.suppress(Exception):  # a broken file is being thrown away
            self.container.close()


def _palette_graph(width: int, height: int, rate: Fraction) -> av.filter.Graph:
    """A palette per frame (palettegen in single-frame mode), applied with dithering by paletteuse."""
    graph = av.filter.Graph()
    source = graph.add_buffer(width=width, height=height, format="bgra", time_base=1 / rate)
    split = graph.add("split", "2")
    generate = graph.add("palettegen", "stats_mode=single:max_colors=256")
    use = graph.add("paletteuse", "new=1:dither=bayer:bayer_scale=3")
    sink = graph.add("buffersink")
    source.link_to(split)
    split.link_to(use, 0, 0)
    split.link_to(generate, 1, 0)
    generate.link_to(use, 0, 1)
    use.link_to(sink)
    graph.configure()
    return graph


class BackgroundWriter:
    """A VideoWriter fed from a queue on a thread of its own: FFmpeg converts and encodes without the GIL
    while the player draws the next frame. A failure of the encoder is raised by the next write or close."""

    def __init__(self, writer: VideoWriter, depth: int = 4) -> None:
        self.writer = writer
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="video-encoder", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (bgra := self._queue.get()) is not None:
            if self._failure is None:
                try:
                    self.writer.write(bgra)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                    self._failure = exc

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def write(self, bgra: bytes) -> None:
        self._raise_failure()
        self._queue.put(bgra)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._raise_failure()
        self.writer.close()

    def abandon(self) -> None:
        self._failure = self._failure or RuntimeError("abandoned")  # the thread skips what is queued
        while True:
            try:
                self._queue.put_nowait(None)
                break
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()
        self._thread.join(timeout=10)
        self.writer.abandon()
