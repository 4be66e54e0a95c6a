"""Two threads opening caches at once (the app's cache thread and a command, say) both succeed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from viewer.storage import ReplayCache


def test_caches_opened_on_several_threads_at_once_all_open(tmp_path: Path) -> None:
    def open_one(index: int) -> int:
        cache = ReplayCache.open(tmp_path / f"cache-{index}.sqlite3")
        try:
            return cache.row_counts()["replays"]
        finally:
            cache.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(open_one, range(8))) == [0] * 8
