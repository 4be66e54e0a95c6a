"""A second start of the app (a clicked replay-viewer:// link) hands its link to the one running."""

from __future__ import annotations

import os
import subprocess
import sys

from pytestqt.qtbot import QtBot

from viewer.ui.instance import InstanceServer, hand_over, instance_name


def test_a_link_reaches_the_running_app(qtbot: QtBot) -> None:
    server = InstanceServer()
    assert server.listen()
    received: list[str] = []
    server.targetReceived.connect(received.append)
    link = "replay-viewer://replay/abc?t=12.5"
    # The second start is a real process, as when the desktop opens a link.
    second = subprocess.Popen(
        [sys.executable, "-m", "viewer", "open", link], env=os.environ.copy(), stdout=subprocess.PIPE, text=True
    )
    qtbot.waitUntil(lambda: received == [link], timeout=20000)
    out, _ = second.communicate(timeout=20)
    assert second.returncode == 0 and "already running" in out
    server.close()


def test_with_no_app_running_nothing_takes_the_link() -> None:
    assert instance_name().startswith("replay-viewer-")
    assert not hand_over("replay-viewer://replay/x", name="replay-viewer-test-nobody-listens")
