"""`replay-viewer install-desktop-entry` (what `make setup` and a wheel's user run): the app in the desktop's
applications with its icon, as the handler of replay-viewer:// links."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from viewer import resources


def test_the_entry_runs_this_installation_shows_the_icon_and_handles_replay_viewer_links(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "share"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = subprocess.run(
        [sys.executable, "-m", "viewer", "install-desktop-entry"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    entry = tmp_path / "share" / "applications" / "replay-viewer.desktop"
    fields = dict(line.split("=", 1) for line in entry.read_text().splitlines() if "=" in line)
    command = Path(sys.executable).parent / "replay-viewer"
    assert fields["TryExec"] == str(command) and os.access(command, os.X_OK)
    assert fields["Exec"].endswith(f"{command} open %u")
    assert "x-scheme-handler/replay-viewer" in fields["MimeType"].split(";")
    assert Path(fields["Icon"]).read_bytes() == resources.icon_path().read_bytes()
    assert str(entry) in done.stdout
    if shutil.which("xdg-mime"):
        query = ["xdg-mime", "query", "default", "x-scheme-handler/replay-viewer"]
        answer = subprocess.run(query, env=env, capture_output=True, text=True, timeout=30)
        assert answer.stdout.strip() == "replay-viewer.desktop"
