"""`replay-viewer source list` over a damaged sync.json: one warning line, exit 0, the file set aside."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


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
