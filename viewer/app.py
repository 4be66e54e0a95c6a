"""The one composition root: settings, the player window, and the Qt application around them."""

from __future__ import annotations

import sys
from pathlib import Path

from viewer.player.environment import sandbox_problem
from viewer.settings import load_settings


def run_app(open_target: str | None) -> int:
    problem = sandbox_problem()
    if problem:
        print(f"replay-viewer: error: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    from viewer.player.scheme import PlayerUnavailable, check_player_installed, register_player_scheme

    try:
        check_player_installed()
    except PlayerUnavailable as exc:
        print(f"replay-viewer: error: {exc}", file=sys.stderr)
        return 2
    register_player_scheme()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Replay Viewer")
    app.setOrganizationName("replay-viewer")
    from viewer.ui.player_window import PlayerWindow

    window = PlayerWindow(load_settings())
    if open_target:
        window.open_path(Path(open_target))
    window.show()
    return int(app.exec())
