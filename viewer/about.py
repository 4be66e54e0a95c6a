"""What `replay-viewer --version` and Help → About say: the versions that run and where the app keeps things.

Qt-free: the Qt and Chromium versions come from package metadata here; the About box adds the
Chromium version Qt WebEngine reports at run time.
"""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path

from viewer import paths, resources

APP = "replay-viewer"


def _distribution(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def rrweb_version(packages: Path | None = None) -> str | None:
    """The version of the rrweb the player page loads, or None when the player is not installed."""
    try:
        folder = packages if packages is not None else resources.player_packages()
        found = json.loads((folder / "rrweb" / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, resources.ResourcesUnavailable):
        return None
    version = found.get("version") if isinstance(found, dict) else None
    return version if isinstance(version, str) else None


def versions() -> dict[str, str]:
    """Name → version of what makes up this app; a part that is missing says so."""
    missing = "not installed"
    return {
        APP: _distribution(APP) or "unknown",
        "Python": platform.python_version(),
        "PySide6 (Qt)": _distribution("PySide6-Essentials") or missing,
        "Qt WebEngine": _distribution("PySide6-WebEngine") or _distribution("PySide6-Addons") or missing,
        "rrweb": rrweb_version() or "missing (run make setup)",
    }


def locations() -> dict[str, Path]:
    return {"data": paths.data_dir(), "settings": paths.config_dir(), "logs": paths.log_dir()}


def about_lines() -> list[str]:
    found = versions()
    lines = [f"{APP} {found.pop(APP)}"]
    lines += [f"{name} {version}" for name, version in found.items()]
    lines += [f"{what}: {where}" for what, where in locations().items()]
    return lines
