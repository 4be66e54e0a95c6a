"""The build step that puts the player into the wheel (everything else is in pyproject.toml).

The app's runtime files live in `resources/`, installed as the package `replay_viewer_resources`. Before
the package data is collected, the build makes sure `resources/player/node_modules` holds exactly the
versions `resources/player/package-lock.json` pins (running `npm ci` when it does not), so the wheel can
carry the rrweb files the player page loads; pyproject.toml's package-data names which files those are.
It also writes THIRD-PARTY-LICENSES.txt beside them: the name, version and licence of every npm package
in the lock file, with the licence text each one ships. An editable install (`make setup`) builds
nothing: it finds the same files in the clone, where `make setup` runs `npm ci` itself.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py
from setuptools.errors import SetupError

HERE = Path(__file__).resolve().parent
RESOURCE_PACKAGE = "replay_viewer_resources"
RESOURCE_DIR = "resources"
PLAYER = Path(RESOURCE_DIR) / "player"
NOTICE = "THIRD-PARTY-LICENSES.txt"
_LICENCE_FILES = ("LICENSE", "LICENCE", "COPYING", "NOTICE")


def locked_packages(player: Path) -> dict[str, dict[str, Any]]:
    """node_modules path → lock entry, for the packages an install without dev dependencies has."""
    lock = json.loads((player / "package-lock.json").read_text(encoding="utf-8"))
    return {
        path: entry
        for path, entry in lock.get("packages", {}).items()
        if path.startswith("node_modules/") and not entry.get("dev") and not entry.get("optional")
    }


def _installed_version(folder: Path) -> str | None:
    try:
        found = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = found.get("version") if isinstance(found, dict) else None
    return version if isinstance(version, str) else None


def installed_as_locked(player: Path) -> bool:
    """Whether node_modules holds every locked package at its locked version (then npm ci is not needed)."""
    locked = locked_packages(player)
    return bool(locked) and all(
        _installed_version(player / path) == entry.get("version") for path, entry in locked.items()
    )


def ensure_player_packages(player: Path) -> None:
    if installed_as_locked(player):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError(
            f"npm is needed to build the wheel: it installs the player's rrweb from {player / 'package-lock.json'}"
        )
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=player, check=True)
    if not installed_as_locked(player):
        raise SetupError(f"npm ci did not install the versions {player / 'package-lock.json'} pins")


def licence_notice(player: Path) -> str:
    """The licences of the npm packages the player's files come from, as one text."""
    parts = [
        "The player page loads rrweb, installed by npm from the lock file; its bundle includes the",
        "packages below. Each one's name, version and licence, with the licence text",
        "the package ships (where it ships none, what its package.json says).",
        "",
    ]
    for path, entry in sorted(locked_packages(player).items()):
        folder = player / path
        name = path.rpartition("node_modules/")[2]
        try:
            manifest = json.loads((folder / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        licence = entry.get("license") or manifest.get("license") or "not stated"
        parts += ["=" * 78, f"{name} {entry.get('version')} ({licence})"]
        texts = sorted(
            file for file in folder.iterdir() if file.is_file() and file.name.upper().startswith(_LICENCE_FILES)
        )
        if texts:
            for text in texts:
                parts += ["", text.read_text(encoding="utf-8", errors="replace").rstrip()]
        else:
            author = manifest.get("author")
            author = author.get("name") if isinstance(author, dict) else author
            repository = manifest.get("repository")
            repository = repository.get("url") if isinstance(repository, dict) else repository
            parts += ["", f"No licence file is shipped; package.json: license {licence}, author {author},"]
            parts += [f"repository {repository}."]
        parts.append("")
    return "\n".join(parts)


class BuildWithPlayer(build_py):
    """build_py that first installs the player's npm packages as locked, and adds their licences."""

    def run(self) -> None:
        if not self.editable_mode:
            ensure_player_packages(HERE / PLAYER)
            # The package data is listed lazily; list it again now that node_modules is there.
            self.__dict__.pop("data_files", None)
        super().run()
        if not self.editable_mode:
            target = Path(self.build_lib, RESOURCE_PACKAGE, "player", NOTICE)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(licence_notice(HERE / PLAYER), encoding="utf-8")


setup(
    packages=[*find_packages(include=["viewer*", "replay_api*", "replay_core*", "replay_fetch*"]), RESOURCE_PACKAGE],
    package_dir={RESOURCE_PACKAGE: RESOURCE_DIR},
    cmdclass={"build_py": BuildWithPlayer},
)
