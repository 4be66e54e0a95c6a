"""`replay-viewer install-desktop-entry`: the app in the desktop's menu, with its icon and replay-viewer:// links.

No Qt here.
"""

from __future__ import annotations

import argparse

from viewer import desktop_entry
from viewer.errors import CommandError


def run_install_desktop_entry(_args: argparse.Namespace) -> int:
    try:
        done = desktop_entry.install()
    except OSError as exc:
        raise CommandError(f"the desktop entry could not be written ({exc.strerror or exc})") from None
    print(f"Installed {done.entry} (icon {done.icon})")
    if done.registered:
        print("replay-viewer:// links now open in Replay Viewer")
    else:
        print("replay-viewer:// links were not registered: xdg-mime is not installed or did not succeed")
    return 0
