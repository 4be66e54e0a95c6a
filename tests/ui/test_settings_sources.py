"""Adding a source in the settings dialog asks the real replay API what the key may do, and shows it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from replay_api.config import Settings as ServerSettings
from replay_api.keys import create_key
from tests.replay_api.server import FakeClock, RunningServer, running_server
from tests.sync.conftest import memory_keyring  # noqa: F401 (the keychain stand-in, autouse there)
from viewer.settings import load_settings
from viewer.sync.sources import api_key, list_sources
from viewer.ui.settings_dialog import SettingsDialog


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    settings = ServerSettings(db_url=f"sqlite:///{tmp_path / 'api.sqlite3'}", clock=FakeClock())
    with running_server(settings) as running:
        yield running


def _add_through_the_dialog(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, answers: list[str]
) -> tuple[SettingsDialog, list[str]]:
    """Click "Add…" and answer its three questions (name, URL, key); returns the messages shown."""
    shown: list[str] = []
    replies = iter(answers)
    # The modal input and message boxes are stood in for: offscreen, nobody could answer the real ones.
    monkeypatch.setattr(
        "viewer.ui.settings_dialog.QInputDialog.getText", lambda *a, **k: (next(replies), True)
    )
    monkeypatch.setattr(
        "viewer.ui.settings_dialog.QMessageBox.information", lambda _p, _t, text: shown.append(text)
    )
    monkeypatch.setattr(
        "viewer.ui.settings_dialog.QMessageBox.warning", lambda _p, _t, text: shown.append(text)
    )
    dialog = SettingsDialog(load_settings())
    qtbot.addWidget(dialog)
    dialog._add_source()
    return dialog, shown


def test_the_source_list_shows_the_keys_scope(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    server: RunningServer,
    memory_keyring: object,  # noqa: F811
) -> None:
    dana = create_key(server.db, server.project.id, "dana", "read", server.settings.now_ms())
    dialog, shown = _add_through_the_dialog(qtbot, monkeypatch, ["team", server.base_url, dana.key])
    assert shown == ["Added 'team': read key 'dana': syncs and downloads replays."]
    assert dialog.sources.item(0).text() == f"team — {server.base_url} · read key 'dana'"
    assert dialog.sources_changed


def test_a_refused_key_is_not_added(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    server: RunningServer,
    memory_keyring: object,  # noqa: F811
) -> None:
    dialog, shown = _add_through_the_dialog(qtbot, monkeypatch, ["team", server.base_url, "rk_not_a_key"])
    [message] = shown
    assert "refused this key" in message and "401" in message
    assert dialog.sources.count() == 0 and list_sources() == [] and api_key("team") is None
    assert not dialog.sources_changed
