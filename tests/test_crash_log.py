"""The log an unexpected error leaves: in the platform's log folder, rotated so that it never grows unbounded."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from viewer import crash_log, paths


def _error(number: int) -> RuntimeError:
    try:
        raise RuntimeError(f"failure number {number}")
    except RuntimeError as exc:
        return exc


def test_the_log_is_in_the_platforms_log_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    written = crash_log.log_unexpected(_error(1), "replay-viewer list failed")
    assert written == Path(platformdirs.user_log_dir("replay-viewer", appauthor=False)) / crash_log.LOG_NAME
    assert written.is_relative_to(tmp_path) and "failure number 1" in written.read_text()


def test_the_log_rotates_keeping_the_newest_errors(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crash_log, "MAX_BYTES", 2_000)
    for number in range(40):
        path = crash_log.log_unexpected(_error(number), "unexpected error in the app")
    assert path is not None
    logs = sorted(p.name for p in path.parent.iterdir())
    assert logs == [crash_log.LOG_NAME, *(f"{crash_log.LOG_NAME}.{n}" for n in range(1, crash_log.BACKUPS + 1))]
    assert all(p.stat().st_size <= 2_000 for p in path.parent.iterdir())
    assert "failure number 39" in path.read_text()
    assert "failure number 0\n" not in "".join(p.read_text() for p in path.parent.iterdir())
