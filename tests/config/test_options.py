"""Each option of settings.json and sync.json: a value in range is kept; a wrong type or range gets the default."""

from __future__ import annotations

import json
import math
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from viewer.config.settings_json import SETTINGS_VERSION, Settings
from viewer.config.sync_json import SYNC_VERSION, Source, SyncConfig
from viewer.settings import read_settings
from viewer.sync.sources import read_config

GEOMETRY = "AdnQywADAAAAAAAAAAAAAAAAA5kAAAKjAAAAAAAAABQAAAOZ"
# option: (stored values kept as they are, or as the pair (stored, read); stored values that get the default)
SETTINGS_CASES: dict[str, tuple[list[Any], list[Any]]] = {
    "playback_speed": ([0.5, 16.0, (4, 4.0)], [3.0, 0.0, 32.0, "2", True, None, math.nan]),
    "skip_inactivity": ([False, True], [0, 1, "false", None]),
    "fetch_assets": (["never", "when-opened", "prefetch"], [True, False, "always", "", None, 1]),
    "asset_hosts_allowed": (
        [["staging.lan", "127.0.0.1"], ([" Staging.LAN ", 5, "a b", "x/y", ""], ["staging.lan"])],
        ["staging.lan", None, 5, {"h": 1}],
    ),
    "retention_days": ([1, 3650, 90], [0, -1, 3651, 30.5, "30", True, None]),
    "last_open_folder": (["/home/ana", ""], [5, None, ["/home"]]),
    "window_geometry": ([GEOMETRY], [1, {"x": 1}]),
    "splitter_state": ([GEOMETRY], [False, 2.5]),
    "docks_state": ([GEOMETRY, ""], [True, 3, None]),
    "activity_panel": ([False, True], [0, "yes", None]),
    "demo_offered": ([True], ["yes", 1, None]),
    "feed_sort": (["duration", "activity", "recent"], [1, None, ["duration"]]),
    "appearance": (["system", "light", "dark"], ["Dark", "night", "", 1, None]),
    "author": (["Ana Novak", ""], [5, None, ["Ana"], True]),
}
SOURCE = {"name": "prod", "url": "https://replays.example.com"}
SYNC_CASES: dict[str, tuple[list[Any], list[Any]]] = {
    "sources": (
        [
            ([SOURCE], [Source("prod", "https://replays.example.com")]),
            ([SOURCE, 3, {"name": "x"}, {"name": 1, "url": "u"}], [Source(**SOURCE)]),
            # what the server said of the key is kept; a scope no server grants is forgotten, not the source
            ([{**SOURCE, "key_scope": "read", "key_name": "ana"}], [Source(**SOURCE, key_scope="read", key_name="ana")]),
            ([{**SOURCE, "key_scope": "root", "key_name": "ana"}], [Source(**SOURCE)]),
        ],
        [{"prod": "https://x"}, "prod", None, 5, True],
    ),
    "disk_budget_bytes": ([1, 10**12], [0, -5, 1.5, "100", True, False, None, [1], 1e308]),
    "interval_s": ([5.0, 3600.5, (30, 30.0)], [4.99, 0, -60, math.inf, math.nan, "60", False, True, 1e308, 10**400]),
}


def kept(cases: dict[str, tuple[list[Any], list[Any]]]) -> list[tuple[str, Any, Any]]:
    return [(name, *(v if isinstance(v, tuple) else (v, v))) for name, (good, _) in cases.items() for v in good]


def refused(cases: dict[str, tuple[list[Any], list[Any]]]) -> list[tuple[str, Any]]:
    return [(name, value) for name, (_, bad) in cases.items() for value in bad]


def write_settings(config_dir: Path, values: dict[str, Any]) -> None:
    text = json.dumps({"version": SETTINGS_VERSION, "values": values})  # NaN and Infinity as json.dumps writes them
    (config_dir / "settings.json").write_text(text)


def write_sync(config_dir: Path, values: dict[str, Any]) -> None:
    (config_dir / "sync.json").write_text(json.dumps({"version": SYNC_VERSION, **values}))


def test_every_option_has_its_cases() -> None:
    assert set(SETTINGS_CASES) == {f.name for f in fields(Settings)}
    assert set(SYNC_CASES) == {f.name for f in fields(SyncConfig)}


@pytest.mark.parametrize(("name", "stored", "read"), kept(SETTINGS_CASES))
def test_a_setting_in_range_is_kept(config_dir: Path, name: str, stored: Any, read: Any) -> None:
    write_settings(config_dir, {name: stored})
    loaded = read_settings()
    assert loaded.notice is None
    assert getattr(loaded.value, name) == read
    assert type(getattr(loaded.value, name)) is type(getattr(Settings(), name))


@pytest.mark.parametrize(("name", "stored"), refused(SETTINGS_CASES))
def test_a_setting_of_the_wrong_type_or_range_gets_its_default_alone(config_dir: Path, name: str, stored: Any) -> None:
    other, value = ("demo_offered", True) if name != "demo_offered" else ("retention_days", 7)
    write_settings(config_dir, {name: stored, other: value})
    loaded = read_settings()
    assert loaded.notice is not None and f"ignored {name!r} (" in loaded.notice and repr(other) not in loaded.notice
    assert getattr(loaded.value, name) == getattr(Settings(), name)
    assert getattr(loaded.value, other) == value


@pytest.mark.parametrize(("name", "stored", "read"), kept(SYNC_CASES))
def test_a_sync_option_in_range_is_kept(config_dir: Path, name: str, stored: Any, read: Any) -> None:
    write_sync(config_dir, {name: stored})
    loaded = read_config()
    assert loaded.notice is None
    assert getattr(loaded.value, name) == read
    assert type(getattr(loaded.value, name)) is type(getattr(SyncConfig(), name))


@pytest.mark.parametrize(("name", "stored"), refused(SYNC_CASES))
def test_a_sync_option_of_the_wrong_type_or_range_gets_its_default_alone(config_dir: Path, name: str, stored: Any) -> None:
    other, value = ("interval_s", 120.0) if name != "interval_s" else ("disk_budget_bytes", 10**9)
    write_sync(config_dir, {name: stored, other: value})
    loaded = read_config()
    assert loaded.notice is not None and f"ignored {name!r} (" in loaded.notice and repr(other) not in loaded.notice
    assert getattr(loaded.value, name) == getattr(SyncConfig(), name)
    assert getattr(loaded.value, other) == value

