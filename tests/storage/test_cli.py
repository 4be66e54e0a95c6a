"""The import, list and delete-user commands, run as a user would run them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES
from tests.storage.helpers import captured_payloads, expected_from_capture, expected_from_rrweb_file, run_cli
from viewer.storage import ReplayCache


def _listed(data_dir: Path, *args: str) -> list[dict]:
    result = run_cli("list", "--json", *args, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_fixture_imports_and_lists_as_its_events_say(data_dir: Path) -> None:
    result = run_cli("import", *map(str, RRWEB_FIXTURES), *map(str, MIXPANEL_CAPTURES), data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == len(RRWEB_FIXTURES) + len(MIXPANEL_CAPTURES)
    listed = _listed(data_dir)

    by_start = {row["start_ms"]: row for row in listed}
    for path in RRWEB_FIXTURES:
        expected = expected_from_rrweb_file(path)
        row = by_start[expected.start_ms]
        assert (row["event_count"], row["duration_ms"], row["user_id"]) == (
            expected.event_count,
            expected.duration_ms,
            None,
        ), path.name
    profiles = {
        p["$distinct_id"]: p["$set"]
        for folder in MIXPANEL_CAPTURES
        for p in captured_payloads(folder, "/engage/")
        if "$set" in p
    }
    by_id = {row["id"]: row for row in listed}
    expected_capture = [e for folder in MIXPANEL_CAPTURES for e in expected_from_capture(folder)]
    for expected in expected_capture:
        row = by_id[expected.replay_id]
        assert row["event_count"] == expected.event_count
        assert row["duration_ms"] == expected.duration_ms
        assert row["user_id"] == expected.user_id
        assert row["user_name"] == profiles[expected.user_id]["$name"]
        assert row["user_email"] == profiles[expected.user_id]["$email"]
    assert len(listed) == len(RRWEB_FIXTURES) + len(expected_capture)
    assert [row["start_ms"] for row in listed] == sorted((row["start_ms"] for row in listed), reverse=True)
    assert all(
        0 < row["active_ms"] <= row["duration_ms"] and row["start_url"].startswith("http") for row in listed
    )


def test_reimporting_changes_nothing(data_dir: Path) -> None:
    targets = [str(RRWEB_FIXTURES[0]), str(MIXPANEL_CAPTURES[0])]
    assert run_cli("import", *targets, data_dir=data_dir).returncode == 0
    before = _listed(data_dir)
    with ReplayCache.open(data_dir / "cache.sqlite3") as cache:
        counts = cache.row_counts()
    again = run_cli("import", *targets, data_dir=data_dir)
    assert again.returncode == 0, again.stderr
    assert "already cached" in again.stdout
    assert _listed(data_dir) == before
    with ReplayCache.open(data_dir / "cache.sqlite3") as cache:
        assert cache.row_counts() == counts


def test_bad_files_are_reported_and_skipped_and_good_ones_kept(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(RRWEB_FIXTURES[0], folder / "good.json")
    (folder / "broken.json").write_text('[{"type": 4, "timestamp": ')
    (folder / "empty.json").write_text("")
    result = run_cli("import", str(folder), str(tmp_path / "missing.json"), data_dir=data_dir)
    assert result.returncode != 0
    assert (
        "broken.json" in result.stderr and "empty.json" in result.stderr and "missing.json" in result.stderr
    )
    assert "good.json: 1 replay added" in result.stdout
    assert "Traceback" not in result.stderr
    assert len(_listed(data_dir)) == 1


def test_list_search_and_delete_user_from_the_command_line(data_dir: Path) -> None:
    assert (
        run_cli("import", *map(str, MIXPANEL_CAPTURES), str(RRWEB_FIXTURES[0]), data_dir=data_dir).returncode
        == 0
    )
    users = {row["user_id"] for row in _listed(data_dir)} - {None}
    assert len(users) == 1
    user_id = users.pop()
    with_user = _listed(data_dir, "--search", user_id)
    assert with_user and {row["user_id"] for row in with_user} == {user_id}
    deleted = run_cli("delete-user", user_id, data_dir=data_dir)
    assert deleted.returncode == 0, deleted.stderr
    assert _listed(data_dir, "--search", user_id) == []
    assert len(_listed(data_dir)) == 1
    again = run_cli("delete-user", user_id, data_dir=data_dir)
    assert again.returncode != 0 and len(again.stderr.strip().splitlines()) == 1
