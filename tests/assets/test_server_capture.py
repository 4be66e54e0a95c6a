"""End to end (issue 18, 3): the replay API captures a replay's assets at ingest, the site goes away, and a
fresh desktop cache that syncs the replay has them and shows them: the recorded image, the font and the
background, as when the app fetched them itself (test_offline_replay). A second replay using the same
assets brings nothing down again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtWidgets import QApplication

from replay_api.assets import set_policy
from replay_api.config import Settings
from tests.assets.shop import BLUE, RED, recording
from tests.assets.site import Site
from tests.assets.test_offline_replay import color, render
from tests.replay_api.helpers import gz, post_record
from tests.replay_api.server import RunningServer, running_server
from tests.sync.helpers import sync
from viewer.storage import ReplayCache

pytestmark = pytest.mark.webengine


@pytest.fixture()
def capturing(tmp_path: Path) -> Iterator[RunningServer]:
    settings = Settings(
        db_url=f"sqlite:///{tmp_path / 'api.sqlite3'}", asset_capture_delay_s=0, asset_capture_interval_s=0.05
    )
    with running_server(settings) as server:
        set_policy(server.db, server.project.id, settings.now_ms(), True, private_hosts=["127.0.0.1"])
        yield server


def ingest_and_wait(server: RunningServer, replay_id: str, events: list[dict]) -> None:
    headers = {"Authorization": f"Bearer {server.project.secret}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
        assert post_record(http, replay_id, 0, gz(events)).status_code == 200
        deadline = time.monotonic() + 20
        while len(http.get(f"/api/v1/replays/{replay_id}/assets").json()["assets"]) < 4:
            assert time.monotonic() < deadline, "the server did not capture the shop's assets"
            time.sleep(0.05)


def test_assets_the_server_captured_come_down_with_the_replay_and_show_with_the_site_gone(
    qapp: QApplication, site: Site, capturing: RunningServer, data_dir: Path, tmp_path: Path
) -> None:
    events = recording(site.origin, int(time.time() * 1000) - 60_000)
    ingest_and_wait(capturing, "shop-server", events)
    site.stop()
    with ReplayCache.open() as cache:
        report = sync(cache, capturing)
        assert report.ok, report.errors
        assert (report.replays_added, report.assets) == (1, 4)
        status = cache.asset_status("shop-server")
        assert (status.found, status.missing) == (4, {})
        downloaded = report.asset_bytes
        assert downloaded == status.bytes > 0
    shown, font = render("shop-server", events, tmp_path / "synced.png")
    assert font
    assert color(shown, 50, 130) == RED  # the recorded image
    assert color(shown, 150, 230) == BLUE  # the stylesheet's background image

    # Another replay of the same page, recorded before the first capture but arriving now (a page that sent
    # late): the server maps it to what it captured then (the site is gone), and the sync maps it to what
    # the cache has, downloading nothing.
    ingest_and_wait(capturing, "shop-again", recording(site.origin, events[0]["timestamp"] + 5000))
    with ReplayCache.open() as cache:
        again = sync(cache, capturing)
        assert (again.replays_added, again.assets, again.asset_bytes) == (1, 4, 0)
        assert cache.asset_status("shop-again").found == 4
        assert sync(cache, capturing).assets == 0  # nothing new since
