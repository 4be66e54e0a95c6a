"""`replay-viewer frame` from a terminal: the text or PNG of a moment, and one clear line on bad input."""

from __future__ import annotations

import gzip
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import FIXTURES, RRWEB_FIXTURES

pytestmark = pytest.mark.webengine
VUE = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)
REFERENCE = json.loads((FIXTURES / "reference-frames.json").read_text())["files"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "viewer", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env or os.environ.copy(),
    )


def test_text_of_a_moment_is_what_rrweb_shows_then() -> None:
    frame = REFERENCE[VUE.name]["frames"][-2]
    result = run("frame", str(VUE), "--at", str(frame["at_ms"] / 1000), "--text")
    assert result.returncode == 0, result.stderr
    assert result.stdout == frame["text"] + "\n"


def test_png_of_a_moment_has_the_recorded_viewport(tmp_path: Path) -> None:
    out = tmp_path / "frame.png"
    result = run("frame", str(VUE), "--at", "60", "--png", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    meta = next(e for e in json.loads(VUE.read_bytes()) if e["type"] == 4)["data"]
    assert (width, height) == (meta["width"], meta["height"])
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    colours = {image.pixel(x, y) for x in range(0, width, 37) for y in range(0, height, 29)}
    assert len(colours) > 5, "the frame is blank"


def test_several_moments_in_one_run_each_after_its_line_in_the_order_given() -> None:
    frames = [f for f in REFERENCE[VUE.name]["frames"] if f["at_ms"] > 0]
    # Last, first, then the middle: a backward seek and a forward one, each from the one before.
    order = [frames[-1], frames[0], frames[len(frames) // 2], frames[-1]]
    moments = [f["at_ms"] / 1000 for f in order]
    result = run("frame", str(VUE), "--at", ",".join(str(m) for m in moments), "--text")
    assert result.returncode == 0, result.stderr
    expected = "".join(f"@ {m:g}\n{f['text']}\n" for m, f in zip(moments, order, strict=True))
    assert result.stdout == expected
    assert len({f["text"] for f in order}) == 3, "the moments chosen show different pages"


def test_moments_of_a_long_recording_backwards_show_what_rrweb_showed_then() -> None:
    """25,000 mutations and one page load: with several moments the command waits for the keyframes, so
    after the first moment each seek goes back from one."""
    long = next(p for p in RRWEB_FIXTURES if "long-mutations" in p.name)
    frames = sorted((f for f in REFERENCE[long.name]["frames"] if f["at_ms"] > 0), key=lambda f: -f["at_ms"])
    moments = [f["at_ms"] / 1000 for f in frames]
    result = run("frame", str(long), "--at", ",".join(str(m) for m in moments), "--text")
    assert result.returncode == 0, result.stderr
    expected = "".join(f"@ {m:g}\n{f['text']}\n" for m, f in zip(moments, frames, strict=True))
    assert result.stdout == expected


def test_several_moments_as_pngs_one_file_each(tmp_path: Path) -> None:
    result = run("frame", str(VUE), "--at", "60,1,30", "--png", str(tmp_path / "shot"))
    assert result.returncode == 0, result.stderr
    written = [tmp_path / f"shot-{n}.png" for n in (1, 2, 3)]
    assert result.stdout.splitlines() == [
        "@ 60",
        str(written[0]),
        "@ 1",
        str(written[1]),
        "@ 30",
        str(written[2]),
    ]
    images = [path.read_bytes() for path in written]
    assert all(data[:8] == b"\x89PNG\r\n\x1a\n" for data in images)
    assert images[0] != images[1], "a minute in and a second in look the same"


@pytest.mark.parametrize("at", ["1,nan", "1,,2", "5,-1", "1;2"])
def test_a_bad_moment_in_a_list_is_one_line_and_nothing_is_printed(at: str) -> None:
    result = run("frame", str(VUE), "--at", at, "--text")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "--at must be a finite number" in result.stderr
    assert result.stdout == ""


def test_a_moment_past_the_end_in_a_list_is_refused_before_any_is_shown() -> None:
    result = run("frame", str(VUE), "--at", "1,9999", "--text")
    assert result.returncode != 0 and "past the end" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"", [], "the file is empty"),
        (b"{not json", [], "not valid JSON"),
        (None, [], "truncated gzip"),
        (
            json.dumps(
                [{"type": 4, "timestamp": 1700000000000, "data": {"href": "x", "width": 1, "height": 1}}]
            ).encode(),
            [],
            "no FullSnapshot",
        ),
        (json.dumps([{"type": 2, "timestamp": 1700000000.5, "data": {"node": {}}}]).encode(), [], "seconds"),
        (VUE.read_bytes(), ["--at", "9999"], "past the end"),
    ],
    ids=["empty", "not-json", "truncated-gzip", "no-snapshot", "seconds", "past-end"],
)
def test_bad_input_gets_one_line_and_a_failing_exit(
    tmp_path: Path, content: bytes | None, args: list[str], message: str
) -> None:
    path = tmp_path / "recording.json"
    path.write_bytes(content if content is not None else gzip.compress(VUE.read_bytes())[:5000])
    result = run("frame", str(path), *(args or ["--at", "1"]), "--text")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("replay-viewer: error:") and message in lines[0], (
        result.stderr
    )
    assert result.stdout == ""


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root needs the sandbox disabled"
)
def test_as_root_without_sandbox_switch_the_app_says_so_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k != "QTWEBENGINE_DISABLE_SANDBOX"}
    result = run("frame", str(VUE), "--at", "1", "--text", env=env)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "QTWEBENGINE_DISABLE_SANDBOX=1" in result.stderr


def test_the_app_without_a_display_says_so_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    result = run("open", str(VUE), env=env)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "no display" in result.stderr


def test_frame_of_a_cached_replay_by_id() -> None:
    imported = run("import", str(VUE))
    assert imported.returncode == 0, imported.stderr
    listed = json.loads(run("list", "--json").stdout)
    replay_id = listed[0]["id"]
    frame = REFERENCE[VUE.name]["frames"][-2]
    result = run("frame", replay_id, "--at", str(frame["at_ms"] / 1000), "--text")
    assert result.returncode == 0, result.stderr
    assert result.stdout == frame["text"] + "\n"
    missing = run("frame", "no-such-replay", "--at", "1", "--text")
    assert missing.returncode != 0 and "no replay with that id" in missing.stderr
