"""settings.json: the viewer's own options, declared once, and the steps that upgrade older files."""

from __future__ import annotations

from dataclasses import dataclass

from replay_core.playback import SPEEDS
from viewer.config.options import option
from viewer.config.stored import Body, ConfigFile

SETTINGS_VERSION = 2


@dataclass
class Settings:
    playback_speed: float = option(1.0, "Default speed", choices=SPEEDS)
    skip_inactivity: bool = option(True, "Skip inactivity")
    load_remote_assets: bool = option(True, "Remote assets")
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


def _drop_inactivity_threshold(body: Body) -> Body:
    """Version 2: one inactivity threshold for shading, skipping and active time (replay_core.activity),
    so the user setting that only the shading used is gone."""
    values = body.get("values")
    if isinstance(values, dict):
        values.pop("inactivity_threshold_s", None)
    return body


SETTINGS_FILE = ConfigFile(
    "settings.json",
    Settings,
    version=SETTINGS_VERSION,
    upgrades={1: _drop_inactivity_threshold},
    values_key="values",
    mode=0o600,
)
