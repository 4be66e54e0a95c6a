"""`replay-viewer frame`: render one moment of a recording headlessly, as a PNG or as text."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from replay_core import Recording, read_recording
from viewer.errors import CommandError
from viewer.player.environment import sandbox_problem, use_offscreen_platform
from viewer.settings import read_settings


def run_frame(args: argparse.Namespace) -> int:
    if args.at < 0:
        raise CommandError("--at must be zero or more seconds")
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
    if path.exists() or any(sep in target for sep in ("/", "\\")) or target.endswith((".json", ".gz")):
        return read_recording(path)
    from viewer.storage import ReplayCache

    with ReplayCache.open() as cache:
        if cache.get_replay(target) is None:
            raise CommandError(f"{target}: no such file, and no replay with that id in the cache")
        if not cache.has_events(target):
            raise CommandError(f"replay {target} has no events in the cache yet; open it in the app to fetch them")
        return Recording(events=cache.events(target), name=target)


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise CommandError(f"{path} is a folder; give a file name for the PNG")
    if not path.parent.exists():
        raise CommandError(f"{path.parent} does not exist")
