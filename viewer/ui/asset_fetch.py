"""Fetching replays' assets into the cache on a thread of its own (issue 18): the network never holds up the
GUI thread nor the cache worker. Answers come back as a Qt signal; shutdown cuts a fetch under way short."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from viewer.storage import ReplayCache
from viewer.sync.assets import AssetFetcher, AssetRefused, fetch_into_cache

log = logging.getLogger(__name__)


class AssetFetchRunner(QObject):
    """One replay at a time, in the order asked; a replay already waiting is not queued twice."""

    fetched = Signal(str, object)  # replay id, CacheFetch
    failed = Signal(str, str)  # replay id, a one-line reason

    def __init__(self, cache_path: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._path = cache_path
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assets")
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._waiting: set[str] = set()
        self._fetcher: AssetFetcher | None = None
        self._cache: ReplayCache | None = None

    def fetch(self, replay_id: str, allowed_hosts: Sequence[str]) -> None:
        with self._lock:
            if self._stop.is_set() or replay_id in self._waiting:
                return
            self._waiting.add(replay_id)
        self._pool.submit(self._run, replay_id, tuple(allowed_hosts))

    def _run(self, replay_id: str, allowed_hosts: tuple[str, ...]) -> None:
        with self._lock:
            self._waiting.discard(replay_id)
        if self._stop.is_set():
            return
        try:
            if self._cache is None:
                self._cache = ReplayCache.open(self._path)
            with self._lock:
                self._fetcher = AssetFetcher(allowed_hosts)
            try:
                done = fetch_into_cache(self._cache, replay_id, stop=self._stop.is_set, fetcher=self._fetcher)
            finally:
                with self._lock:
                    fetcher, self._fetcher = self._fetcher, None
                fetcher.close()
        except AssetRefused as exc:
            self.failed.emit(replay_id, str(exc))
            return
        except Exception as exc:  # one line for the status bar; the thread lives on
            log.exception("fetching the assets of %s failed", replay_id)
            self.failed.emit(replay_id, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return
        if not self._stop.is_set():
            self.fetched.emit(replay_id, done)

    def shutdown(self) -> None:
        """No more fetches; one under way is cut short (its connection closed), then the cache closes."""
        self._stop.set()
        with self._lock:
            if self._fetcher is not None:
                self._fetcher.close()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._cache is not None:
            self._cache.close()


@dataclass(frozen=True)
class PlayerAssets:
    """A cached replay's assets for the player, and what is missing (for its notice)."""

    replay_id: str
    url_map: dict[str, str]  # recorded URL → sha256
    contents: dict[str, tuple[str, bytes]]  # sha256 → content type, body
    missing: int = 0
    missing_hosts: tuple[str, ...] = ()
    reload: bool = False  # new assets for the replay shown: show it again where it is
    after_fetch: bool = False  # what a fetch left (else what the cache had when the replay was opened)

    def notice(self) -> str:
        if not self.missing:
            return ""
        hosts = ", ".join(self.missing_hosts[:3]) + (" …" if len(self.missing_hosts) > 3 else "")
        noun = "asset is" if self.missing == 1 else "assets are"
        return f"{self.missing} recorded {noun} missing (from {hosts})"


def player_assets(
    cache: ReplayCache, replay_id: str, reload: bool = False, after_fetch: bool = False
) -> PlayerAssets:
    """Read on the cache thread: the replay's assets and what is missing of them."""
    url_map, contents = cache.replay_assets(replay_id)
    status = cache.asset_status(replay_id)
    return PlayerAssets(
        replay_id, url_map, contents, len(status.missing), tuple(status.missing_hosts), reload, after_fetch
    )
