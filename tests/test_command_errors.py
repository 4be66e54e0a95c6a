"""Every command's errors are one line, found by fuzzing the command line: the real `replay-viewer` run in a
subprocess with hostile arguments, FIFOs, devices, folders and huge sparse files; nothing blocks or traces."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import RRWEB_FIXTURES

REPO = Path(__file__).resolve().parents[1]


def run(*args: str | bytes, data_dir: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, REPLAY_VIEWER_DATA_DIR=str(data_dir), QTWEBENGINE_DISABLE_SANDBOX="1")
    done = subprocess.run(
        [sys.executable, "-m", "viewer", *args], cwd=REPO, env=env, capture_output=True, timeout=timeout
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    )


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("replay-viewer: error: "), line
    assert len(line) < 600, line
    for word in words:
        assert word in line, line
    return line


@pytest.fixture()
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    return path


@pytest.fixture()
def sparse(tmp_path: Path) -> Path:
    """A 30 GB file that takes no disk: a reader that loads it whole runs out of memory."""
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(30 * 1024**3)
    return path


@pytest.mark.parametrize("at", ["nan", "inf", "-inf", "-1", "1e400", "NaN"])
def test_frame_refuses_an_at_that_is_not_a_finite_time(data_dir: Path, at: str) -> None:
    done = run("frame", str(RRWEB_FIXTURES[0]), f"--at={at}", "--text", data_dir=data_dir)
    one_line_error(done, "--at must be a finite number")


def test_open_refuses_a_link_that_does_not_parse(data_dir: Path) -> None:
    one_line_error(run("open", "http://[::1/replays/x", data_dir=data_dir), "not a link to a replay")


def test_a_5000_character_id_or_path_is_one_short_line(data_dir: Path) -> None:
    long = "a" * 5000
    one_line_error(run("frame", long, "--at", "0", "--text", data_dir=data_dir), "no such file")
    one_line_error(run("frame", f"/tmp/{long}.json", "--at", "0", "--text", data_dir=data_dir))
    one_line_error(run("open", f"/tmp/{long}.json", data_dir=data_dir))
    one_line_error(run("delete-user", long, data_dir=data_dir), "no user")
    imported = run("import", f"{long}.json", data_dir=data_dir)
    assert imported.returncode == 1 and "Traceback" not in imported.stderr
    assert all(len(line) < 600 for line in imported.stderr.splitlines())


def test_arguments_that_are_not_utf8_are_one_line(data_dir: Path) -> None:
    name = b"\xff\xfe-replay.json"
    one_line_error(run("frame", name, "--at", "0", "--text", data_dir=data_dir))
    one_line_error(run("open", name, data_dir=data_dir))
    one_line_error(run("frame", b"id-\xff", "--at", "0", "--text", data_dir=data_dir), "no such file")
    one_line_error(run("delete-user", name, data_dir=data_dir), "USER_ID is not valid UTF-8")
    one_line_error(run("list", "--search", name, data_dir=data_dir), "--search is not valid UTF-8")
    one_line_error(run("source", "remove", name, data_dir=data_dir), "NAME is not valid UTF-8")
    imported = run("import", name, data_dir=data_dir)
    assert imported.returncode == 1 and "Traceback" not in imported.stderr
    assert "skipped" in imported.stderr


def test_import_skips_a_fifo_and_a_device_and_imports_the_good_file(
    data_dir: Path, tmp_path: Path, fifo: Path
) -> None:
    good = tmp_path / "good.json"
    shutil.copy(RRWEB_FIXTURES[0], good)
    done = run("import", str(good), str(fifo), "/dev/zero", data_dir=data_dir, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "good.json" in done.stdout
    assert f"{fifo}: skipped: not a regular file (a named pipe)" in done.stderr
    assert "/dev/zero: skipped: not a regular file (a device)" in done.stderr
    listed = run("list", "--json", data_dir=data_dir)
    assert listed.returncode == 0 and listed.stdout.count('"id"') == 1


@pytest.mark.parametrize("command", ["frame", "open"])
def test_frame_and_open_refuse_what_is_not_a_regular_file_before_reading(
    data_dir: Path, tmp_path: Path, fifo: Path, sparse: Path, command: str
) -> None:
    extra = ["--at", "0", "--text"] if command == "frame" else []
    one_line_error(run(command, str(fifo), *extra, data_dir=data_dir, timeout=60), "named pipe")
    one_line_error(run(command, "/dev/zero", *extra, data_dir=data_dir, timeout=60), "device")
    one_line_error(run(command, str(tmp_path), *extra, data_dir=data_dir, timeout=60), "a folder")
    one_line_error(run(command, str(sparse), *extra, data_dir=data_dir, timeout=60), "too large")


def test_import_refuses_a_huge_sparse_file_before_reading(data_dir: Path, sparse: Path) -> None:
    done = run("import", str(sparse), data_dir=data_dir, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert f"{sparse}: skipped: too large" in done.stderr


def test_an_unexpected_error_is_one_line_with_the_traceback_in_the_log(data_dir: Path) -> None:
    # A file where the config folder should be: nothing expects it, so it takes the top-level handler.
    (data_dir / "config").write_text("not a folder")
    done = run("source", "list", data_dir=data_dir)
    line = one_line_error(done, "unexpected error", "FileExistsError", "details in ")
    log = Path(line.rsplit("details in ", 1)[1])
    assert log.parent == data_dir / "logs"
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "FileExistsError" in text and "source list" in text


# A regular file no process may read, root included (the kernel checks a sysctl file's mode bits for
# every user): the real case of a recording whose permissions were never given to the viewer's user.
UNREADABLE = Path("/proc/sys/vm/compact_memory")


@pytest.mark.skipif(
    not UNREADABLE.is_file() or os.access(UNREADABLE, os.R_OK), reason="needs a regular file nobody can read"
)
@pytest.mark.parametrize("command", ["import", "frame", "open", "activity"])
def test_a_file_that_cannot_be_read_is_one_line_and_nothing_is_stored(data_dir: Path, command: str) -> None:
    extra = ["--at", "0", "--text"] if command == "frame" else []
    done = run(command, str(UNREADABLE), *extra, data_dir=data_dir, timeout=60)
    if command == "import":  # a batch command names each file it skipped, then fails as a whole
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "compact_memory" in done.stderr and "cannot be read (Permission denied)" in done.stderr
    else:
        one_line_error(done, "cannot be read", "Permission denied")
    listed = run("list", "--json", data_dir=data_dir)
    assert listed.returncode == 0 and '"id"' not in listed.stdout
