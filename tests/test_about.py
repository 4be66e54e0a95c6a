"""`replay-viewer --version` says which app, Qt and rrweb run, and where data, settings and logs live."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from viewer import resources
from viewer.about import rrweb_version


def test_version_names_the_parts_and_the_folders(tmp_path: Path) -> None:
    env = dict(os.environ, REPLAY_VIEWER_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "viewer", "--version"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "replay-viewer 0.1.0"
    installed = json.loads((resources.player_packages() / "rrweb" / "package.json").read_text())["version"]
    assert f"rrweb {installed}" in lines
    assert any(line.startswith("PySide6 (Qt) 6.") for line in lines), lines
    assert f"data: {tmp_path}" in lines and f"logs: {tmp_path / 'logs'}" in lines


def test_a_player_that_was_never_installed_is_named_as_missing(tmp_path: Path) -> None:
    assert rrweb_version(tmp_path) is None
    (tmp_path / "rrweb").mkdir()
    (tmp_path / "rrweb" / "package.json").write_text("{damaged")
    assert rrweb_version(tmp_path) is None


def test_help_about_shows_the_versions_with_chromium_and_the_folders(qtbot, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from viewer.ui.about_dialog import AboutDialog, chromium_version

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = dialog.details.toPlainText()
    assert text.startswith("replay-viewer ") and f"Chromium {chromium_version()}" in text and "b'" not in text
    assert f"data: {data_dir}" in text and "logs: " in text
    assert text.index("Chromium") < text.index("data: ")
