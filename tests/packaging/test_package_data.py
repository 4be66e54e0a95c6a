"""What the wheel carries, checked without building one (`make test-wheel` builds and installs it).

The app reads its runtime files through package resources (viewer.resources): a file it reads that
pyproject.toml's package-data does not name would be missing from the wheel, and a module computing a
path from where it sits in the repository would find nothing once installed.
"""

from __future__ import annotations

import fnmatch
import tomllib

from tests.paths import REPO
from viewer import resources
from viewer.player.scheme import static_files

PACKAGES = ("viewer", "replay_api", "replay_core", "replay_fetch")


def _package_data() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs: list[str] = config["tool"]["setuptools"]["package-data"][resources.PACKAGE]
    return globs


def test_every_file_the_app_reads_at_run_time_goes_into_the_wheel() -> None:
    globs = _package_data()
    read = [*static_files().values(), resources.icon_path(), resources.desktop_entry_template()]
    read.append(resources.demo_file())
    root = resources.root()
    for file in read:
        assert file.is_file(), f"{file} is missing (run make setup)"
        relative = file.relative_to(root).as_posix()
        # setuptools' globs match one folder level per `*`, as fnmatch on the path does for these patterns.
        assert any(fnmatch.fnmatchcase(relative, pattern) for pattern in globs), f"{relative} is not package data"


def test_only_the_players_own_files_and_rrwebs_bundles_are_package_data() -> None:
    root = resources.root()
    carried = {
        file.relative_to(root).as_posix()
        for pattern in _package_data()
        for file in root.glob(pattern)
        if file.is_file()
    }
    vendored = {path for path in carried if path.startswith("player/node_modules/")}
    assert vendored == {
        "player/node_modules/rrweb/package.json",
        "player/node_modules/rrweb/dist/rrweb.umd.cjs",
        "player/node_modules/rrweb/dist/style.css",
    }
    assert not any(path.endswith((".map", ".d.ts", "package-lock.json")) for path in carried)


def test_resources_are_found_as_a_package_not_beside_the_code() -> None:
    # The clone's editable install maps the package onto resources/; a wheel installs it beside viewer/.
    assert resources.root() == (REPO / "resources").resolve() or "site-packages" in resources.root().parts
    for package in PACKAGES:
        for module in (REPO / package).rglob("*.py"):
            assert "__file__" not in module.read_text(encoding="utf-8"), (
                f"{module.relative_to(REPO)} finds files from its own place; use viewer.resources"
            )
