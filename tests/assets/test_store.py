"""The asset cache in the real SQLite cache: one copy per content, each replay's map, what goes when replays
go (user deletion, retention), eviction past the cap that spares replays in a collection, and Clear."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.storage.helpers import DAY_MS, synthetic_events
from viewer.storage import ReplayBatch, ReplayCache
from viewer.storage.assets import CLEARED, EVICTED, Content

NOW_MS = 1_800_000_000_000
FONT = "https://shop.test/f/a.woff2"


def content(body: bytes, fetched_ms: int = NOW_MS, content_type: str = "font/woff2") -> Content:
    return Content(hashlib.sha256(body).hexdigest(), content_type, body, fetched_ms)


def cache_with(tmp_path: Path, *replays: tuple[str, str, int]) -> ReplayCache:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3", clock=lambda: NOW_MS / 1000)
    for replay_id, user, age_days in replays:
        cache.add_batch(
            ReplayBatch(replay_id, "seq:0", synthetic_events(NOW_MS - age_days * DAY_MS), user_id=user)
        )
    return cache


def test_one_copy_per_content_and_each_replay_maps_its_urls(tmp_path: Path) -> None:
    cache = cache_with(tmp_path, ("r1", "ann", 0), ("r2", "bob", 0))
    font = content(b"wOF2 font")
    cache.keep_assets("r1", [(FONT, font)], [("https://cdn.test/x.png", "cdn.test is a private address")])
    cache.keep_assets(
        "r2", [(FONT, font), ("https://shop.test/b.png", content(b"png", content_type="image/png"))], []
    )
    assert cache.assets_bytes() == len(b"wOF2 font") + len(b"png")
    mapped, bodies = cache.replay_assets("r1")
    assert mapped == {FONT: font.hash} and bodies[font.hash] == ("font/woff2", b"wOF2 font")
    status = cache.asset_status("r1")
    assert (status.found, status.missing, status.missing_hosts) == (
        1, {"https://cdn.test/x.png": "cdn.test is a private address"}, ["cdn.test"],
    )  # fmt: skip
    # A later failed try keeps content got before; content fetched no earlier than a replay was recorded
    # stands for a fetch of it.
    cache.keep_assets("r1", [], [(FONT, "timed out")])
    assert cache.replay_assets("r1")[0] == {FONT: font.hash}
    assert cache.reusable_asset(FONT, NOW_MS - 1) == font and cache.reusable_asset(FONT, NOW_MS + 1) is None


def test_deleting_a_user_and_retention_remove_assets_no_replay_uses(tmp_path: Path) -> None:
    cache = cache_with(tmp_path, ("ann-1", "ann", 0), ("bob-1", "bob", 0), ("old", "cat", 40))
    shared, anns, olds = content(b"shared"), content(b"ann's"), content(b"old's")
    cache.keep_assets("ann-1", [(FONT, shared), ("https://shop.test/ann.png", anns)], [])
    cache.keep_assets("bob-1", [(FONT, shared)], [])
    cache.keep_assets("old", [("https://shop.test/old.png", olds)], [])
    cache.delete_user("ann")
    assert cache.assets_bytes() == len(b"shared") + len(b"old's")  # bob still uses the shared one
    cache.purge_expired(retention_days=30)
    assert cache.assets_bytes() == len(b"shared")
    cache.delete_user("bob")
    assert cache.assets_bytes() == 0


def test_eviction_past_the_cap_spares_replays_in_a_collection(tmp_path: Path) -> None:
    cache = cache_with(tmp_path, ("kept", "ann", 0), ("plain", "bob", 0))
    cache.create_collection("Checkout bugs", "me")
    cache.add_to_collection("Checkout bugs", "kept")
    cache.asset_cap_bytes = 2500
    oldest = content(b"k" * 1000, fetched_ms=NOW_MS - 3000)
    cache.keep_assets("kept", [("https://shop.test/k.png", oldest)], [])
    cache.keep_assets("plain", [(f"https://shop.test/{n}.png", content(bytes([n]) * 1000, NOW_MS - 2000 + n))
                                for n in range(2)], [])  # fmt: skip
    # 3,000 bytes past a 2,500-byte cap: the oldest of the plain replay's go, never the collection's.
    assert cache.assets_bytes() == 2000
    assert cache.replay_assets("kept")[0] == {"https://shop.test/k.png": oldest.hash}
    assert cache.asset_status("plain").missing == {"https://shop.test/0.png": EVICTED}
    assert cache.clear_assets() == 2000 and cache.assets_bytes() == 0
    assert cache.asset_status("kept").missing == {"https://shop.test/k.png": CLEARED}
