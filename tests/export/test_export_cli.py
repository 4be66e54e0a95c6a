"""`replay-viewer export` from a terminal: real player, real encoders (PyAV), decoded back with PyAV.

Every export here runs the command in a subprocess, as a user (or the app's export dialog) does.
"""

from __future__ import annotations

import json
import operator
import os
import signal
import subprocess
import sys
from pathlib import Path

import av
import pytest
from PySide6.QtGui import QImage

from replay_core import inactive_spans, read_recording
from replay_core.clip import CAPTION_MS
from tests.paths import RRWEB_FIXTURES
from viewer.cli import main

pytestmark = pytest.mark.webengine
VUE = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)  # 1280x800, no touch events: a cursor
# H.264 at the export's quality (crf 20, 4:2:0) against the PNG of the same moment: the mean difference
# per channel stays under MEAN_TOLERANCE, and under FAR_SHARE of the pixels differ by more than FAR.
MEAN_TOLERANCE, FAR, FAR_SHARE = 1.5, 64, 0.001


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "viewer", *args], capture_output=True, text=True, timeout=180, env=os.environ.copy()
    )


def decoded(path: Path) -> list[tuple[int, int, bytes]]:
    """Every frame as (width, height, RGB bytes without row padding)."""
    frames = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            rgb = frame.reformat(format="rgb24")
            plane, row = rgb.planes[0], rgb.width * 3
            data = bytes(plane)
            frames.append(
                (rgb.width, rgb.height, b"".join(data[y * plane.line_size : y * plane.line_size + row] for y in range(rgb.height)))
            )
    return frames


def png_rgb(path: Path) -> tuple[int, int, bytes]:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    row, stride = image.width() * 3, image.bytesPerLine()
    data = bytes(image.constBits())
    return image.width(), image.height(), b"".join(data[y * stride : y * stride + row] for y in range(image.height()))


def difference(a: bytes, b: bytes, width: int) -> tuple[float, float]:
    """Mean absolute difference per channel, and the share of pixels with a channel off by more than FAR,
    over every fourth row (enough to tell moments apart, and four times quicker in plain Python)."""
    assert len(a) == len(b)
    row = width * 3
    deltas: list[int] = []
    for start in range(0, len(a), row * 4):
        deltas += map(abs, map(operator.sub, a[start : start + row], b[start : start + row]))
    far = sum(1 for i in range(0, len(deltas), 3) if max(deltas[i : i + 3]) > FAR)
    return sum(deltas) / len(deltas), far / (len(deltas) / 3)


# The exports the tests below look at, made by one process calling the command once each (a Chromium
# start-up per export would double the time these tests take). Each export makes its own player.
EXPORTS = {
    "ten_seconds.mp4": ["--from", "0", "--to", "10", "--fps", "5", "--size", "1280x800"],
    "one.mp4": ["--from", "2", "--to", "5", "--size", "320x200"],
    "two.mp4": ["--from", "2", "--to", "5", "--size", "320x200"],
    "skip.webm": ["--from", "10", "--to", "56", "--fps", "2", "--size", "160x100", "--skip-inactivity"],
    "clip.gif": ["--from", "3", "--to", "5", "--fps", "5", "--size", "200x125"],
}
_SCRIPT = """
import json, sys
from viewer.cli import main
for arguments in json.loads(sys.argv[1]):
    code = main(arguments)
    if code:
        sys.exit(code)
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("export")
    runs = [["export", str(VUE), "--out", str(folder / name), *args] for name, args in EXPORTS.items()]
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(runs)], capture_output=True, text=True, timeout=300, env=os.environ.copy()
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(EXPORTS) and all(": " in line and " frames, " in line for line in lines), lines
    return {name: folder / name for name in EXPORTS}


def test_ten_seconds_at_five_fps_decode_to_fifty_frames_of_the_asked_size(exported: dict[str, Path]) -> None:
    frames = decoded(exported["ten_seconds.mp4"])
    assert len(frames) == 50
    assert {(w, h) for w, h, _ in frames} == {(1280, 800)}
    with av.open(str(exported["ten_seconds.mp4"])) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.average_rate == 5


def test_frames_match_the_frame_command_at_the_same_moments(exported: dict[str, Path], tmp_path: Path) -> None:
    # At 5 s and 8 s the pointer rests where a click left it, which rrweb's paused seek shows too.
    moments = {25: 5.0, 40: 8.0}
    result = run("frame", str(VUE), "--at", ",".join(str(s) for s in moments.values()), "--png", str(tmp_path / "m"))
    assert result.returncode == 0, result.stderr
    frames = decoded(exported["ten_seconds.mp4"])
    pngs = [png_rgb(tmp_path / f"m-{n}.png") for n in (1, 2)]
    for (index, _), (width, height, png) in zip(moments.items(), pngs, strict=True):
        assert (width, height) == (1280, 800)
        mean, far = difference(frames[index][2], png, width)
        assert mean < MEAN_TOLERANCE and far < FAR_SHARE, (index, mean, far)
    # The tolerance tells moments apart: two items were typed between 5 s and 8 s.
    mean, far = difference(frames[25][2], pngs[1][2], 1280)
    assert far > FAR_SHARE * 3, (mean, far)


def test_two_exports_of_a_clip_have_the_same_frames(exported: dict[str, Path]) -> None:
    first, second = decoded(exported["one.mp4"]), decoded(exported["two.mp4"])
    assert len(first) == 30
    assert [f[2] for f in first] == [f[2] for f in second]


def test_skipping_inactivity_makes_the_clip_its_active_time_plus_captions(exported: dict[str, Path]) -> None:
    recording = read_recording(VUE)
    (span,) = inactive_spans(recording.events)
    active_s = (56_000 - 10_000 - (span.end_ms - span.start_ms)) / 1000
    frames = decoded(exported["skip.webm"])
    assert len(frames) == -(-active_s // 0.5) + round(CAPTION_MS / 1000 * 2)
    with av.open(str(exported["skip.webm"])) as container:
        assert container.streams.video[0].codec_context.name == "vp9"


def test_a_gif_opens_with_its_frames(exported: dict[str, Path]) -> None:
    out = exported["clip.gif"]
    assert out.read_bytes()[:6] == b"GIF89a"
    frames = decoded(out)
    assert len(frames) == 10 and {(w, h) for w, h, _ in frames} == {(200, 125)}
    assert not QImage(str(out)).isNull()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "{tmp}/clip.avi"], "--out must end in .mp4, .webm or .gif"),
        (["--out", "{tmp}/clip.mp4", "--from", "90"], "--from 90 s is outside the replay (the replay is 81.1 s long)"),
        (["--out", "{tmp}/clip.mp4", "--to", "82"], "--to 82 s is past the end of the replay"),
        (["--out", "{tmp}/clip.mp4", "--from", "9", "--to", "3"], "--to 3 s must come after --from 9 s"),
        (["--out", "{tmp}/clip.mp4", "--size", "1280by800"], "--size must be WIDTHxHEIGHT"),
        (["--out", "{tmp}/clip.mp4", "--size", "641x400"], "--size must be even for MP4"),
        (["--out", "{tmp}/clip.mp4", "--size", "8x8"], "--size sides must be 16 to 4096 pixels"),
        (["--out", "{tmp}/missing/clip.mp4"], "does not exist"),
        (["--out", "{tmp}/folder.mp4"], "is a folder"),
    ],
)
def test_bad_input_is_one_line_exit_two_and_no_file(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # These are refused before the player starts, so the command runs in this process.
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "folder.mp4").mkdir()
    assert main(["export", str(VUE), *[a.replace("{tmp}", str(folder)) for a in args]]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("replay-viewer: error: ") and message in line
    assert [p.name for p in folder.iterdir()] == ["folder.mp4"]


def test_a_cancelled_export_leaves_no_file(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "clip.mp4"
    command = [sys.executable, "-m", "viewer", "export", str(VUE), "--out", str(out), "--size", "320x200", "--progress"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("progress ")
        assert len(list(folder.iterdir())) == 1  # the temporary file, under another name
        process.send_signal(signal.SIGTERM)  # what the app's Cancel does
        assert process.wait(timeout=60) == 130
    assert list(folder.iterdir()) == []
