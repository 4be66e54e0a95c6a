"""The asset policy: which requests a replay may make, decided without Qt and logged for tests."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

PLAYER_SCHEME = "replay-player"
REMOTE_ASSET_KINDS = frozenset({"image", "stylesheet", "font"})
_INLINE_SCHEMES = frozenset({"data", "blob"})
KEEP_REQUESTS = 1000  # the latest decisions; a page open for hours must not grow the log for ever


@dataclass(frozen=True)
class RequestRecord:
    url: str
    method: str
    kind: str
    allowed: bool


def request_allowed(scheme: str, method: str, kind: str, remote_assets: bool) -> bool:
    """Our own scheme always; remote GETs of images, stylesheets and fonts when the user allows them."""
    if scheme == PLAYER_SCHEME:
        return True
    if kind in ("main-frame", "sub-frame"):
        return False
    if scheme in _INLINE_SCHEMES:
        return True
    return remote_assets and method == "GET" and scheme in ("http", "https") and kind in REMOTE_ASSET_KINDS


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
