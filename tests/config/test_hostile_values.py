"""sync.json values found by fuzzing: bools where numbers go, huge numbers, URLs that do not parse, deep nesting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from viewer.config.sync_json import DEFAULT_BUDGET_BYTES, DEFAULT_INTERVAL_S, SYNC_VERSION, Source, SyncConfig
from viewer.sync.sources import read_config


def write_sync(config_dir: Path, text: str) -> None:
    (config_dir / "sync.json").write_text(text)


def test_a_bool_budget_is_refused_not_read_as_one_byte(config_dir: Path) -> None:
    write_sync(config_dir, json.dumps({"version": SYNC_VERSION, "disk_budget_bytes": True, "interval_s": True}))
    loaded = read_config()
    assert loaded.value.disk_budget_bytes == DEFAULT_BUDGET_BYTES
    assert loaded.value.interval_s == DEFAULT_INTERVAL_S
    # The user hears of it, once, naming each value that was not used.
    assert loaded.notice is not None and "\n" not in loaded.notice
    assert "'disk_budget_bytes' (True)" in loaded.notice and "'interval_s' (True)" in loaded.notice


def test_source_list_warns_about_a_refused_value_and_keeps_the_rest(config_dir: Path) -> None:
    good = {"name": "prod", "url": "https://replays.example.com"}
    write_sync(config_dir, json.dumps({"version": SYNC_VERSION, "sources": [good], "disk_budget_bytes": "10 GB"}))
    done = subprocess.run(
        [sys.executable, "-m", "viewer", "source", "list"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "prod" in done.stdout
    [warning] = done.stderr.splitlines()
    assert warning.startswith("replay-viewer: warning: ") and "'disk_budget_bytes' ('10 GB')" in warning
    assert "using its default" in warning


def test_an_interval_too_long_to_sleep_gets_the_default(config_dir: Path) -> None:
    write_sync(config_dir, json.dumps({"version": SYNC_VERSION, "interval_s": 1e308}))
    assert read_config().value.interval_s == DEFAULT_INTERVAL_S


def test_sources_that_are_not_a_list_or_not_server_urls_are_dropped(config_dir: Path) -> None:
    good = {"name": "prod", "url": "https://replays.example.com"}
    bad_urls = ["::::", "http://[::1/replays", "ftp://x.example", "https://", "http://host:port", "https://a\nb.c",
                "https://" + "a" * 5000 + ".example"]
    sources = [good, *({"name": f"s{n}", "url": url} for n, url in enumerate(bad_urls))]
    write_sync(config_dir, json.dumps({"version": SYNC_VERSION, "sources": sources}))
    assert read_config().value.sources == [Source("prod", "https://replays.example.com")]
    write_sync(config_dir, json.dumps({"version": SYNC_VERSION, "sources": 5}))
    loaded = read_config()
    assert loaded.value.sources == [] and loaded.notice is not None and "'sources' (5)" in loaded.notice


def test_a_file_nested_100000_deep_is_set_aside_with_a_notice(config_dir: Path) -> None:
    deep = '{"version": 1, "sources": ' + "[" * 100_000 + "]" * 100_000 + "}"
    write_sync(config_dir, deep)
    loaded = read_config()
    assert loaded.value == SyncConfig()
    assert loaded.notice is not None and "nested too deeply" in loaded.notice and "\n" not in loaded.notice
    [aside] = config_dir.glob("sync.json.damaged-*")
    assert aside.read_text() == deep


def test_a_settings_file_nested_deep_is_set_aside_too(config_dir: Path) -> None:
    from viewer.config.settings_json import Settings
    from viewer.settings import read_settings

    write_sync(config_dir, "{}")  # only settings.json is damaged
    (config_dir / "settings.json").write_text('{"version": 2, "values": ' + '{"a":' * 100_000 + "1" + "}" * 100_001)
    loaded = read_settings()
    assert loaded.value == Settings() and loaded.notice and "nested too deeply" in loaded.notice
