"""Shared test set-up: offscreen Qt, our URL scheme registered before QApplication, paths in tmp."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import FIXTURES

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    # Chromium refuses to start its sandbox as root; CI runs as root.
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

def _register_scheme() -> None:
    # Qt needs custom URL schemes registered before the QApplication exists (pytest-qt's qapp).
    try:
        from viewer.player.scheme import register_player_scheme
    except ImportError:
        return
    register_player_scheme()


_register_scheme()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own data folder, so no test touches the user's cache or settings."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("REPLAY_VIEWER_DATA_DIR", str(folder))
    yield folder


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
