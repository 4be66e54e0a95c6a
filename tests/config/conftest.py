"""The configuration tests' files: the config folder of the test's data folder, and files as older apps wrote them."""

from __future__ import annotations

from pathlib import Path

import pytest

from viewer import paths

WRITTEN_BY_OLDER_APPS = Path(__file__).parent / "files"


@pytest.fixture()
def config_dir(data_dir: Path) -> Path:
    return paths.config_dir()
