"""Export clip… in the app: the form's range becomes the command's arguments, and an export runs in a
process of its own (the real command), with progress, to a file the dialog then offers to show."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from replay_core import markers_for, read_recording
from tests.paths import RRWEB_FIXTURES
from viewer.player.chunks import EventChunks, ShownChunks
from viewer.ui.export_dialog import ExportDialog
from viewer.ui.timeline import Timeline

pytestmark = pytest.mark.webengine
VUE = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)


def test_marker_to_marker_range_and_an_export_to_its_end(qtbot: QtBot, tmp_path: Path) -> None:
    recording = read_recording(VUE)
    markers = markers_for(recording.events)
    shown = EventChunks(recording.events)  # as the player holds a file's events: packed chunks

    def write_events(path: Path) -> None:
        with path.open("wb") as out:
            ShownChunks([shown]).write_json(out)

    outline = recording.outline()
    del recording
    dialog = ExportDialog(outline, write_events, None, VUE.name, markers, 0.0, skip_inactivity=False)
    qtbot.addWidget(dialog)
    dialog.show()

    dialog.between.setChecked(True)
    dialog.from_marker.setCurrentIndex(1)  # the first marker (index 0 is the start of the replay)
    dialog.to_marker.setCurrentIndex(2)
    start, end = markers[0].at_ms, markers[1].at_ms
    arguments = dialog.arguments()
    assert arguments[arguments.index("--from") + 1] == f"{start / 1000:.3f}"
    assert arguments[arguments.index("--to") + 1] == f"{end / 1000:.3f}"
    dialog.to_marker.setCurrentIndex(0)  # an end before the start cannot be exported
    assert not dialog.export.isEnabled()

    dialog.custom.setChecked(True)
    dialog.from_s.setValue(3.0)
    dialog.to_s.setValue(5.0)
    dialog.fps.setCurrentIndex(dialog.fps.findData(5.0))
    dialog.frame_size.setCurrentIndex(dialog.frame_size.findData("320x200"))
    out = tmp_path / "clip.mp4"
    dialog.path.setText(str(out))
    dialog.start()
    assert dialog.process is not None and not dialog.export.isEnabled()
    qtbot.waitUntil(lambda: dialog.process is None, timeout=90_000)
    assert dialog.status.text().startswith("Saved clip.mp4"), dialog.status.text()
    assert dialog.show_folder.isVisible() and dialog.progress.value() == dialog.progress.maximum() == 10
    with av.open(str(out)) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 10 and (frames[0].width, frames[0].height) == (320, 200)
    assert dialog._scratch is None  # the copy of the file's events is gone


def test_a_shift_drag_on_the_timeline_is_the_range_the_dialog_offers(qtbot: QtBot) -> None:
    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.resize(420, 30)
    timeline.set_replay(60_000, 1_000, [], [])
    timeline.show()
    seeks: list[float] = []
    timeline.seekRequested.connect(seeks.append)
    left, right = timeline.x_for(15_000), timeline.x_for(30_000)
    y = timeline.height() // 2
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, shift, QPoint(round(right), y))
    qtbot.mouseMove(timeline, QPoint(round(left), y))
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, shift, QPoint(round(left), y))
    assert timeline.selection is not None and seeks == []  # selecting does not seek
    start, end = timeline.selection
    assert start == pytest.approx(15_000, abs=200) and end == pytest.approx(30_000, abs=200)

    recording = read_recording(VUE)
    dialog = ExportDialog(recording.outline(), _no_file, "r1", "r1", [], 0.0, False, selection=timeline.selection)
    qtbot.addWidget(dialog)
    assert dialog.selected.isChecked()
    arguments = dialog.arguments()
    assert arguments[arguments.index("--from") + 1] == f"{start / 1000:.3f}"
    assert arguments[arguments.index("--to") + 1] == f"{end / 1000:.3f}"

    timeline.set_replay(60_000, 2_000, [], [])  # another replay: the selection goes
    assert timeline.selection is None


def _no_file(path: Path) -> None:
    raise AssertionError("a cached replay is exported by its id, not from a copy of its events")
