"""The shop site (tests.assets.shop) up for one test: tests change its files and stop it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.assets.shop import serve_shop
from tests.assets.site import Site


@pytest.fixture()
def site() -> Iterator[Site]:
    served = serve_shop()
    yield served
    served.stop()
