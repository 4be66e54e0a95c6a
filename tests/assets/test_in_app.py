"""The app fetches a replay's assets when it is opened (issue 18), on a thread of its own: the replay shows at
once, then again where it was with the fetched image, font and background; what could not be fetched is
said in a notice over the player (how many, which hosts)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from replay_api.config import Settings as ServerSettings
from tests.assets.shop import SHOP_GETS, recording
from tests.assets.site import Site
from tests.replay_api.helpers import gz, post_record
from tests.replay_api.server import running_server
from tests.sync.conftest import memory_keyring  # noqa: F401 (the keychain stand-in)
from tests.ui.conftest import MakeWindow, make_window  # noqa: F401 (the fixture)
from viewer.settings import Settings, save_settings
from viewer.storage import ReplayBatch, ReplayCache
from viewer.sync.sources import add_source
from viewer.ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.webengine
LOGO_WIDTH = (
    "String((document.querySelector('iframe').contentDocument || document)"
    ".querySelector('img[src$=\"logo.png\"]')?.naturalWidth || 0)"
)


def test_opening_a_replay_fetches_its_assets_and_says_what_is_missing(
    qtbot: QtBot, make_window: MakeWindow, site: Site, data_dir: Path  # noqa: F811
) -> None:
    events = recording(site.origin, int(time.time() * 1000) - 60_000)
    # One more image, on a private address nobody allowed: refused without a connection.
    events.append({"type": 3, "timestamp": events[-1]["timestamp"] + 10, "data": {
        "source": 0, "texts": [], "removes": [], "attributes": [],
        "adds": [{"parentId": 5, "nextId": None, "node": {"type": 2, "id": 40, "tagName": "img",
                  "attributes": {"src": "http://10.9.9.9/missing.png"}, "childNodes": []}}]}})  # fmt: skip
    with ReplayCache.open() as cache:
        cache.add_batch(ReplayBatch("shop-1", "seq:0", events))
    save_settings(Settings(demo_offered=True, fetch_assets="when-opened", asset_hosts_allowed=["127.0.0.1"]))
    window = make_window()
    window.session.open_replay("shop-1", at_s=0.5)
    answers: list[str] = []

    def logo_width() -> str:
        window.player.view.page().runJavaScript(LOGO_WIDTH, 0, answers.append)
        qtbot.waitUntil(lambda: bool(answers), timeout=5000)
        return answers.pop()

    # Shown at once without the site's image; shown again with it once fetched into the cache.
    qtbot.waitUntil(lambda: logo_width() == "100", timeout=30_000)
    assert sorted(h for h in site.hits if h.startswith("GET")) == SHOP_GETS
    notice = window.player.notice
    qtbot.waitUntil(lambda: notice.isVisible() and "missing" in notice.text(), timeout=10_000)
    assert notice.text() == "1 recorded asset is missing (from 10.9.9.9)"


def test_after_a_sync_prefetch_fetches_the_new_replays_assets_and_settings_clear_them(
    qtbot: QtBot, make_window: MakeWindow, site: Site, data_dir: Path, tmp_path: Path,  # noqa: F811
    memory_keyring: object,  # noqa: F811
) -> None:
    """A real sync from a real replay API brings a replay of the shop; "prefetch" then fetches its assets
    from the site (the server does not capture them: the app does)."""
    server_settings = ServerSettings(db_url=f"sqlite:///{tmp_path / 'api.sqlite3'}")
    save_settings(Settings(demo_offered=True, fetch_assets="prefetch", asset_hosts_allowed=["127.0.0.1"]))
    window = make_window()
    with running_server(server_settings) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as page:
            events = recording(site.origin, int(time.time() * 1000) - 60_000)
            assert post_record(page, "shop-2", 0, gz(events)).status_code == 200
        add_source("team", server.base_url, server.project.secret)
        with qtbot.waitSignal(window.session.synced, timeout=30_000) as synced:
            window.session.reload_sources(sync=True)
        assert [(r.ok, r.replays_added) for r in synced.args[0]] == [(True, 1)]
        qtbot.waitUntil(lambda: len(site.hits) == 4, timeout=20_000)
    assert sorted(site.hits) == SHOP_GETS
    cache = ReplayCache.open()
    try:
        qtbot.waitUntil(lambda: cache.asset_status("shop-2").found == 4, timeout=10_000)
        dialog = SettingsDialog(window.settings, window, window.session.cache)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.asset_size.text().endswith("kB"), timeout=5_000)
        assert dialog.asset_size.text() == f"{cache.assets_bytes() / 1e3:.0f} kB"
        qtbot.mouseClick(dialog.clear_assets, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.asset_size.text() == "empty", timeout=5_000)
        assert cache.assets_bytes() == 0 and not dialog.clear_assets.isEnabled()
    finally:
        cache.close()
