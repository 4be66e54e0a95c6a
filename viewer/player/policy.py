"""The asset policy: which requests a replay may make, decided without Qt and logged for tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass

PLAYER_SCHEME = "replay-player"
REMOTE_ASSET_KINDS = frozenset({"image", "stylesheet", "font"})
_INLINE_SCHEMES = frozenset({"data", "blob"})


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
    """Every request the player page tried, with the policy's answer (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def blocked(self) -> list[RequestRecord]:
        return [r for r in self.records() if not r.allowed]
