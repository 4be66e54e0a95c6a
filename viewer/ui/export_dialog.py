"""Export clip…: the range, format, frame rate and size of a video of the open replay, made by a separate
`replay-viewer export` process (so the app keeps playing whatever it plays), with progress, an estimate of
the time left, Cancel, and Show in folder at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QProcess, QProcessEnvironment, Qt, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from replay_core import RecordingOutline
from replay_core.markers import Marker
from viewer.export.options import DEFAULT_FPS, FORMAT_TITLES, default_size
from viewer.player.controller import format_duration

SIZE_SHARES = (1.0, 0.75, 0.5, 0.25)  # of the recorded viewport
FPS_CHOICES = (5, 10, 15, 24, 30)


def clock(ms: float) -> str:
    seconds = ms / 1000
    return f"{int(seconds // 60):02d}:{seconds % 60:04.1f}"


class ExportDialog(QDialog):
    """One export at a time; closing the dialog or the app cancels a running one (nothing is left behind)."""

    def __init__(
        self,
        recording: RecordingOutline,
        write_events: Callable[[Path], None],
        replay_id: str | None,
        title: str,
        markers: Sequence[Marker],
        position_ms: float,
        skip_inactivity: bool,
        parent: QWidget | None = None,
        selection: tuple[float, float] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export clip")
        # A file's events (not in the cache) are written out for the export process only when it starts.
        self.recording, self.write_events, self.replay_id = recording, write_events, replay_id
        self.duration_ms = recording.duration_ms
        self.markers = [m for m in markers if 0 <= m.at_ms <= self.duration_ms]
        self.process: QProcess | None = None
        self._scratch: Path | None = None
        self._started = 0.0
        self._output: Path | None = None
        self._errors: list[str] = []
        self.selection = selection
        self._build(title, position_ms, skip_inactivity)
        self._update_range()

    # The form ------------------------------------------------------------------------------------
    def _build(self, title: str, position_ms: float, skip_inactivity: bool) -> None:
        layout = QVBoxLayout(self)
        heading = QLabel(f"{title} · {format_duration(self.duration_ms)}")
        heading.setTextFormat(Qt.TextFormat.PlainText)  # recorded text is shown as text, never markup
        layout.addWidget(heading)
        form = QFormLayout()
        layout.addLayout(form)

        self.whole = QRadioButton("The whole replay")
        self.selected = QRadioButton("The timeline's selection (Shift+drag on the timeline)")
        if self.selection is not None:
            start, end = self.selection
            self.selected.setText(f"The timeline's selection, {clock(start)} to {clock(end)}")
        self.between = QRadioButton("From marker to marker")
        self.custom = QRadioButton("From … to … (seconds)")
        (self.whole if self.selection is None else self.selected).setChecked(True)
        self.selected.setEnabled(self.selection is not None)
        self.from_marker, self.to_marker = QComboBox(), QComboBox()
        for combo in (self.from_marker, self.to_marker):
            combo.addItem("start of the replay", 0.0)
            for marker in self.markers:
                combo.addItem(f"{clock(marker.at_ms)}  {marker.label[:40]}", marker.at_ms)
            combo.addItem("end of the replay", self.duration_ms)
        self.to_marker.setCurrentIndex(self.to_marker.count() - 1)
        self.from_s, self.to_s = QDoubleSpinBox(), QDoubleSpinBox()
        for spin in (self.from_s, self.to_s):
            spin.setRange(0.0, self.duration_ms / 1000)
            spin.setDecimals(1)
            spin.setSuffix(" s")
        self.from_s.setValue(min(position_ms, self.duration_ms) / 1000)
        self.to_s.setValue(self.duration_ms / 1000)
        markers_row, custom_row = QHBoxLayout(), QHBoxLayout()
        markers_row.addWidget(self.from_marker, 1)
        markers_row.addWidget(QLabel("to"))
        markers_row.addWidget(self.to_marker, 1)
        custom_row.addWidget(self.from_s)
        custom_row.addWidget(QLabel("to"))
        custom_row.addWidget(self.to_s)
        custom_row.addStretch(1)
        ranges = QVBoxLayout()
        ranges.addWidget(self.whole)
        ranges.addWidget(self.selected)
        ranges.addWidget(self.between)
        ranges.addLayout(markers_row)
        ranges.addWidget(self.custom)
        ranges.addLayout(custom_row)
        form.addRow("Range", ranges)
        self.between.setEnabled(bool(self.markers))

        self.format = QComboBox()
        for key, name in FORMAT_TITLES.items():
            self.format.addItem(name, key)
        form.addRow("Format", self.format)
        self.fps = QComboBox()
        for fps in FPS_CHOICES:
            self.fps.addItem(f"{fps} frames per second", float(fps))
        self.fps.setCurrentIndex(FPS_CHOICES.index(int(DEFAULT_FPS)))
        form.addRow("Frame rate", self.fps)
        self.frame_size = QComboBox()
        form.addRow("Size", self.frame_size)
        self.skip = QCheckBox("Skip inactivity (a short caption says how much)")
        self.skip.setChecked(skip_inactivity)
        self.pointer = QCheckBox("Show the mouse pointer and clicks")
        self.pointer.setChecked(True)
        form.addRow("", self.skip)
        form.addRow("", self.pointer)
        file_row = QHBoxLayout()
        self.path = QLineEdit(str(_default_folder() / f"{_slug(self.replay_id or title)}.mp4"))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_file)
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        form.addRow("Save as", file_row)

        self.summary = QLabel()
        layout.addWidget(self.summary)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.show_folder = QPushButton("Show in folder")
        self.show_folder.setVisible(False)
        self.show_folder.clicked.connect(self._show_in_folder)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self._cancel_or_close)
        self.export = QPushButton("Export")
        self.export.setDefault(True)
        self.export.clicked.connect(self.start)
        for button in (self.show_folder, self.cancel, self.export):
            buttons.addWidget(button)
        layout.addLayout(buttons)

        for radio in (self.whole, self.selected, self.between, self.custom):
            radio.toggled.connect(self._update_range)
        for combo in (self.from_marker, self.to_marker, self.fps, self.frame_size):
            combo.currentIndexChanged.connect(self._update_range)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.from_s.valueChanged.connect(self._update_range)
        self.to_s.valueChanged.connect(self._update_range)
        self.skip.toggled.connect(self._update_range)
        self._format_changed()

    def _format_changed(self) -> None:
        video_format = str(self.format.currentData())
        current = self.frame_size.currentIndex()
        self.frame_size.blockSignals(True)
        self.frame_size.clear()
        for share in SIZE_SHARES:
            width, height = self.recording.viewport
            scaled = (max(16, round(width * share)), max(16, round(height * share)))
            width, height = default_size(scaled, video_format)
            label = f"{width} × {height}" + (" (as recorded)" if share == 1.0 else "")
            self.frame_size.addItem(label, f"{width}x{height}")
        self.frame_size.setCurrentIndex(max(current, 0) if current >= 0 else (2 if video_format == "gif" else 0))
        self.frame_size.blockSignals(False)
        path = Path(self.path.text())
        self.path.setText(str(path.with_suffix(f".{video_format}")))
        self._update_range()

    def range_ms(self) -> tuple[float, float]:
        if self.selected.isChecked() and self.selection is not None:
            return self.selection
        if self.between.isChecked():
            return float(self.from_marker.currentData()), float(self.to_marker.currentData())
        if self.custom.isChecked():
            return self.from_s.value() * 1000, self.to_s.value() * 1000
        return 0.0, self.duration_ms

    def _update_range(self) -> None:
        self.from_marker.setEnabled(self.between.isChecked())
        self.to_marker.setEnabled(self.between.isChecked())
        self.from_s.setEnabled(self.custom.isChecked())
        self.to_s.setEnabled(self.custom.isChecked())
        start, end = self.range_ms()
        valid = end > start
        self.export.setEnabled(valid and self.process is None)
        self.summary.setText(
            f"{clock(start)} to {clock(end)} ({format_duration(end - start)} of the replay)"
            if valid
            else "The end must come after the start."
        )

    def _choose_file(self) -> None:
        video_format = str(self.format.currentData())
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the clip as", self.path.text(), f"{FORMAT_TITLES[video_format]} (*.{video_format})"
        )
        if chosen:
            self.path.setText(chosen if chosen.lower().endswith(f".{video_format}") else f"{chosen}.{video_format}")

    # The export process ----------------------------------------------------------------------------
    def arguments(self) -> list[str]:
        """The `replay-viewer export` arguments this form asks for (the target comes first)."""
        start, end = self.range_ms()
        arguments = [
            "--out", self.path.text(),
            "--from", f"{start / 1000:.3f}",
            "--to", f"{min(end, self.duration_ms) / 1000:.3f}",
            "--fps", f"{float(self.fps.currentData()):g}",
            "--size", str(self.frame_size.currentData()),
            "--progress",
        ]  # fmt: skip
        if self.skip.isChecked():
            arguments.append("--skip-inactivity")
        if not self.pointer.isChecked():
            arguments.append("--no-cursor")
        return arguments

    def _target(self) -> str:
        """A cached replay by its id; a file opened from disk (or a replay still arriving) as a copy of its
        events in a scratch folder, removed when the export ends."""
        if self.replay_id is not None:
            return self.replay_id
        self._scratch = Path(tempfile.mkdtemp(prefix="replay-viewer-export-"))
        target = self._scratch / "recording.json"
        self.write_events(target)
        return str(target)

    def start(self) -> None:
        if self.process is not None:
            return
        self._errors = []
        self._output = Path(self.path.text())
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("PYTHONUNBUFFERED", "1")
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._read_progress)
        process.readyReadStandardError.connect(self._read_errors)
        process.finished.connect(self._finished)
        self.process = process
        self._started = time.monotonic()
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.show_folder.setVisible(False)
        self.status.setText("Starting the player…")
        self.export.setEnabled(False)
        self.cancel.setText("Cancel")
        try:
            target = self._target()
        except OSError as exc:
            self._fail(f"could not copy the replay for exporting: {exc.strerror or exc}")
            return
        process.start(sys.executable, ["-m", "viewer", "export", target, *self.arguments()])

    def _read_progress(self) -> None:
        if self.process is None:
            return
        for raw in bytes(self.process.readAllStandardOutput().data()).decode(errors="replace").splitlines():
            match = re.fullmatch(r"progress (\d+) (\d+)", raw.strip())
            if match is None:
                continue
            done, total = int(match[1]), int(match[2])
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            elapsed = time.monotonic() - self._started
            left_s = elapsed / done * (total - done) if done else 0.0
            self.status.setText(f"Frame {done} of {total} · about {format_duration(left_s * 1000)} left")

    def _read_errors(self) -> None:
        if self.process is not None:
            text = bytes(self.process.readAllStandardError().data()).decode(errors="replace")
            self._errors += [line for line in text.splitlines() if line.startswith("replay-viewer: error: ")]

    def _finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._read_errors()
        self.process = None
        self._clean_scratch()
        self.progress.setVisible(code == 0)
        self.cancel.setText("Close")
        self._update_range()
        if code == 0 and self._output is not None:
            took = format_duration((time.monotonic() - self._started) * 1000)
            self.status.setText(f"Saved {self._output.name} (made in {took}).")
            self.show_folder.setVisible(True)
        elif code in (130, -15, 143, 15):
            self.status.setText("Cancelled; nothing was written.")
        else:
            reason = self._errors[-1].removeprefix("replay-viewer: error: ") if self._errors else f"exit code {code}"
            self._fail(reason)

    def _fail(self, reason: str) -> None:
        self.process = None
        self._clean_scratch()
        self.progress.setVisible(False)
        self.status.setText(f"Could not export: {reason}")
        self.cancel.setText("Close")
        self._update_range()

    def stop(self) -> None:
        """Cancel a running export and wait for it to remove its temporary file (bounded)."""
        process = self.process
        if process is not None:
            process.terminate()  # SIGTERM: the command removes its temporary file and exits
            if not process.waitForFinished(10_000):
                process.kill()
                process.waitForFinished(2000)
        self._clean_scratch()

    def _cancel_or_close(self) -> None:
        if self.process is not None:
            self.status.setText("Cancelling…")
            self.process.terminate()
        else:
            self.close()

    def _show_in_folder(self) -> None:
        if self._output is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._output.parent)))

    def _clean_scratch(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.stop()
        super().closeEvent(event)


def _default_folder() -> Path:
    for candidate in (Path.home() / "Videos", Path.home() / "Desktop", Path.home()):
        if candidate.is_dir() and os.access(candidate, os.W_OK):
            return candidate
    return Path.cwd()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:60] or "replay"
