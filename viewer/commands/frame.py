"""`replay-viewer frame`: render moments of a recording headlessly, as PNGs or as text.

Several moments (`--at 90,10,3600`) are shown in one run, seeking from one to the next in the order
given, so a run exercises forward and backward seeks the way a person scrubbing does.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from viewer.commands.assets import cached_assets
from viewer.commands.targets import looks_like_a_file, recording_for, shown
from viewer.errors import CommandError
from viewer.player.environment import sandbox_problem, use_offscreen_platform
from viewer.settings import read_settings


def run_frame(args: argparse.Namespace) -> int:
    moments = parse_moments(args.at)
    if not math.isfinite(args.timeout) or args.timeout <= 0:
        raise CommandError("--timeout must be a finite number of seconds above zero")
    return render_frames(args.target, moments, png=args.png, text=args.text, timeout_s=args.timeout)


def parse_moments(text: str) -> list[float]:
    """`--at 1.5,90,0`: seconds, comma separated, each finite and zero or more, in the order given."""
    moments = []
    for part in text.split(","):
        try:
            moment = float(part.strip())
        except ValueError:
            moment = math.nan
        if not math.isfinite(moment) or moment < 0:
            got = shown(part.strip() or text, 40)
            raise CommandError(f"--at must be a finite number of seconds, zero or more (got {got})")
        moments.append(moment)
    return moments


def png_paths(out: str, moments: list[float]) -> list[Path]:
    """One moment writes OUT itself; several write OUT-1.png, OUT-2.png, … in the order given."""
    if len(moments) == 1:
        return [Path(out)]
    prefix = out.removesuffix(".png")
    return [Path(f"{prefix}-{index}.png") for index in range(1, len(moments) + 1)]


def render_frames(
    target: str, moments_s: list[float], png: str | None, text: bool, timeout_s: float = 60.0
) -> int:
    problem = sandbox_problem()
    if problem:
        raise CommandError(problem)
    recording, _ = recording_for(target)
    assets = None if looks_like_a_file(target) else cached_assets(target)  # a cached replay's, from the cache
    for at_s in moments_s:
        if at_s * 1000.0 > recording.duration_ms + 0.5:
            raise CommandError(
                f"--at {at_s:g} s is past the end of the recording ({recording.duration_ms / 1000:.1f} s)"
            )
    outputs = png_paths(png, moments_s) if png else []
    for path in outputs:
        _check_writable(path)
    use_offscreen_platform()
    from viewer.player.moment import MomentRenderer

    settings = read_settings()
    if settings.notice:
        print(f"replay-viewer: warning: {settings.notice}", file=sys.stderr)
    renderer = MomentRenderer.start(remote_assets=settings.value.load_remote_assets)
    several = len(moments_s) > 1
    try:
        renderer.show(recording, timeout_s, assets=assets)
        if several:
            # Every moment then seeks as the app does once a replay is open a while: from keyframes.
            renderer.wait_for_keyframes(max(timeout_s, 120.0))
        for index, at_s in enumerate(moments_s):
            renderer.seek(at_s * 1000.0, timeout_s)
            if several:
                sys.stdout.write(f"@ {at_s:g}\n")
            if png:
                renderer.save_png(outputs[index])
                if several:
                    sys.stdout.write(f"{outputs[index]}\n")
            else:
                sys.stdout.write(renderer.text(timeout_s).visible + "\n")
            sys.stdout.flush()
    finally:
        renderer.close()
    return 0


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise CommandError(f"{path} is a folder; give a file name for the PNG")
    if not path.parent.exists():
        raise CommandError(f"{path.parent} does not exist")
