"""The server's settings: database URL, limits, retention, clock; REPLAY_API_DATA_DIR moves its data."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from replay_core.fetch_rules import TOTAL_TIMEOUT_S
from replay_core.limits import MAX_CONTAINERS_PER_REQUEST

APP_NAME = "replay-api"
DATA_DIR_ENV = "REPLAY_API_DATA_DIR"
DAY_SECONDS = 24 * 60 * 60


def data_dir() -> Path:
    """Where the default SQLite database lives."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    base = (
        Path(override).expanduser()
        if override
        else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    )
    base.mkdir(parents=True, exist_ok=True)
    return base


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'replay-api.sqlite3'}"


@dataclass
class Settings:
    """Everything the app needs to know that is not in the database."""

    db_url: str = field(default_factory=default_db_url)
    # A request body larger than this is refused with 413 before it is read to the end.
    max_body_bytes: int = 8 << 20
    # A gzip body inflating past this is refused with 413 (the SDK then halves the batch).
    max_inflated_bytes: int = 32 << 20
    # A body (inflated, `data=` decoded) that may hold more JSON objects and arrays than this is refused
    # with 413 before it is parsed: parsing is what costs memory, ~70 bytes per `{}` of 3.
    max_body_containers: int = MAX_CONTAINERS_PER_REQUEST
    retention_days: float = 30.0
    # How often the retention job runs while the server is up.
    purge_interval_s: float = 3600.0
    # Capturing assets at ingest (replay_api.assets), for projects that turned it on: how long after a batch
    # its replay's capture starts (more batches come meanwhile), how often workers look for captures due,
    # and how long one asset may take (every redirect and the whole body).
    asset_capture_delay_s: float = 10.0
    asset_capture_interval_s: float = 2.0
    asset_fetch_timeout_s: float = TOTAL_TIMEOUT_S
    # Injected in tests to move time; seconds since the epoch.
    clock: Callable[[], float] = time.time

    def now_ms(self) -> int:
        return int(self.clock() * 1000)
