"""A shared offscreen renderer for the WebEngine tests of this folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from viewer.player.moment import MomentRenderer


@pytest.fixture(scope="module")
def renderer(qapp: QApplication) -> Iterator[MomentRenderer]:
    moment = MomentRenderer.start(remote_assets=False)
    yield moment
    moment.close()
