"""sync.json: the servers to sync from and how, declared once (the API keys live in the keychain)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from replay_core.access import is_scope
from viewer.config.options import list_option, option
from viewer.config.stored import ConfigFile

SYNC_VERSION = 1  # the first version; an upgrade step from it joins SYNC_FILE when version 2 comes
DEFAULT_BUDGET_BYTES = 5 * 1000**3
DEFAULT_INTERVAL_S = 60.0
MAX_INTERVAL_S = 7 * 24 * 3600.0  # a week; a longer wait overflows the timers that sleep it
MAX_URL_CHARS = 2000


@dataclass(frozen=True)
class Source:
    name: str
    url: str
    # What the server said of the source's key (`GET /api/v1/key`) when it was added or last synced.
    key_scope: str = ""
    key_name: str = ""

    @classmethod
    def from_stored(cls, stored: Any) -> Source | None:
        """A stored source, or None for an entry that is not a {name, url} pair of strings.

        A key scope or name that is not a string it could have been is forgotten (asked again at the next sync).
        """
        if not isinstance(stored, dict):
            return None
        name, url = stored.get("name"), stored.get("url")
        if not (isinstance(name, str) and isinstance(url, str) and name and is_server_url(url)):
            return None
        scope, key_name = stored.get("key_scope", ""), stored.get("key_name", "")
        if not is_scope(scope) or not isinstance(key_name, str) or len(key_name) > 200:
            scope, key_name = "", ""
        return cls(name, url, scope, key_name)

    def key_description(self) -> str:
        """ "read key 'alice'", "admin key (the project's secret)", or "key scope not known yet"."""
        if not self.key_scope:
            return "key scope not known yet"
        who = f"'{self.key_name}'" if self.key_name else "(the project's secret)"
        return f"{self.key_scope} key {who}"


def is_server_url(url: str) -> bool:
    """An http(s) URL with a host, of a sane length: anything else in a stored source is dropped."""
    if len(url) > MAX_URL_CHARS or any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:  # "http://[::1" and other unparsable netlocs
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@dataclass
class SyncConfig:
    sources: list[Source] = list_option(Source.from_stored, "Replay API sources")
    disk_budget_bytes: int = option(DEFAULT_BUDGET_BYTES, "Disk budget for synced replays", minimum=1)
    interval_s: float = option(DEFAULT_INTERVAL_S, "Seconds between syncs", minimum=5, maximum=MAX_INTERVAL_S)


SYNC_FILE = ConfigFile("sync.json", SyncConfig, version=SYNC_VERSION, mode=0o644)
