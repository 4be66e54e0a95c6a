"""settings.json and sync.json as files: upgraded from older versions, set aside when damaged or newer."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.config.conftest import WRITTEN_BY_OLDER_APPS
from viewer.config import stored
from viewer.config.options import option
from viewer.config.settings_json import SETTINGS_FILE, Settings
from viewer.config.stored import Body, ConfigFile
from viewer.config.sync_json import Source, SyncConfig
from viewer.settings import load_settings, read_settings, save_settings
from viewer.sync.sources import load_config, read_config, save_config

GOOD_SETTINGS = json.dumps({"version": 2, "values": {"retention_days": 7}})
GOOD_SYNC = json.dumps({"version": 1, "sources": [{"name": "prod", "url": "https://x.test"}]})
DAMAGES = {  # how a file can be damaged, as the bytes found on disk
    "not JSON": b"retention_days = 7",
    "truncated": GOOD_SYNC.encode()[:20],
    "empty": b"",
    "not UTF-8": b'{"version": 1, "x": "\xff\xfe"}',
    "a list": b"[1, 2]",
    "a string": b'"settings"',
    "no version": b'{"values": {}}',
    "a version that is no number": b'{"version": "2"}',
    "version zero": b'{"version": 0}',
}
SETTINGS_DAMAGES = {**DAMAGES, "values not an object": b'{"version": 2, "values": [1]}'}


def test_a_version_1_settings_file_is_upgraded_without_the_inactivity_threshold(config_dir: Path) -> None:
    shutil.copy(WRITTEN_BY_OLDER_APPS / "settings-v1.json", config_dir / "settings.json")
    loaded = read_settings()
    assert loaded.notice is None
    assert loaded.value == Settings(
        playback_speed=2.0,
        skip_inactivity=False,
        fetch_assets="never",  # version 3: "load remote assets" off
        retention_days=90,
        last_open_folder="/home/ana/recordings",
        window_geometry="AdnQywADAAAAAAAAAAAAAAAAA5kAAAKjAAAAAAAAABQAAAOZAAACow==",
        splitter_state="AAAA/wAAAAEAAAACAAABLAAAAoA=",
        demo_offered=True,
    )
    save_settings(loaded.value)
    written = json.loads((config_dir / "settings.json").read_text())
    assert written["version"] == 3
    assert "inactivity_threshold_s" not in written["values"] and "load_remote_assets" not in written["values"]
    assert written["values"]["retention_days"] == 90


def test_the_settings_upgrade_step_from_version_1() -> None:
    v1 = json.loads((WRITTEN_BY_OLDER_APPS / "settings-v1.json").read_text())
    v2 = SETTINGS_FILE.upgrades[1](v1)
    assert set(v2["values"]) == set(v1["values"]) - {"inactivity_threshold_s"}


def test_the_settings_upgrade_step_from_version_2_fetches_assets_when_remote_assets_were_on() -> None:
    """Version 3 (issue 18): the page never reaches the network; remote assets on → fetched into the cache
    when a replay is opened, off → never."""
    for remote, fetch in ((True, "when-opened"), (False, "never")):
        v2 = {"version": 2, "values": {"load_remote_assets": remote, "retention_days": 7}}
        assert stored.upgraded(SETTINGS_FILE, v2, 2)["values"] == {"fetch_assets": fetch, "retention_days": 7}


def test_a_version_1_sync_file_is_current(config_dir: Path) -> None:
    shutil.copy(WRITTEN_BY_OLDER_APPS / "sync-v1.json", config_dir / "sync.json")
    loaded = read_config()
    assert loaded.notice is None
    assert loaded.value == SyncConfig(
        [Source("prod", "https://replays.example.com"), Source("local", "http://127.0.0.1:8765")], 2_000_000_000, 30.0
    )
    save_config(loaded.value)
    # Saved again it says the same, and that the keys' scopes are not known yet (asked at the next sync).
    older = json.loads((WRITTEN_BY_OLDER_APPS / "sync-v1.json").read_text())
    older["sources"] = [{**source, "key_scope": "", "key_name": ""} for source in older["sources"]]
    assert json.loads((config_dir / "sync.json").read_text()) == older


@dataclass
class Shelf:
    """Options of a made-up file that went through two upgrades."""

    width_cm: int = option(80, "Width", minimum=1)
    colour: str = option("oak", "Colour")


def _rename_wood(body: Body) -> Body:
    return {**body, "colour": body.pop("wood", "oak")}


def _inches_to_cm(body: Body) -> Body:
    return {**body, "width_cm": round(body.pop("width_in") * 2.54)} if "width_in" in body else body


SHELF_FILE = ConfigFile("shelf.json", Shelf, version=3, upgrades={1: _rename_wood, 2: _inches_to_cm})


def test_upgrade_steps_run_in_order_from_the_files_version(tmp_path: Path) -> None:
    path = tmp_path / "shelf.json"
    path.write_text(json.dumps({"version": 1, "wood": "pine", "width_in": 40}))
    assert stored.read(SHELF_FILE, path) == stored.Loaded(Shelf(102, "pine"))
    path.write_text(json.dumps({"version": 2, "colour": "ash", "width_in": 10}))
    assert stored.read(SHELF_FILE, path).value == Shelf(25, "ash")
    path.write_text(json.dumps({"version": 3, "colour": "elm", "width_cm": 60}))
    assert stored.read(SHELF_FILE, path).value == Shelf(60, "elm")


def test_a_step_that_cannot_read_an_old_file_sets_it_aside(tmp_path: Path) -> None:
    path = tmp_path / "shelf.json"
    path.write_text(json.dumps({"version": 2, "width_in": "wide"}))
    loaded = stored.read(SHELF_FILE, path)
    assert loaded.value == Shelf()
    assert loaded.notice and "cannot upgrade it from version 2" in loaded.notice
    assert not path.exists()


def test_a_file_declared_without_a_step_from_every_older_version_is_refused() -> None:
    with pytest.raises(ValueError, match="an upgrade step is needed"):
        ConfigFile("shelf.json", Shelf, version=3, upgrades={2: _inches_to_cm})


def damage(path: Path, content: bytes) -> None:
    path.write_bytes(content)


def set_aside(config_dir: Path, name: str) -> list[Path]:
    return sorted(config_dir.glob(f"{name}.damaged-*"))


def assert_one_line_naming(notice: str | None, name: str, aside: Path) -> None:
    assert notice is not None and "\n" not in notice
    assert name in notice and aside.name in notice and "defaults" in notice


@pytest.mark.parametrize("content", SETTINGS_DAMAGES.values(), ids=SETTINGS_DAMAGES.keys())
def test_a_damaged_settings_file_is_set_aside_and_defaults_used(config_dir: Path, content: bytes) -> None:
    damage(config_dir / "settings.json", content)
    loaded = read_settings()
    assert loaded.value == Settings()
    [aside] = set_aside(config_dir, "settings.json")
    assert aside.read_bytes() == content
    assert_one_line_naming(loaded.notice, "settings.json", aside)
    assert read_settings() == stored.Loaded(Settings())  # the notice is given once
    save_settings(Settings(retention_days=9))
    assert load_settings().retention_days == 9


@pytest.mark.parametrize("content", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_sync_file_is_set_aside_and_defaults_used(config_dir: Path, content: bytes) -> None:
    damage(config_dir / "sync.json", content)
    loaded = read_config()
    assert loaded.value == SyncConfig()
    [aside] = set_aside(config_dir, "sync.json")
    assert aside.read_bytes() == content
    assert_one_line_naming(loaded.notice, "sync.json", aside)
    assert load_config() == SyncConfig()


@pytest.mark.parametrize("name", ["settings.json", "sync.json"])
def test_an_unreadable_file_is_set_aside(config_dir: Path, name: str) -> None:
    (config_dir / name).mkdir()  # reading it fails with an OSError whoever runs the test, root included
    notice = (read_settings() if name == "settings.json" else read_config()).notice
    [aside] = set_aside(config_dir, name)
    assert aside.is_dir()
    assert_one_line_naming(notice, name, aside)


def test_an_earlier_damaged_copy_is_not_overwritten(config_dir: Path) -> None:
    for content in (b"first", b"second", b"third"):  # within the same second, most likely
        damage(config_dir / "sync.json", content)
        assert read_config().notice
    kept = {path.read_bytes() for path in set_aside(config_dir, "sync.json")}
    assert kept == {b"first", b"second", b"third"}


def newer_settings(values: dict[str, Any]) -> str:
    return json.dumps({"version": 99, "values": values, "profiles": ["a newer idea"]})


def test_a_newer_settings_file_is_kept_aside_and_its_known_options_used(config_dir: Path) -> None:
    text = newer_settings({"retention_days": 12, "playback_speed": 4, "theme": "dark"})
    (config_dir / "settings.json").write_text(text)
    loaded = read_settings()
    assert loaded.value == Settings(retention_days=12, playback_speed=4.0)
    [aside] = sorted(config_dir.glob("settings.json.newer-*"))
    assert aside.read_text() == text  # untouched, for the newer app
    assert loaded.notice and "newer" in loaded.notice and "version 99" in loaded.notice and aside.name in loaded.notice
    assert read_settings() == stored.Loaded(loaded.value)  # written back as this version: no second notice
    assert json.loads((config_dir / "settings.json").read_text())["version"] == SETTINGS_FILE.version


def test_a_newer_sync_file_keeps_its_sources(config_dir: Path) -> None:
    text = json.dumps({"version": 5, "sources": [{"name": "prod", "url": "https://x.test", "team": 3}], "interval_s": 1})
    (config_dir / "sync.json").write_text(text)
    loaded = read_config()
    assert loaded.value == SyncConfig([Source("prod", "https://x.test")])
    assert loaded.notice and "version 5" in loaded.notice
    [aside] = sorted(config_dir.glob("sync.json.newer-*"))
    assert aside.read_text() == text


def test_a_newer_file_of_an_unknown_shape_gives_defaults(config_dir: Path) -> None:
    (config_dir / "settings.json").write_text(json.dumps({"version": 3, "values": ["moved elsewhere"]}))
    loaded = read_settings()
    assert loaded.value == Settings()
    assert loaded.notice and "newer" in loaded.notice
