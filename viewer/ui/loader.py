"""Reading recording files off the GUI thread; results come back as Qt signals."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal, SignalInstance

from replay_core import RecordingError, parse_recording
from replay_core.following import ReplayFollower
from replay_core.preview import read_preview
from replay_core.reader import read_file
from viewer.ui.background import BackgroundThread

STOP_WAIT_S = 5.0  # a file still being parsed at exit is left to its daemon thread after this


class RecordingLoader(QObject):
    previewed = Signal(int, object)  # request, Recording of the first page only (before the rest is parsed)
    loaded = Signal(int, object, object, object)  # request, Recording, ReplaySummary, list[ActivityEntry]
    failed = Signal(int, str)  # request, one-line reason

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = BackgroundThread("recording-reader")
        self._stopped = threading.Event()  # set on the GUI thread, read on the reader's
        self._request = 0

    def load(self, path: Path) -> int:
        self._request += 1
        request = self._request
        self._thread.submit(lambda: self._read(request, path))
        return request

    def _read(self, request: int, path: Path) -> None:
        try:
            raw = read_file(path)
            preview = read_preview(raw, name=path.name)
            if preview is not None:
                self._answer(self.previewed, request, preview)
            recording = parse_recording(raw, name=path.name)
            del raw, preview  # the file's bytes are not needed while the events are analysed
            # The summary and the activity timeline in one read, as for a cached replay, and here, before
            # anything lets go of the events: made while the player frees them, the timeline's objects took
            # the freed places among the events', and the app's heap stayed ~540 MB after a 2-hour file was
            # loaded instead of ~310 MB (pymalloc frees only whole arenas). Its first page is shown already.
            follower = ReplayFollower(recording)
            summary, activity = follower.summary(), follower.activity()
        except RecordingError as exc:
            self._answer(self.failed, request, str(exc))
        except Exception as exc:  # a bug must reach the user as a message, not kill the reader thread
            self._answer(self.failed, request, f"unexpected error while reading: {exc!r}")
        else:
            self._answer(self.loaded, request, recording, summary, activity)

    def _answer(self, signal: SignalInstance, *args: object) -> None:
        # After shutdown nobody listens, and this object may be gone before a long parse ends.
        if not self._stopped.is_set():
            signal.emit(*args)

    def shutdown(self, timeout_s: float = STOP_WAIT_S) -> bool:
        """Drop files not started; wait for the one being read. True when the reader thread has ended."""
        self._stopped.set()
        return self._thread.stop(timeout_s)
