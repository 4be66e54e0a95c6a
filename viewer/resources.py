"""Where the app's runtime files are: one lookup, through package resources, for a clone and a wheel alike.

The files live in the package `replay_viewer_resources` (the repository's `resources/` folder, mapped
in pyproject.toml). An editable install (`make setup`) finds that folder in the clone; an installed
wheel carries a copy with the rrweb files the build fetched with npm. No path here is computed from
where this module sits, so the app never depends on being run from a clone.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from viewer.errors import CommandError

PACKAGE = "replay_viewer_resources"


class ResourcesUnavailable(CommandError):
    """The resource package is not installed (or not as files on disk)."""


def root() -> Path:
    """The folder of the installed resource package."""
    try:
        found = resources.files(PACKAGE)
    except ModuleNotFoundError as exc:
        raise ResourcesUnavailable(
            f"the app's resources ({PACKAGE}) are not installed; reinstall replay-viewer (or run `make setup`)"
        ) from exc
    # pip installs packages as files, never zipped: the player and Qt read these as ordinary files.
    if not isinstance(found, Path):
        raise ResourcesUnavailable(f"the app's resources ({PACKAGE}) are not files on disk ({found})")
    return found


def player_dir() -> Path:
    """The player page: index.html, player.js, player.css, keyframes.js."""
    return root() / "player"


def player_packages() -> Path:
    """The npm package the player page loads (rrweb) and its dependencies, as installed from the lock file."""
    return player_dir() / "node_modules"


def icon_path() -> Path:
    """The application's icon (SVG)."""
    return root() / "icons" / "replay-viewer.svg"


def desktop_entry_template() -> Path:
    """The freedesktop .desktop entry, with @EXEC@ and @ICON@ to fill in."""
    return root() / "desktop" / "replay-viewer.desktop"


def demo_file() -> Path:
    """The first-run demo replays."""
    return root() / "demo" / "demo-replays.json.gz"
