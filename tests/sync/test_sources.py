"""Sources: names and URLs in the config folder, keys in the keychain (or a 0600 file without one)."""

from __future__ import annotations

import io
import stat

import keyring
import keyring.backends.fail
import pytest

from tests.sync.conftest import MemoryKeyring
from viewer.sync import sources
from viewer.sync.sources import SourceError


def test_add_list_remove_with_the_keychain(memory_keyring: MemoryKeyring) -> None:
    assert sources.add_source("prod", "https://replays.example.com/", "rsk_secret") is None
    assert sources.list_sources() == [sources.Source("prod", "https://replays.example.com")]
    assert memory_keyring.passwords == {("replay-viewer", "prod"): "rsk_secret"}
    assert sources.api_key("prod") == "rsk_secret"
    assert not sources.keys_file_path().exists()
    assert "rsk_secret" not in sources.config_path().read_text()

    sources.remove_source("prod")
    assert sources.list_sources() == []
    assert sources.api_key("prod") is None
    with pytest.raises(SourceError, match="no source named 'prod'"):
        sources.remove_source("prod")


def test_without_a_keychain_the_key_goes_to_a_file_only_the_user_reads() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    warning = sources.add_source("local", "http://127.0.0.1:8765", "rsk_other")
    assert warning is not None and "readable by you alone" in warning
    path = sources.keys_file_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sources.api_key("local") == "rsk_other"
    sources.remove_source("local")
    assert sources.api_key("local") is None


@pytest.mark.parametrize(
    ("name", "url", "key", "message"),
    [
        ("", "https://x.test", "k", "source name"),
        ("a", "ftp://x.test", "k", "not an http"),
        ("a", "https://x.test", " ", "API key is empty"),
    ],
)
def test_bad_sources_are_refused(name: str, url: str, key: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        sources.add_source(name, url, key)
    assert sources.list_sources() == []


def test_source_add_sets_a_damaged_sync_file_aside_with_a_warning_and_saves_the_source(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from viewer.cli import main

    sources.config_path().write_text('{"version": 1, "sources": [{"name": "prod", "url"')
    monkeypatch.setattr("sys.stdin", io.StringIO("rsk_secret\n"))
    # Nothing listens on 127.0.0.1:9 (discard): the key cannot be checked now, which is a second warning.
    assert main(["source", "add", "local", "http://127.0.0.1:9"]) == 0
    damaged, unchecked = capsys.readouterr().err.splitlines()
    assert damaged.startswith("replay-viewer: warning: ") and "sync.json is damaged" in damaged
    assert unchecked.startswith("replay-viewer: warning: could not check the key now")
    assert sources.list_sources() == [sources.Source("local", "http://127.0.0.1:9")]
    assert len(list(sources.config_path().parent.glob("sync.json.damaged-*"))) == 1
    assert sources.api_key("local") == "rsk_secret"
