"""The app's settings: declared once with types and defaults, versioned, stored as JSON (no Qt)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from replay_core.playback import SPEEDS
from viewer import paths
from viewer.files import write_atomically

log = logging.getLogger(__name__)
SETTINGS_VERSION = 1


@dataclass
class Settings:
    playback_speed: float = 1.0
    skip_inactivity: bool = True
    load_remote_assets: bool = True
    retention_days: int = 30
    last_open_folder: str = ""
    window_geometry: str = ""  # Qt's saveGeometry(), base64
    splitter_state: str = ""  # Qt's saveState() of the feed | pages splitter, base64
    demo_offered: bool = False  # the demo replays were loaded once into an empty cache

    def validated(self) -> Settings:
        """Settings with every out-of-range value replaced by its default."""
        default = Settings()
        if self.playback_speed not in SPEEDS:
            self.playback_speed = default.playback_speed
        if not 1 <= self.retention_days <= 3650:
            self.retention_days = default.retention_days
        return self


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings; a missing file gives defaults, a damaged one is kept aside and defaults used."""
    path = path or paths.settings_path()
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        _set_aside(path, f"unreadable ({exc})")
        return Settings()
    if not isinstance(stored, dict):
        _set_aside(path, "not a settings object")
        return Settings()
    return _from_stored(stored)


def _from_stored(stored: dict[str, Any]) -> Settings:
    values = stored.get("values", {})
    known = {f.name: f for f in fields(Settings)}
    defaults = Settings()
    kwargs: dict[str, Any] = {}
    for name, value in values.items() if isinstance(values, dict) else []:
        if name in known and isinstance(value, type(getattr(defaults, name))):
            kwargs[name] = value
        elif name in known and isinstance(getattr(defaults, name), float) and isinstance(value, int):
            kwargs[name] = float(value)
    return Settings(**kwargs).validated()


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically: a crash mid-write leaves the previous file intact."""
    path = path or paths.settings_path()
    payload = json.dumps({"version": SETTINGS_VERSION, "values": asdict(settings)}, indent=2)
    write_atomically(path, payload, mode=0o600)


def _set_aside(path: Path, why: str) -> None:
    aside = path.with_suffix(".json.damaged")
    log.warning("settings file %s is %s; keeping it as %s and using defaults", path, why, aside)
    with contextlib.suppress(OSError):
        os.replace(path, aside)
