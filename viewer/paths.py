"""Where the app keeps its data, settings and cache; REPLAY_VIEWER_DATA_DIR overrides them all."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "replay-viewer"
DATA_DIR_ENV = "REPLAY_VIEWER_DATA_DIR"


def _override() -> Path | None:
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    """The folder of the local cache database and downloaded assets."""
    base = _override() or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    base.mkdir(parents=True, exist_ok=True)
    return base


def config_dir() -> Path:
    """The folder of the settings file."""
    override = _override()
    base = override / "config" if override else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    base.mkdir(parents=True, exist_ok=True)
    return base


def cache_db_path() -> Path:
    return data_dir() / "cache.sqlite3"


def settings_path() -> Path:
    return config_dir() / "settings.json"


def log_dir() -> Path:
    """The folder of the log file, where a command's unexpected error leaves its traceback."""
    override = _override()
    base = override / "logs" if override else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    base.mkdir(parents=True, exist_ok=True)
    return base
