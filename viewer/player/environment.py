"""Checks and settings the embedded Chromium needs before Qt starts."""

from __future__ import annotations

import os
import sys

SANDBOX_ENV = "QTWEBENGINE_DISABLE_SANDBOX"
FLAGS_ENV = "QTWEBENGINE_CHROMIUM_FLAGS"


def sandbox_problem() -> str | None:
    """Chromium refuses to run its process sandbox as root; say so in one line instead of crashing."""
    running_as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if running_as_root and os.environ.get(SANDBOX_ENV) != "1" and "--no-sandbox" not in flags:
        return (
            f"running as root, the embedded Chromium needs its sandbox disabled: set {SANDBOX_ENV}=1 "
            "(or run as a normal user)"
        )
    return None


def use_offscreen_platform() -> None:
    """Headless work (frame export) renders offscreen unless a platform was chosen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def display_problem() -> str | None:
    """A window needs a display; without one Qt would abort with a long message."""
    if os.environ.get("QT_QPA_PLATFORM") or not sys.platform.startswith("linux"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to open a window on (DISPLAY is not set); run it in a desktop session or under xvfb-run"
    )


def expose_page_gc() -> None:
    """V8's `gc()` for the player page, which collects once it has made a replay's keyframes (the build
    leaves ~350 MB of garbage on a 2-hour recording that V8 would otherwise keep). Recorded pages run no
    script, so only our page can call it. Must run before Qt WebEngine starts; a user's own `--js-flags`
    are left as they are."""
    flags = os.environ.get(FLAGS_ENV, "")
    if "--js-flags" not in flags:
        os.environ[FLAGS_ENV] = f"{flags} --js-flags=--expose-gc".strip()
