"""The app's settings (settings.json): read with upgrades and a notice when damaged, saved atomically (no Qt)."""

from __future__ import annotations

import logging
from pathlib import Path

from viewer import paths
from viewer.config import stored
from viewer.config.settings_json import SETTINGS_FILE, Settings
from viewer.config.stored import Loaded

log = logging.getLogger(__name__)


def read_settings(path: Path | None = None) -> Loaded[Settings]:
    """The settings and a one-line notice when the file was damaged or newer (it is then set aside)."""
    return stored.read(SETTINGS_FILE, path or paths.settings_path())


def load_settings(path: Path | None = None) -> Settings:
    """The settings alone, for callers with nowhere to show a notice (it is logged)."""
    loaded = read_settings(path)
    if loaded.notice:
        log.warning("%s", loaded.notice)
    return loaded.value


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically: a crash mid-write leaves the previous file intact."""
    stored.write(SETTINGS_FILE, settings, path or paths.settings_path())


def author_name(settings: Settings) -> str:
    """The name comments and collections are made under: the `author` setting, else the OS user's name."""
    import getpass

    chosen = " ".join(settings.author.split())
    if chosen:
        return chosen
    try:
        return getpass.getuser() or "me"
    except (OSError, KeyError):  # no user name in the environment nor the password database
        return "me"
