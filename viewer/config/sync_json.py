"""sync.json: the servers to sync from and how, declared once (the API keys live in the keychain)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from viewer.config.options import list_option, option
from viewer.config.stored import ConfigFile

SYNC_VERSION = 1  # the first version; an upgrade step from it joins SYNC_FILE when version 2 comes
DEFAULT_BUDGET_BYTES = 5 * 1000**3
DEFAULT_INTERVAL_S = 60.0


@dataclass(frozen=True)
class Source:
    name: str
    url: str

    @classmethod
    def from_stored(cls, stored: Any) -> Source | None:
        """A stored source, or None for an entry that is not a {name, url} pair of strings."""
        if not isinstance(stored, dict):
            return None
        name, url = stored.get("name"), stored.get("url")
        return cls(name, url) if isinstance(name, str) and isinstance(url, str) and name else None


@dataclass
class SyncConfig:
    sources: list[Source] = list_option(Source.from_stored, "Replay API sources")
    disk_budget_bytes: int = option(DEFAULT_BUDGET_BYTES, "Disk budget for synced replays", minimum=1)
    interval_s: float = option(DEFAULT_INTERVAL_S, "Seconds between syncs", minimum=5)


SYNC_FILE = ConfigFile("sync.json", SyncConfig, version=SYNC_VERSION, mode=0o644)
