"""Capturing assets at ingest (issue 18, replay_api.assets) on a real server, against a real site on 127.0.0.1.

The project lists 127.0.0.1 as a private host it may capture from, and `localhost` as a public one (so a
fetch that reaches localhost's loopback address is refused as private). One recording references what
the shop serves and what must be refused: a host not listed, a private address, a redirect to a private
address, a 50 MB image, the wrong type, a server slower than the time cap. The server captures it soon
after the batch arrives, in the background; each refusal is a test of its own, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select

from replay_api.assets import capture_due, queue_capture, set_policy
from replay_api.config import Settings
from replay_api.keys import create_key
from replay_api.lifecycle import purge_expired
from replay_api.schema import assets as asset_table
from replay_api.schema import replay_assets
from tests.assets.shop import SHOP_GETS, recording, serve_shop
from tests.assets.site import Site, dripping, endless
from tests.replay_api.conftest import BACKENDS, database_url
from tests.replay_api.helpers import feed_all, gz, post_record
from tests.replay_api.server import FakeClock, RunningServer, running_server
from tests.snapshot_nodes import el

TIMEOUT_S = 1.0  # the slow server drips for 20 s
# Where the site's log stood when each server (by its URL) began capturing: the site is shared by backends.
FIRST_HIT: dict[str, int] = {}


def img(node_id: int, src: str) -> dict[str, Any]:
    return {"type": 3, "timestamp": 0, "data": {"source": 0, "texts": [], "removes": [], "attributes": [],
            "adds": [{"parentId": 5, "nextId": None, "node": el(node_id, "img", {"src": src})}]}}  # fmt: skip


def shop_with_refusals(site: Site, start_ms: int) -> list[dict[str, Any]]:
    """The shop's recording, and one image (or font) for each refusal."""
    local = f"http://localhost:{site.port}"
    events = recording(site.origin, start_ms)
    refused = [
        img(40, "http://not-listed.test/a.png"),
        img(41, local + "/img/logo.png"),
        img(42, site.origin + "/to-localhost.png"),
        img(43, site.origin + "/huge.png"),
        img(44, site.origin + "/page.html"),
    ]
    slow = el(45, "div", {"style": f"background:url({site.origin}/slow.woff2)"})
    refused.append({**img(0, ""), "data": {**img(0, "")["data"], "adds": [{"parentId": 5, "nextId": None, "node": slow}]}})
    for offset, event in enumerate(refused):
        event["timestamp"] = start_ms + 2000 + offset
    return events + refused


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    served = serve_shop()
    served.routes["/huge.png"] = endless
    served.routes["/slow.woff2"] = dripping
    served.file("/page.html", "text/html", b"<p>a page, not an image</p>")
    served.redirect("/to-localhost.png", f"http://localhost:{served.port}/img/logo.png")
    yield served
    served.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def capturing(
    request: pytest.FixtureRequest, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A server whose project captures from the site, with the shop's replay ingested and captured."""
    url = database_url(request.param, tmp_path_factory.mktemp("capture"), request)
    settings = Settings(
        db_url=url, clock=FakeClock(), asset_capture_delay_s=0, asset_capture_interval_s=0.05,
        asset_fetch_timeout_s=TIMEOUT_S,
    )  # fmt: skip
    with running_server(settings) as server:
        set_policy(server.db, server.project.id, settings.now_ms(), True, ["localhost"], ["127.0.0.1"])
        FIRST_HIT[server.base_url] = len(site.hits)
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            events = shop_with_refusals(site, settings.now_ms() - 60_000)
            assert post_record(http, "shop", 0, gz(events)).status_code == 200
            wait_for_capture(server, "shop", 10)
        yield server


def query(server: RunningServer) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url, timeout=30, headers={"Authorization": f"Bearer {server.project.secret}"}
    )


def asset_map(server: RunningServer, replay_id: str) -> dict[str, Any]:
    with query(server) as http:
        answer = http.get(f"/api/v1/replays/{replay_id}/assets")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def wait_for_capture(server: RunningServer, replay_id: str, urls: int) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        found = asset_map(server, replay_id)
        if len(found["assets"]) + len(found["missing"]) >= urls:
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.05)


def reason(server: RunningServer, url: str) -> str:
    return str(asset_map(server, "shop")["missing"][url])


def test_the_shops_assets_are_captured_once_each_and_served_by_sha256(capturing: RunningServer, site: Site) -> None:
    found = asset_map(capturing, "shop")["assets"]
    assert sorted(u.removeprefix(site.origin) for u in found) == [g.removeprefix("GET ") for g in SHOP_GETS]
    hits = site.hits[FIRST_HIT[capturing.base_url] :]
    assert [hits.count(get) for get in SHOP_GETS] == [1, 1, 1, 1]  # once each, not again and again
    logo = found[site.origin + "/img/logo.png"]
    assert (logo["content_type"], logo["size"]) == ("image/png", len(site.routes["/img/logo.png"][2]))  # type: ignore[index]
    reader = create_key(capturing.db, capturing.project.id, f"reader-{uuid.uuid4().hex[:8]}", "read", capturing.settings.now_ms()).key
    with query(capturing) as http:
        http.headers["Authorization"] = f"Bearer {reader}"  # a read key is enough
        assert http.get("/api/v1/replays/shop/assets").json()["assets"] == found
        got = http.get(f"/api/v1/assets/{logo['sha256']}")
        assert got.content == site.routes["/img/logo.png"][2]  # type: ignore[index]
        assert got.headers["x-asset-content-type"] == "image/png"
        assert got.headers["content-type"] == "application/octet-stream"
        assert http.get(f"/api/v1/assets/{'0' * 64}").status_code == 404
        assert http.get("/api/v1/assets/not-a-hash").status_code == 400
        assert http.get("/api/v1/replays/nothing-here/assets").status_code == 404
        # The feed says when the replay's assets were captured, so syncing apps ask for them.
        shop = next(c for c in feed_all(http)[0] if c["id"] == "shop")
        assert shop["data"]["assets_at"] > 0


def test_a_host_not_listed_is_never_asked(capturing: RunningServer) -> None:
    assert reason(capturing, "http://not-listed.test/a.png") == (
        "http://not-listed.test/a.png: not-listed.test is not on the project's list of hosts to capture from"
    )


def test_a_listed_host_on_a_private_address_is_refused(capturing: RunningServer, site: Site) -> None:
    url = f"http://localhost:{site.port}/img/logo.png"
    assert reason(capturing, url).startswith(f"{url}: localhost is a loopback address ")
    assert "--allow-private-host" in reason(capturing, url)


def test_a_redirect_to_a_private_address_is_refused(capturing: RunningServer, site: Site) -> None:
    assert "localhost is a loopback address" in reason(capturing, site.origin + "/to-localhost.png")


def test_a_50_mb_image_is_cut_off_at_the_cap(capturing: RunningServer, site: Site) -> None:
    assert "over the 10,485,760-byte cap" in reason(capturing, site.origin + "/huge.png")


def test_the_wrong_type_is_refused(capturing: RunningServer, site: Site) -> None:
    assert "text/html is not an allowed type for a image" in reason(capturing, site.origin + "/page.html")


def test_a_slow_server_is_cut_off_at_the_time_cap(capturing: RunningServer, site: Site) -> None:
    assert "timed out" in reason(capturing, site.origin + "/slow.woff2")


def test_one_worker_captures_a_replay_while_the_others_skip(capturing: RunningServer, site: Site) -> None:
    """Two workers (threads here, each asking the database for the turn) look for due captures at once: the
    replay's image is fetched by one of them, once."""
    db, now = capturing.db, capturing.settings.now_ms
    site.file("/img/twice.png", "image/png", b"\x89PNG twice")
    events = recording(site.origin, now() - 1000)
    events.append({**img(60, site.origin + "/img/twice.png"), "timestamp": events[-1]["timestamp"] + 1})
    with query(capturing) as http:
        assert post_record(http, "shop-twice", 0, gz(events)).status_code == 200
    wait_for_capture(capturing, "shop-twice", 5)
    before = site.hits.count("GET /img/twice.png")
    # Captured again from scratch, due in an hour: the server's own loop leaves it; the workers' clock is later.
    with db.write(now()) as writer:
        writer.conn.execute(delete(replay_assets).where(replay_assets.c.replay_id == "shop-twice"))
        queue_capture(writer, capturing.project.id, "shop-twice", 3_600_000)
    answers: list[Any] = []
    for _round in range(100):  # the server's own loop may hold the turn a moment: then both skip, try again
        start = threading.Barrier(2)

        def worker(start: threading.Barrier = start) -> None:
            start.wait()
            answers.append(capture_due(db, lambda: now() + 7_200_000, TIMEOUT_S))

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if any(answers):
            break
    assert site.hits.count("GET /img/twice.png") == before + 1
    captured = [c.replay_id for answer in answers for c in answer or []]
    assert captured == ["shop-twice"], answers  # the other found the turn taken (None) or nothing due ([])


def test_deleting_a_user_and_retention_remove_assets_no_replay_uses(capturing: RunningServer, site: Site) -> None:
    clock = capturing.settings.clock
    assert isinstance(clock, FakeClock)
    run = uuid.uuid4().hex[:8]  # ids of their own: a deleted replay or user stays deleted on this server
    site.file(f"/img/only-b-{run}.png", "image/png", b"\x89PNG only b " + run.encode())
    with query(capturing) as http:
        a_events = recording(site.origin, capturing.settings.now_ms() - 1000)
        b_events = recording(site.origin, capturing.settings.now_ms() - 1000)
        b_events.append(img(50, f"{site.origin}/img/only-b-{run}.png"))
        b_events[-1]["timestamp"] = b_events[-2]["timestamp"] + 1
        assert post_record(http, f"by-ana-{run}", 0, gz(a_events), distinct_id=f"ana-{run}").status_code == 200
        assert post_record(http, f"by-bo-{run}", 0, gz(b_events), distinct_id=f"bo-{run}").status_code == 200
        wait_for_capture(capturing, f"by-ana-{run}", 4)
        only_b = wait_for_capture(capturing, f"by-bo-{run}", 5)["assets"][f"{site.origin}/img/only-b-{run}.png"]
        only_b = only_b["sha256"]
        logo = asset_map(capturing, f"by-bo-{run}")["assets"][site.origin + "/img/logo.png"]["sha256"]
        assert http.get(f"/api/v1/assets/{only_b}").status_code == 200
        assert http.delete(f"/api/v1/users/bo-{run}").status_code == 200
        assert http.get(f"/api/v1/replays/by-bo-{run}/assets").status_code == 404
        assert http.get(f"/api/v1/assets/{only_b}").status_code == 404  # nothing else used it
        assert http.get(f"/api/v1/assets/{logo}").status_code == 200  # the shop's other replays do
    assert stored_hashes(capturing) >= {logo} and only_b not in stored_hashes(capturing)
    clock.advance_days(31)
    purge_expired(capturing.db, capturing.settings.now_ms(), 30)
    assert stored_hashes(capturing) == set()


def stored_hashes(server: RunningServer) -> set[str]:
    with server.db.read() as conn:
        return set(conn.execute(select(asset_table.c.hash)).scalars())


def test_capture_is_off_unless_a_project_turns_it_on(tmp_path: Path, site: Site) -> None:
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'api.sqlite3'}", asset_capture_delay_s=0,
                        asset_capture_interval_s=0.05)  # fmt: skip
    with running_server(settings) as server, query(server) as http:
        before = len(site.hits)
        assert post_record(http, "not-captured", 0, gz(recording(site.origin, settings.now_ms()))).status_code == 200
        time.sleep(0.5)
        assert asset_map(server, "not-captured") == {"assets": {}, "missing": {}}
        assert len(site.hits) == before
