"""Bringing down the assets the server captured for a replay (issue 18, 3) into the asset cache.

A replay whose feed entry says the server captured its assets (`assets_at`) has its URL map asked for;
contents the cache holds already (by sha256, from any replay) are only mapped, the others downloaded once
each, checked against their sha256, and kept under the cache's own caps (per asset, per replay; the total
by eviction). Only types the fetch rules allow for an asset are taken (replay_core.fetch_rules). The
download happens before the replay's transaction, the storing after it, so a sync that stops on the way
(offline) comes back for them with the replay. No Qt.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from replay_core import assets as asset_refs
from replay_core.fetch_rules import allowed_type
from replay_core.limits import MAX_ASSET_BYTES, MAX_REPLAY_ASSET_BYTES
from viewer.storage import ReplayCache
from viewer.storage.assets import Content
from viewer.sync.client import SOURCE_STATUSES, ReplayApiClient, ReplayError
from viewer.sync.transport import ServerError

log = logging.getLogger(__name__)
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass
class ServerAssets:
    """One replay's captured assets as downloaded: mapped to contents already here, or fetched now."""

    replay_id: str
    known: dict[str, str] = field(default_factory=dict)  # URL -> a content the cache holds
    fetched: list[tuple[str, Content]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # URL -> why not

    @property
    def bytes(self) -> int:
        return sum(len(c.body) for c in {c.hash: c for _, c in self.fetched}.values())

    def keep(self, cache: ReplayCache) -> None:
        if self.known or self.fetched or self.missing:
            cache.keep_assets(self.replay_id, self.fetched, self.missing, known=self.known)


def _listed(captured: Any) -> dict[str, tuple[str, str, int, int]]:
    """URL -> (sha256, content type, size, fetched at) of the entries in the expected form, of an allowed type."""
    found: dict[str, tuple[str, str, int, int]] = {}
    for url, item in (captured if isinstance(captured, dict) else {}).items():
        if not isinstance(item, dict) or asset_refs.key(str(url)) != url:
            continue
        digest, kind, size, at = item.get("sha256"), item.get("content_type"), item.get("size"), item.get("fetched_at")
        if not (isinstance(digest, str) and _SHA256.fullmatch(digest) and isinstance(kind, str)):
            continue
        if not (isinstance(size, int) and isinstance(at, int)) or isinstance(size, bool):
            continue
        if kind == "text/css" or allowed_type(asset_refs.CSS_URL, kind, url):
            found[url] = (digest, kind, size, at)
    return found


def download_replay_assets(cache: ReplayCache, client: ReplayApiClient, replay_id: str) -> ServerAssets:
    """What the server captured for `replay_id` that the cache lacks, downloaded (not stored yet).

    A problem with this replay's assets leaves them out (logged); one with the server as a whole
    (unreachable, the key refused) raises, as the rest of the sync does."""
    result = ServerAssets(replay_id)
    try:
        listed = _listed(client.replay_assets(replay_id).get("assets"))
    except ReplayError as exc:
        log.warning("the captured assets of replay %s: %s", replay_id, exc.reason)
        return result
    mapped = cache.replay_assets_map(replay_id)
    here = cache.asset_hashes([digest for digest, *_ in listed.values()])
    wanted: dict[str, list[str]] = {}
    for url, (digest, *_rest) in listed.items():
        if mapped.get(url) == digest:
            continue
        if digest in here:
            result.known[url] = digest
        else:
            wanted.setdefault(digest, []).append(url)
    total = 0
    for digest, urls in wanted.items():
        _, kind, size, at = listed[urls[0]]
        reason = None
        if size > MAX_ASSET_BYTES:
            reason = f"{size:,} bytes is over the {MAX_ASSET_BYTES:,}-byte cap"
        elif total + size > MAX_REPLAY_ASSET_BYTES:
            reason = f"the replay's assets reached the {MAX_REPLAY_ASSET_BYTES:,}-byte cap"
        else:
            try:
                body = client.asset(digest)
            except ServerError as exc:
                if exc.status in SOURCE_STATUSES:
                    raise
                body, reason = b"", f"the server could not send it ({exc})"
            if reason is None and (len(body) > MAX_ASSET_BYTES or hashlib.sha256(body).hexdigest() != digest):
                reason = "the server sent other content than it listed"
        if reason is not None:
            result.missing += [(url, f"{url}: {reason}") for url in urls]
            continue
        total += len(body)
        result.fetched += [(url, Content(digest, kind, body, at)) for url in urls]
    return result
