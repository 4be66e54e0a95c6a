"""Sync brings down the assets the server captured (issue 18, 3; viewer.sync.server_assets): content that is
not what the server listed is refused, and a sync that loses the network while downloading them leaves the
replay for the next sync, which brings both; the cache's own caps hold. The server captures from a real
site on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from replay_api.assets import set_policy
from replay_api.config import Settings
from tests.assets.shop import recording, serve_shop
from tests.replay_api.helpers import gz, post_record
from tests.replay_api.server import RunningServer, running_server
from tests.sync.helpers import FaultyNetwork, sync
from viewer.storage import ReplayCache
from viewer.sync import server_assets


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, dict]]:
    """A server that captured the shop's replay; the site is gone again."""
    site = serve_shop()
    folder = tmp_path_factory.mktemp("captured")
    settings = Settings(db_url=f"sqlite:///{folder / 'api.sqlite3'}", asset_capture_delay_s=0,
                        asset_capture_interval_s=0.05)  # fmt: skip
    with running_server(settings) as server:
        set_policy(server.db, server.project.id, settings.now_ms(), True, private_hosts=["127.0.0.1"])
        headers = {"Authorization": f"Bearer {server.project.secret}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
            assert post_record(http, "shop", 0, gz(recording(site.origin, settings.now_ms() - 60_000))).status_code == 200
            deadline = time.monotonic() + 20
            while len(listed := http.get("/api/v1/replays/shop/assets").json()["assets"]) < 4:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        site.stop()
        yield server, listed


def test_content_other_than_the_server_listed_is_refused(captured: tuple[RunningServer, dict], data_dir: Path) -> None:
    server, listed = captured
    logo_url = next(url for url in listed if url.endswith("/img/logo.png"))
    logo = listed[logo_url]["sha256"]

    def tamper(request: httpx.Request) -> object:
        return (lambda body: b"not the logo") if request.url.path == f"/api/v1/assets/{logo}" else None

    with ReplayCache.open() as cache:
        report = sync(cache, server, FaultyNetwork(tamper))
        assert report.ok and report.assets == 3
        status = cache.asset_status("shop")
        assert status.found == 3
        assert status.missing == {logo_url: f"{logo_url}: the server sent other content than it listed"}


def test_losing_the_network_while_downloading_assets_leaves_the_replay_for_the_next_sync(
    captured: tuple[RunningServer, dict], data_dir: Path
) -> None:
    server, _listed = captured

    def unplugged(request: httpx.Request) -> object:
        if request.url.path.startswith("/api/v1/assets/"):
            raise httpx.ConnectError("the network went away", request=request)
        return None

    with ReplayCache.open() as cache:
        first = sync(cache, server, FaultyNetwork(unplugged))
        assert first.offline and cache.get_replay("shop") is None
        second = sync(cache, server)
        assert second.ok and (second.replays_added, second.assets) == (1, 4)
        assert cache.asset_status("shop").found == 4


def test_the_caches_own_cap_per_replay_holds_for_what_the_server_captured(
    captured: tuple[RunningServer, dict], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, listed = captured
    monkeypatch.setattr(server_assets, "MAX_REPLAY_ASSET_BYTES", 1000)  # the font alone is 100 kB
    with ReplayCache.open() as cache:
        report = sync(cache, server)
        status = cache.asset_status("shop")
    font = next(url for url in listed if url.endswith(".otf"))
    assert report.ok and status.found == 3
    assert status.missing == {font: f"{font}: the replay's assets reached the 1,000-byte cap"}
