"""Reading recordings off the GUI thread; results come back as Qt signals."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from replay_core import RecordingError, parse_recording
from replay_core.preview import read_preview
from replay_core.reader import read_file
from replay_core.summary import summarize


class RecordingLoader(QObject):
    previewed = Signal(int, object)  # request, Recording of the first page only (before the rest is parsed)
    loaded = Signal(int, object, object)  # request, Recording, ReplaySummary
    failed = Signal(int, str)  # request, one-line reason

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recording-reader")
        self._request = 0

    def load(self, path: Path) -> int:
        self._request += 1
        request = self._request
        self._pool.submit(self._read, request, path)
        return request

    def _read(self, request: int, path: Path) -> None:
        try:
            raw = read_file(path)
            preview = read_preview(raw, name=path.name)
            if preview is not None:
                self.previewed.emit(request, preview)
            recording = parse_recording(raw, name=path.name)
            summary = summarize(recording)
        except RecordingError as exc:
            self.failed.emit(request, str(exc))
        except Exception as exc:  # a bug must reach the user as a message, not kill the reader thread
            self.failed.emit(request, f"unexpected error while reading: {exc!r}")
        else:
            self.loaded.emit(request, recording, summary)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
