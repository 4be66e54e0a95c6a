"""The wheel as a user installs it: built from the sources, installed with its extras into a fresh virtual
environment outside the repository, and run from a folder outside it too.

Slow (a minute or more: a build environment, npm ci, PySide6 and the server's packages installed), so it
runs in `make test-wheel` only (REPLAY_VIEWER_WHEEL_TEST=1); `make test` checks the package data without
building (test_package_data.py). The build starts from a copy of the sources without node_modules, so it
also shows that the build installs rrweb from the lock file by itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.paths import REPO, RRWEB_FIXTURES

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        os.environ.get("REPLAY_VIEWER_WHEEL_TEST") != "1", reason="builds and installs the wheel: make test-wheel"
    ),
]
LOCK = json.loads((REPO / "resources" / "player" / "package-lock.json").read_text(encoding="utf-8"))
RRWEB = LOCK["packages"]["node_modules/rrweb"]["version"]
FIXTURE = next(p for p in RRWEB_FIXTURES if "vanilla-es5_default" in p.name)


def _sources(target: Path) -> None:
    """The work tree's files as git sees them (tracked, and new ones not ignored), without node_modules."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """(the fresh environment's bin folder, the environment to run it with, a work folder outside the repo)."""
    base = tmp_path_factory.mktemp("wheel")
    assert not base.resolve().is_relative_to(REPO)
    sources, dist, venv, work = base / "src", base / "dist", base / "venv", base / "work"
    for folder in (sources, dist, work):
        folder.mkdir()
    _sources(sources)
    assert not (sources / "resources" / "player" / "node_modules").exists()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["REPLAY_VIEWER_DATA_DIR"] = str(base / "data")
    started = time.monotonic()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), str(sources)], work, env)
    (wheel,) = dist.glob("replay_viewer-*.whl")
    built = time.monotonic()
    _run([sys.executable, "-m", "venv", str(venv)], work, env)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run([*pip, f"{wheel}[app,server]"], work, env)
    print(f"\nwheel built in {built - started:.0f} s, installed in {time.monotonic() - built:.0f} s")
    return venv / "bin", env, work


def test_the_wheel_carries_the_player_and_rrweb(installed: tuple) -> None:
    bin_dir, _env, _work = installed
    (wheel,) = (bin_dir.parent.parent / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "replay_viewer_resources/player/index.html",
        "replay_viewer_resources/player/keyframes.js",
        "replay_viewer_resources/player/node_modules/rrweb/dist/rrweb.umd.cjs",
        "replay_viewer_resources/player/THIRD-PARTY-LICENSES.txt",
        "replay_viewer_resources/icons/replay-viewer.svg",
        "replay_viewer_resources/desktop/replay-viewer.desktop",
    ):
        assert name in names
    assert not any(name.endswith(".map") for name in names)
    notice = zipfile.ZipFile(wheel).read("replay_viewer_resources/player/THIRD-PARTY-LICENSES.txt").decode()
    assert f"rrweb {RRWEB} (MIT)" in notice and "Permission is hereby granted" in notice


def test_frame_text_from_the_installed_app_is_what_the_clone_shows(installed: tuple) -> None:
    bin_dir, env, work = installed
    where = "import viewer, replay_viewer_resources as r; print(viewer.__file__, r.__file__)"
    found = _run([str(bin_dir / "python"), "-c", where], work, env)
    for path in found.stdout.split():
        assert Path(path).is_relative_to(bin_dir.parent) and not Path(path).is_relative_to(REPO), path
    shown = _run([str(bin_dir / "replay-viewer"), "frame", str(FIXTURE), "--at", "5", "--text"], work, env, 180)
    clone = _run([sys.executable, "-m", "viewer", "frame", str(FIXTURE), "--at", "5", "--text"], REPO, env, 180)
    assert "todos" in shown.stdout
    assert shown.stdout == clone.stdout
    version = _run([str(bin_dir / "replay-viewer"), "--version"], work, env)
    assert f"rrweb {RRWEB}" in version.stdout.splitlines()


def test_the_installed_server_command_answers_help(installed: tuple) -> None:
    bin_dir, env, work = installed
    shown = _run([str(bin_dir / "replay-api"), "--help"], work, env)
    assert shown.stdout.startswith("usage: replay-api")
    for command in ("serve", "create-project", "key"):
        assert command in shown.stdout
