"""The freedesktop entry: Replay Viewer in the desktop's menu, with its icon, opening replay-viewer:// links.

One installer for a clone (`make setup` runs scripts/install-desktop-entry, which calls this) and for an
installed wheel (`replay-viewer install-desktop-entry`): the entry's template and the icon come from the
app's resources, and the entry runs the `replay-viewer` beside the Python that runs this.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from viewer import resources
from viewer.files import write_atomically

ENTRY_NAME = "replay-viewer.desktop"
ICON_NAME = "replay-viewer.svg"
LINK_TYPE = "x-scheme-handler/replay-viewer"


@dataclass(frozen=True)
class Installed:
    entry: Path
    icon: Path
    registered: bool  # xdg-mime now names the entry as the handler of replay-viewer:// links


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def command_path() -> Path:
    """The `replay-viewer` of this installation (its venv's bin folder, as pip and pipx make it)."""
    return Path(sys.executable).parent / "replay-viewer"


def _desktop_quote(path: Path) -> str:
    text = str(path)
    if not any(c in text for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    return f'"{escaped}"'


def entry_text(command: Path, icon: Path, as_root: bool) -> str:
    # Chromium will not start its sandbox as root; the entry says so as `make run` does.
    prefix = "env QTWEBENGINE_DISABLE_SANDBOX=1 " if as_root else ""
    template = resources.desktop_entry_template().read_text(encoding="utf-8")
    return (
        template.replace("@EXEC@", prefix + _desktop_quote(command))
        .replace("@TRYEXEC@", str(command))
        .replace("@ICON@", str(icon))
    )


def install(home: Path | None = None, command: Path | None = None) -> Installed:
    """Write the entry and the icon under `home` (XDG_DATA_HOME) and make it the replay-viewer:// handler."""
    home = home or data_home()
    command = command or command_path()
    icon = home / "icons" / "hicolor" / "scalable" / "apps" / ICON_NAME
    entry = home / "applications" / ENTRY_NAME
    icon.parent.mkdir(parents=True, exist_ok=True)
    entry.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(icon, resources.icon_path().read_text(encoding="utf-8"), mode=0o644)
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    write_atomically(entry, entry_text(command, icon, as_root), mode=0o644)
    _quietly(["update-desktop-database", "-q", str(entry.parent)])
    registered = _quietly(["xdg-mime", "default", ENTRY_NAME, LINK_TYPE], env={"XDG_DATA_HOME": str(home)})
    return Installed(entry, icon, registered)


def _quietly(args: list[str], env: dict[str, str] | None = None) -> bool:
    """Run a desktop tool if it is there; whether it ran and succeeded (a desktop without it is fine)."""
    if shutil.which(args[0]) is None:
        return False
    try:
        done = subprocess.run(
            args, capture_output=True, timeout=30, env={**os.environ, **(env or {})}, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
