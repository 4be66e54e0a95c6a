"""The servers the app syncs from: names and URLs in sync.json, API keys in the OS keychain.

Only where no keychain backend works is a key kept in `source-keys.json` beside the settings, readable
by the user alone (mode 0600), and the caller is warned.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import keyring
import keyring.errors

from viewer import paths
from viewer.config import stored
from viewer.config.stored import Loaded
from viewer.config.sync_json import SYNC_FILE, Source, SyncConfig
from viewer.files import write_atomically

log = logging.getLogger(__name__)
KEYRING_SERVICE = "replay-viewer"
CONFIG_NAME = SYNC_FILE.name
KEYS_FILE_NAME = "source-keys.json"
_KEYRING_FAILURES = (keyring.errors.KeyringError, RuntimeError, OSError)


class SourceError(ValueError):
    """A source that cannot be added, found or removed; the message is one line for the user."""


def config_path() -> Path:
    return paths.config_dir() / CONFIG_NAME


def read_config(path: Path | None = None) -> Loaded[SyncConfig]:
    """The sync settings and a one-line notice when the file was damaged or newer (it is then set aside)."""
    return stored.read(SYNC_FILE, path or config_path())


def load_config(path: Path | None = None) -> SyncConfig:
    """The sync settings alone, for callers with nowhere to show a notice (it is logged); never raises."""
    loaded = read_config(path)
    if loaded.notice:
        log.warning("%s", loaded.notice)
    return loaded.value


def save_config(config: SyncConfig, path: Path | None = None) -> None:
    stored.write(SYNC_FILE, config, path or config_path())


def list_sources() -> list[Source]:
    return load_config().sources


def get_source(name: str) -> Source:
    for source in list_sources():
        if source.name == name:
            return source
    raise SourceError(f"no source named {name!r} (see `replay-viewer source list`)")


def add_source(name: str, url: str, key: str, *, key_name: str = "", key_scope: str = "") -> str | None:
    """Add or replace a source and store its key; a warning when the key had to go to a file.

    `key_name` and `key_scope` are what the server said of the key, when it was asked (`check_key`)."""
    name, url, key = name.strip(), url.strip().rstrip("/"), key.strip()
    _check(name, url, key)
    warning = _store_key(name, key)
    config = load_config()
    config.sources = [s for s in config.sources if s.name != name] + [Source(name, url, key_scope, key_name)]
    save_config(config)
    return warning


def remember_key(name: str, key_name: str, scope: str) -> None:
    """Keep what the server said of a source's key, for the settings and `source list` (only on a change)."""
    config = load_config()
    changed = [
        replace(s, key_name=key_name, key_scope=scope)
        if s.name == name and (s.key_name, s.key_scope) != (key_name, scope)
        else s
        for s in config.sources
    ]
    if changed != config.sources:
        config.sources = changed
        save_config(config)


def remove_source(name: str) -> None:
    """Forget a source and its key (its cached replays stay until retention or deletion)."""
    config = load_config()
    if not any(s.name == name for s in config.sources):
        raise SourceError(f"no source named {name!r} (see `replay-viewer source list`)")
    config.sources = [s for s in config.sources if s.name != name]
    save_config(config)
    try:
        keyring.delete_password(KEYRING_SERVICE, name)
    except (keyring.errors.PasswordDeleteError, *_KEYRING_FAILURES):
        pass
    keys = _file_keys()
    if keys.pop(name, None) is not None:
        _save_file_keys(keys)


def api_key(name: str) -> str | None:
    """The source's key from the keychain, else from the fallback file; None when neither has it."""
    try:
        found = keyring.get_password(KEYRING_SERVICE, name)
    except _KEYRING_FAILURES:
        found = None
    return found if found else _file_keys().get(name)


def check_source(name: str, url: str, key: str) -> None:
    """SourceError when a source cannot be added as given (before anything asks its server)."""
    _check(name.strip(), url.strip().rstrip("/"), key.strip())


def _check(name: str, url: str, key: str) -> None:
    if not name or len(name) > 100 or any(ch.isspace() and ch != " " for ch in name):
        raise SourceError("a source name must be 1 to 100 characters on one line")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourceError(f"{url!r} is not an http(s) URL such as https://replays.example.com")
    if not key:
        raise SourceError("the API key is empty (the secret key printed by `replay-api create-project`)")


def _store_key(name: str, key: str) -> str | None:
    try:
        keyring.set_password(KEYRING_SERVICE, name, key)
    except _KEYRING_FAILURES as exc:
        keys = _file_keys()
        keys[name] = key
        _save_file_keys(keys)
        warning = (
            f"no working OS keychain ({type(exc).__name__}); the key for {name!r} is stored in "
            f"{keys_file_path()}, readable by you alone"
        )
        log.info("%s", warning)  # the caller shows the warning
        return warning
    keys = _file_keys()
    if keys.pop(name, None) is not None:  # an older key left from a time without keychain
        _save_file_keys(keys)
    return None


def keys_file_path() -> Path:
    return paths.config_dir() / KEYS_FILE_NAME


def _file_keys() -> dict[str, str]:
    try:
        stored = json.loads(keys_file_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}


def _save_file_keys(keys: dict[str, str]) -> None:
    write_atomically(keys_file_path(), json.dumps(keys, indent=2), mode=0o600)
