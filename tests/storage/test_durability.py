"""A killed import leaves only whole replays; a file that is not a cache is moved aside, never lost."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.paths import REPO, RRWEB_FIXTURES
from tests.storage.helpers import run_cli
from viewer.storage import ReplayCache
from viewer.storage.schema import event_chunks, replays

COPIES = 80


def _recordings(folder: Path) -> int:
    """COPIES distinct files (trailing whitespace changes the hash, not the events) of a fixture."""
    source = next(p for p in RRWEB_FIXTURES if "jquery" in p.name).read_bytes()
    folder.mkdir()
    for n in range(COPIES):
        (folder / f"copy-{n:03d}.json").write_bytes(source + b" " * (n + 1))
    return len(json.loads(source))


def _assert_only_whole_replays(path: Path, event_count: int) -> int:
    with ReplayCache.open(path) as cache:
        with cache.reading() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            rows = conn.execute(replays.select()).all()
            for row in rows:
                chunks = conn.execute(event_chunks.select().where(event_chunks.c.replay_id == row.id)).all()
                assert len(chunks) == row.chunk_count > 0
                assert sum(c.event_count for c in chunks) == row.event_count == event_count
        for row in rows:
            assert len(cache.events(row.id)) == event_count
        return len(rows)


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def _wait_until_gone(pids: list[int], limit_s: float = 30.0) -> None:
    """The killed import's worker processes end too, instead of waiting forever on their queue."""
    deadline = time.monotonic() + limit_s
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _running(pid)]
        time.sleep(0.1)
    assert not alive, f"worker processes {alive} outlived the killed import"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is missing


@pytest.mark.parametrize("delay_s", [0.0, 0.007, 0.019])
def test_an_import_killed_at_any_moment_leaves_whole_replays_and_can_be_completed(
    data_dir: Path, tmp_path: Path, delay_s: float
) -> None:
    event_count = _recordings(tmp_path / "many")
    env = dict(os.environ, REPLAY_VIEWER_DATA_DIR=str(data_dir))
    command = [sys.executable, "-m", "viewer", "import", str(tmp_path / "many")]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    for _ in range(COPIES // 4):
        assert process.stdout.readline()
    time.sleep(delay_s)  # land somewhere inside a later file's parse or transaction
    workers = _children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    _wait_until_gone(workers)

    stored = _assert_only_whole_replays(data_dir / "cache.sqlite3", event_count)
    assert COPIES // 4 <= stored < COPIES
    again = run_cli("import", str(tmp_path / "many"), data_dir=data_dir)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("already cached") == stored
    assert _assert_only_whole_replays(data_dir / "cache.sqlite3", event_count) == COPIES


def test_a_file_that_is_not_a_cache_is_moved_aside_and_a_new_cache_made(data_dir: Path) -> None:
    path = data_dir / "cache.sqlite3"
    garbage = os.urandom(64 * 1024)
    path.write_bytes(garbage)
    result = run_cli("import", str(RRWEB_FIXTURES[0]), data_dir=data_dir)
    assert result.returncode == 0
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and "not a valid cache" in errors[0] and "Traceback" not in result.stderr
    moved = [p for p in data_dir.iterdir() if p.name.startswith("cache.sqlite3.invalid-")]
    assert len(moved) == 1 and moved[0].read_bytes() == garbage
    listed = run_cli("list", "--json", data_dir=data_dir)
    assert listed.returncode == 0 and listed.stderr == "" and len(json.loads(listed.stdout)) == 1


def test_another_programs_database_is_not_taken_for_a_cache(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE notes (body TEXT)")
    other.execute("INSERT INTO notes VALUES ('keep me')")
    other.commit()
    other.close()
    with ReplayCache.open(path) as cache:
        assert cache.moved_aside is not None and "no schema version" in cache.moved_aside.reason
        assert cache.all_replays() == []
    kept = sqlite3.connect(cache.moved_aside.moved_to)
    assert kept.execute("SELECT body FROM notes").fetchall() == [("keep me",)]
    kept.close()


def test_a_cache_from_a_newer_version_is_refused_not_moved(data_dir: Path) -> None:
    path = data_dir / "cache.sqlite3"
    ReplayCache.open(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE alembic_version SET version_num = '9999'")
    db.commit()
    db.close()
    result = run_cli("list", data_dir=data_dir)
    assert (
        result.returncode != 0 and "newer" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    )
    assert path.exists() and not any(p.name.startswith("cache.sqlite3.invalid") for p in data_dir.iterdir())
