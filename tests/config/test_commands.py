"""Commands over damaged config files: one warning line, the command goes on, the file set aside."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import RRWEB_FIXTURES


def test_source_list_warns_once_about_a_damaged_sync_file_and_goes_on(config_dir: Path) -> None:
    (config_dir / "sync.json").write_text("{not json")
    done = subprocess.run(
        [sys.executable, "-m", "viewer", "source", "list"], env=os.environ.copy(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # no sources left to list
    [warning] = done.stderr.splitlines()
    assert warning.startswith("replay-viewer: warning: ") and "sync.json is damaged (not JSON" in warning
    assert "defaults" in warning
    assert not (config_dir / "sync.json").exists()
    [aside] = config_dir.glob("sync.json.damaged-*")
    assert aside.read_text() == "{not json"


@pytest.mark.webengine
def test_frame_over_a_damaged_settings_file_warns_once_and_renders(config_dir: Path) -> None:
    (config_dir / "settings.json").write_text('{"version": 2, "values": {"playback_speed": 2.0')
    recording = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)
    done = subprocess.run(
        [sys.executable, "-m", "viewer", "frame", str(recording), "--at", "1", "--text"],
        env=os.environ.copy(), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "todos" in done.stdout
    warnings = [line for line in done.stderr.splitlines() if line.startswith("replay-viewer: warning: ")]
    assert len(warnings) == 1 and "settings.json is damaged" in warnings[0]
    assert list(config_dir.glob("settings.json.damaged-*"))
