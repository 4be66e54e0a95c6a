"""A second start of the app hands over to the one running: a link, a file, or just its window."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.paths import RRWEB_FIXTURES
from tests.ui.conftest import MakeWindow
from viewer.app import answer_later_starts
from viewer.ui.instance import InstanceServer, hand_over, instance_name


def start_again(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    """The app started a second time, as a user or the desktop does: a real process."""
    return subprocess.Popen(
        [sys.executable, "-m", "viewer", *args],
        env=os.environ.copy() | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_link_reaches_the_running_app(qtbot: QtBot) -> None:
    server = InstanceServer()
    assert server.listen()
    received: list[str] = []
    server.targetReceived.connect(received.append)
    link = "replay-viewer://replay/abc?t=12.5"
    second = start_again("open", link)
    qtbot.waitUntil(lambda: received == [link], timeout=20000)
    out, _ = second.communicate(timeout=20)
    assert second.returncode == 0 and "already running" in out
    server.close()


def test_with_no_app_running_nothing_takes_the_link() -> None:
    assert instance_name().startswith("replay-viewer-")
    assert not hand_over("replay-viewer://replay/x", name="replay-viewer-test-nobody-listens")


def test_a_second_app_does_not_take_the_first_ones_place() -> None:
    first = InstanceServer(name="replay-viewer-test-first")
    assert first.listen()
    second = InstanceServer(name="replay-viewer-test-first")
    assert not second.listen()  # someone answers there: the second app must hand over, not listen
    second.close()
    assert hand_over("replay-viewer://replay/x", name="replay-viewer-test-first")
    first.close()


@pytest.mark.webengine
def test_open_file_and_a_plain_start_go_to_the_running_window(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    window = make_window()
    answer_later_starts(window)
    recording = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "sub").mkdir(parents=True)
    shutil.copy(recording, elsewhere / "sub" / recording.name)
    # A path relative to the second start's own folder, which the running app does not share.
    second = start_again("open", f"sub/{recording.name}", cwd=elsewhere)
    qtbot.waitUntil(lambda: window.player.shown is not None, timeout=30000)
    out, err = second.communicate(timeout=30)
    assert second.returncode == 0 and "already running" in out, err
    assert window.player.pages.currentWidget() is window.player.stage
    assert recording.name in window.windowTitle()
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized, timeout=5000)
    third = start_again()
    out, err = third.communicate(timeout=30)
    assert third.returncode == 0 and "already running" in out, err
    qtbot.waitUntil(lambda: not window.isMinimized(), timeout=10000)
    assert window.isVisible()
