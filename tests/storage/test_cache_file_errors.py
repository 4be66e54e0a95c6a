"""A cache that cannot be used right now is reported in one line and left alone; only a file that is not a
database is moved aside. Real files, real mounts and a second process holding the lock; no mocks."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import RRWEB_FIXTURES
from tests.storage.helpers import run_cli, synthetic_events
from viewer.storage import ReplayBatch, ReplayCache

START_MS = 1_700_000_000_000


def make_cache(data_dir: Path) -> Path:
    path = data_dir / "cache.sqlite3"
    with ReplayCache.open(path) as cache:
        cache.add_batch(ReplayBatch("kept-replay", "file", synthetic_events(START_MS)))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("replay-viewer: error: "), line
    for word in words:
        assert word in line, line
    return line


def assert_nothing_moved_aside(data_dir: Path) -> None:
    assert not list(data_dir.glob("*.invalid-*")), list(data_dir.iterdir())


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip()}); the read-only and full-disk cases need a mount")


@pytest.fixture()
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs of its own (the tests run as root, where chmod does not stop reads or writes)."""
    folder = tmp_path / "mnt"
    folder.mkdir()
    _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_file_that_is_not_a_database_is_still_moved_aside(data_dir: Path) -> None:
    (data_dir / "cache.sqlite3").write_bytes(b"these are notes, not a database" * 10)
    done = run_cli("list", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert "not a valid cache" in done.stderr
    [aside] = data_dir.glob("cache.sqlite3.invalid-*")
    assert aside.read_bytes().startswith(b"these are notes")


def test_a_folder_in_the_caches_place_is_an_error_and_stays(data_dir: Path) -> None:
    (data_dir / "cache.sqlite3").mkdir()
    (data_dir / "cache.sqlite3" / "inside.txt").write_text("mine")
    done = run_cli("list", data_dir=data_dir)
    assert_one_line_error(done, "cache.sqlite3", "not a file")
    assert (data_dir / "cache.sqlite3" / "inside.txt").read_text() == "mine"
    assert_nothing_moved_aside(data_dir)


HOLD_EXCLUSIVE = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA locking_mode=EXCLUSIVE")
connection.execute("BEGIN EXCLUSIVE")
connection.execute("SELECT count(*) FROM replays").fetchone()
print("locked", flush=True)
time.sleep(120)
"""

HOLD_WRITE_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
connection.execute("UPDATE replays SET updated_ms = updated_ms")
print("locked", flush=True)
time.sleep(120)
"""


@pytest.fixture()
def holder() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.wait(timeout=10)


def _hold(holder: list[subprocess.Popen[str]], script: str, path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True)
    holder.append(process)
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"


def test_a_cache_locked_exclusively_by_another_process_is_reported_not_moved(
    data_dir: Path, holder: list[subprocess.Popen[str]]
) -> None:
    path = make_cache(data_dir)
    _hold(holder, HOLD_EXCLUSIVE, path)
    done = run_cli("list", data_dir=data_dir)
    assert_one_line_error(done, "locked by another process")
    assert_nothing_moved_aside(data_dir)
    holder[0].kill()
    holder[0].wait(timeout=10)
    listed = run_cli("list", data_dir=data_dir)
    assert listed.returncode == 0 and "kept-replay" in listed.stdout, listed.stderr


def test_a_writer_holding_the_lock_past_the_busy_timeout_is_one_line(
    data_dir: Path, holder: list[subprocess.Popen[str]]
) -> None:
    path = make_cache(data_dir)
    _hold(holder, HOLD_WRITE_LOCK, path)
    done = run_cli("import", str(RRWEB_FIXTURES[0]), data_dir=data_dir)
    assert_one_line_error(done, "locked by another process")
    assert_nothing_moved_aside(data_dir)


def test_a_read_only_data_folder_is_reported_and_the_cache_kept(tmpfs: Path) -> None:
    # A read-only mount: what a read-only folder is for root, whom permissions do not stop.
    data = tmpfs / "data"
    data.mkdir()
    path = make_cache(data)
    before = digest(path)
    _mount("-o", "remount,ro", str(tmpfs))
    done = run_cli("list", data_dir=data)
    assert_one_line_error(done, "cache.sqlite3")
    assert digest(path) == before
    assert_nothing_moved_aside(data)


def test_a_read_only_cache_file_is_reported_and_kept(data_dir: Path) -> None:
    # The file alone bind-mounted read-only over itself: writes to it fail with EROFS, even for root.
    path = make_cache(data_dir)
    before = digest(path)
    _mount("--bind", str(path), str(path))
    try:
        _mount("-o", "remount,ro,bind", str(path))
        done = run_cli("import", str(Path(__file__)), data_dir=data_dir)
        assert "Traceback" not in done.stderr
        assert done.returncode != 0
        listed = run_cli("list", data_dir=data_dir)
        assert "Traceback" not in listed.stderr
        assert listed.returncode != 0 or "kept-replay" in listed.stdout
        assert digest(path) == before
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)
    assert_nothing_moved_aside(data_dir)
    assert digest(path) == before


def test_a_full_disk_is_reported_and_the_cache_kept(tmpfs: Path) -> None:
    data = tmpfs / "data"
    data.mkdir()
    path = make_cache(data)
    before = digest(path)
    for side in data.glob("cache.sqlite3-*"):
        side.unlink()
    with (tmpfs / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:
            pass
    assert shutil.disk_usage(tmpfs).free < 64 * 1024
    done = run_cli("list", data_dir=data)
    assert_one_line_error(done, "disk is full")
    assert digest(path) == before
    assert_nothing_moved_aside(data)
