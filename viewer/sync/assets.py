"""Fetching a cached replay's assets into the asset cache (issue 18). The fetcher and its rules are shared
with the server: `replay_fetch` (the HTTP client) under `replay_core.fetch_rules` (addresses, types,
redirects, time) and `replay_core.limits` (sizes). No Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from replay_core import assets
from replay_fetch.fetcher import AssetFetcher, AssetRefused, Fetched, fetch_replay_assets

if TYPE_CHECKING:
    from viewer.storage import ReplayCache

__all__ = ["AssetFetcher", "AssetRefused", "CacheFetch", "fetch_into_cache"]


@dataclass(frozen=True)
class CacheFetch:
    """What fetching a replay's assets into the cache did."""

    referenced: int  # URLs the recording references (fetched stylesheets' own not counted)
    fetched: int  # contents got from the network now
    reused: int  # contents already in the cache that stood for a fetch
    bytes: int  # of the contents got now
    missing: dict[str, str]  # URL → why not


def fetch_into_cache(
    cache: ReplayCache,
    replay_id: str,
    allowed_hosts: Iterable[str] = (),
    stop: Callable[[], bool] = lambda: False,
    fetcher: AssetFetcher | None = None,
) -> CacheFetch:
    """Fetch a cached replay's assets into the asset cache (viewer.storage.assets). Content kept from a fetch
    no earlier than the replay was recorded is used again rather than fetched. Runs off the GUI thread."""
    from viewer.storage.assets import Content

    row = cache.get_replay(replay_id)
    if row is None:
        raise AssetRefused(f"no replay {replay_id!r} in the cache")
    refs = assets.asset_urls(cache.events(replay_id))
    reused: set[str] = set()

    def reuse(url: str) -> Fetched | None:
        kept = cache.reusable_asset(url, int(row.start_ms))
        if kept is None:
            return None
        reused.add(url)
        return Fetched(url, kept.content_type, kept.body, kept.hash)

    own = fetcher or AssetFetcher(allowed_hosts)
    try:
        got = fetch_replay_assets(refs, own, reuse, stop=stop)
    finally:
        if fetcher is None:
            own.close()
    now_ms = cache.now_ms()
    cache.keep_assets(
        replay_id,
        [(item.url, Content(item.sha256, item.content_type, item.body, now_ms)) for item in got.fetched],
        [(item.url, item.reason) for item in got.missing],
    )
    new = [item for item in got.fetched if item.url not in reused]
    return CacheFetch(
        referenced=len(refs),
        fetched=len(new),
        reused=len(reused),
        bytes=sum(len(item.body) for item in new),
        missing={item.url: item.reason for item in got.missing},
    )
