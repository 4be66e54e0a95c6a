"""A user's stored properties damaged on disk (not JSON, not an object) never stop an import or a
sync: the next profile update replaces them, and reading the user answers with what is readable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.paths import MIXPANEL_CAPTURES
from viewer.storage import ReplayCache
from viewer.storage.importer import import_path

CAPTURE = next(p for p in MIXPANEL_CAPTURES if p.name == "mp-todomvc-vue_idle-timeout")


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", "7", ""])
def test_an_update_to_a_damaged_profile_stores_and_replaces_it(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "cache.sqlite3"
    with ReplayCache.open(path) as cache:
        assert not import_path(cache, CAPTURE).failed
        before = cache.get_user("user-123")
        assert before is not None and before.properties
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE users SET properties = ? WHERE id = 'user-123'", (damage,))

    with ReplayCache.open(path) as cache:
        outcome = import_path(cache, CAPTURE)  # the same /engage/ traffic again, onto the damaged row
        assert not outcome.failed, outcome.summary_line()
        after = cache.get_user("user-123")
        assert after is not None and after.properties == before.properties
        assert {r.id for r in cache.all_replays()}  # nothing else was lost on the way
