"""`replay-viewer frame`: render one moment of a recording headlessly, as a PNG or as text."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from replay_core import Recording, read_recording
from viewer.errors import CommandError
from viewer.files import file_problem
from viewer.player.environment import sandbox_problem, use_offscreen_platform
from viewer.settings import read_settings


def run_frame(args: argparse.Namespace) -> int:
    if not math.isfinite(args.at) or args.at < 0:
        raise CommandError(f"--at must be a finite number of seconds, zero or more (got {args.at})")
    if not math.isfinite(args.timeout) or args.timeout <= 0:
        raise CommandError("--timeout must be a finite number of seconds above zero")
    return render_frame(args.target, at_s=args.at, png=args.png, text=args.text, timeout_s=args.timeout)


def render_frame(target: str, at_s: float, png: str | None, text: bool, timeout_s: float = 60.0) -> int:
    problem = sandbox_problem()
    if problem:
        raise CommandError(problem)
    recording = _recording_for(target)
    at_ms = at_s * 1000.0
    if at_ms > recording.duration_ms + 0.5:
        raise CommandError(
            f"--at {at_s:g} s is past the end of the recording ({recording.duration_ms / 1000:.1f} s)"
        )
    if png:
        _check_writable(Path(png))
    use_offscreen_platform()
    from viewer.player.moment import MomentRenderer

    settings = read_settings()
    if settings.notice:
        print(f"replay-viewer: warning: {settings.notice}", file=sys.stderr)
    renderer = MomentRenderer.start(remote_assets=settings.value.load_remote_assets)
    try:
        renderer.show(recording, timeout_s)
        renderer.seek(at_ms, timeout_s)
        if png:
            renderer.save_png(Path(png))
        else:
            sys.stdout.write(renderer.text(timeout_s).visible + "\n")
    finally:
        renderer.close()
    return 0


def _recording_for(target: str) -> Recording:
    """A recording file, or else the id of a replay in the cache."""
    path = Path(target)
    if _exists(path) or any(sep in target for sep in ("/", "\\")) or target.endswith((".json", ".gz")):
        problem = file_problem(path)
        if problem:
            raise CommandError(f"{_shown(target)}: {problem}")
        return read_recording(path)
    from viewer.storage import ReplayCache
    from viewer.storage.chunks import DamagedReplay

    try:
        target.encode("utf-8")
    except UnicodeEncodeError:
        raise CommandError(f"{_shown(target)}: no such file (and not valid UTF-8 for a replay id)") from None
    with ReplayCache.open() as cache:
        if cache.get_replay(target) is None:
            raise CommandError(f"{_shown(target)}: no such file, and no replay with that id in the cache")
        if not cache.has_events(target):
            raise CommandError(
                f"replay {_shown(target)} has no events in the cache yet; open it in the app to fetch them"
            )
        try:
            events = cache.events(target)
        except DamagedReplay as exc:
            raise CommandError(str(exc)) from None
        return Recording(events=events, name=target)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long for the file system, a NUL character
        return False


def _shown(text: str, limit: int = 120) -> str:
    """An argument as it may be shown on one line: printable, and cut when it is long."""
    shown = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\n", "\\n")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise CommandError(f"{path} is a folder; give a file name for the PNG")
    if not path.parent.exists():
        raise CommandError(f"{path.parent} does not exist")
