"""The request policy of the player page: our scheme only. Decided without Qt and logged for tests.

The page never reaches the network (issue 18). A recorded asset (an image, stylesheet or font of the
recorded site) that the open replay's asset map has is redirected to the copy the app fetched into its
cache, served by our scheme at `/assets/<sha256>`; every other request that is not our scheme or inline
data is blocked.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from replay_core.assets import key

PLAYER_SCHEME = "replay-player"
ASSETS_PATH = "/assets/"
ASSET_KINDS = frozenset({"image", "stylesheet", "font", "favicon", "other"})
_INLINE_SCHEMES = frozenset({"data", "blob"})
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
