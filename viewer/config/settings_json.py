"""settings.json: the viewer's own options, declared once, and the steps that upgrade older files."""

from __future__ import annotations

from dataclasses import dataclass

from replay_core.playback import SPEEDS
from viewer.config.options import list_option, option
from viewer.config.stored import Body, ConfigFile

SETTINGS_VERSION = 3
FETCH_ASSETS = ("never", "when-opened", "prefetch")  # prefetch: in the background after each sync


def host_entry(stored: object) -> str | None:
    """One allowed host as stored: a host name or address, as in a URL (lower case, no scheme or path)."""
    if not isinstance(stored, str):
        return None
    host = stored.strip().lower()
    valid = 0 < len(host) <= 253 and not any(c in host for c in " /\\@?#\t\n")
    return host if valid else None


@dataclass
class Settings:
    playback_speed: float = option(1.0, "Default speed", choices=SPEEDS)
    skip_inactivity: bool = option(True, "Skip inactivity")
    # When the app fetches a replay's images, stylesheets and fonts into the asset cache (the player page
    # itself never reaches the network): never, when the replay is opened, or after each sync (issue 18).
    fetch_assets: str = option("when-opened", "Fetch assets into the cache", choices=FETCH_ASSETS)
    # Hosts whose assets may be fetched from loopback or private addresses (a staging site on the LAN).
    asset_hosts_allowed: list[str] = list_option(host_entry, "Hosts allowed on private addresses")
    retention_days: int = option(30, "Keep replays for", minimum=1, maximum=3650)
    last_open_folder: str = option("", "Last folder a recording was opened from")
    window_geometry: str = option("", "Window geometry")  # Qt's saveGeometry(), base64
    splitter_state: str = option("", "Feed and pages split")  # Qt's saveState() of the splitter, base64
    docks_state: str = option("", "Docked panels")  # Qt's saveState() of the main window, base64
    activity_panel: bool = option(True, "Activity panel shown")
    demo_offered: bool = option(False, "Demo replays offered")  # loaded once into an empty cache
    appearance: str = option("system", "Appearance", choices=("system", "light", "dark"))
    # a ReplaySort's value; the feed reads one it does not know as the default order
    feed_sort: str = option("recent", "Feed order")
    # Who comments and collections are by; empty: the name of the OS user (viewer.settings.author_name)
    author: str = option("", "Your name on comments")

    @property
    def load_remote_assets(self) -> bool:
        """For callers not moved to the asset cache yet: whether assets are fetched at all (the player page
        itself never reaches the network since version 3)."""
        return self.fetch_assets != "never"


def _drop_inactivity_threshold(body: Body) -> Body:
    """Version 2: one inactivity threshold for shading, skipping and active time (replay_core.activity),
    so the user setting that only the shading used is gone."""
    values = body.get("values")
    if isinstance(values, dict):
        values.pop("inactivity_threshold_s", None)
    return body


def _assets_into_the_cache(body: Body) -> Body:
    """Version 3: the player page never reaches the network; "load remote assets" becomes "fetch assets into
    the cache": on means when a replay is opened, off means never."""
    values = body.get("values")
    if isinstance(values, dict) and "load_remote_assets" in values:
        remote = values.pop("load_remote_assets")
        if isinstance(remote, bool):
            values["fetch_assets"] = "when-opened" if remote else "never"
    return body


SETTINGS_FILE = ConfigFile(
    "settings.json",
    Settings,
    version=SETTINGS_VERSION,
    upgrades={1: _drop_inactivity_threshold, 2: _assets_into_the_cache},
    values_key="values",
    mode=0o600,
)
