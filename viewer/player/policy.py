"""The request policy of the player page: our scheme only. Decided without Qt and logged for tests.

The page never reaches the network (issue 18). A recorded asset (an image, stylesheet or font of the
recorded site) that the open replay's asset map has is redirected to the copy the app fetched into its
cache, served by our scheme at `/assets/<sha256>`; every other request that is not our scheme or inline
data is blocked.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from replay_core.assets import key

PLAYER_SCHEME = "replay-player"
ASSETS_PATH = "/assets/"
ASSET_KINDS = frozenset({"image", "stylesheet", "font", "favicon", "other"})
_INLINE_SCHEMES = frozenset({"data", "blob"})
_OWN_PREFIXES = frozenset({"/assets", "/replays", "/keyframes", "/vendor"})
KEEP_REQUESTS = 1000  # the latest decisions; a page open for hours must not grow the log for ever


@dataclass(frozen=True)
class RequestRecord:
    url: str
    method: str
    kind: str
    allowed: bool
    redirected_to: str = ""  # the cached copy served instead, when there is one


def request_allowed(scheme: str, kind: str) -> bool:
    """Our own scheme always; inline data and blobs (never as a frame); nothing else."""
    if scheme == PLAYER_SCHEME:
        return True
    if kind in ("main-frame", "sub-frame"):
        return False
    return scheme in _INLINE_SCHEMES


def cached_asset_path(url: str, method: str, kind: str, asset_map: Mapping[str, str]) -> str | None:
    """The path under our scheme of the cached copy of a recorded asset, if the open replay has one."""
    if method != "GET" or kind not in ASSET_KINDS:
        return None
    found = key(url)
    digest = asset_map.get(found) if found is not None else None
    return ASSETS_PATH + digest if digest else None


def by_path(asset_map: Mapping[str, str]) -> dict[str, str]:
    """The map by path and query, for URLs only one recorded origin has: a URL the recording left relative
    (a FontFace made by script with `url(/fonts/a.woff2)`) resolves against the player page, as
    `replay-player://local/fonts/a.woff2`, and is found by its path."""
    found: dict[str, str | None] = {}
    for url, digest in asset_map.items():
        parts = urlsplit(url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        found[path] = digest if found.get(path, digest) == digest else None
    return {path: digest for path, digest in found.items() if digest}


def relative_asset_path(
    path_and_query: str, kind: str, own_paths: Collection[str], asset_paths: Mapping[str, str]
) -> str | None:
    """The cached copy for a request to our scheme at a path the recorded site had (not one of ours)."""
    first = "/" + path_and_query.lstrip("/").split("/", 1)[0]
    if kind not in ASSET_KINDS or path_and_query in own_paths or first in _OWN_PREFIXES:
        return None
    digest = asset_paths.get(path_and_query)
    return ASSETS_PATH + digest if digest else None


class RequestLog:
    """The latest requests the player page tried, with the policy's answer (thread-safe)."""

    def __init__(self, keep: int = KEEP_REQUESTS) -> None:
        self._lock = threading.Lock()
        self._records: deque[RequestRecord] = deque(maxlen=keep)

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)
