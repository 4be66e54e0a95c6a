"""`replay-viewer export`: a replay, or a clip of it, as an MP4, WebM or GIF rendered frame by frame.

Every frame is the replay at its exact recording time (the player paused there, then grabbed), never a
screen capture of playback, so a clip is the same on a busy machine as on an idle one.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
import time

from replay_core import inactive_spans
from replay_core.clip import ClipError, plan_clip
from viewer.commands.assets import cached_assets
from viewer.commands.targets import looks_like_a_file, recording_for
from viewer.errors import CommandError, UsageError
from viewer.export.options import default_size, output_for, parse_size
from viewer.player.environment import sandbox_problem, use_offscreen_platform
from viewer.settings import read_settings


def run_export(args: argparse.Namespace) -> int:
    output = output_for(args.out)
    size = parse_size(args.size, output.format) if args.size else None
    if not math.isfinite(args.timeout) or args.timeout <= 0:
        raise UsageError("--timeout must be a finite number of seconds above zero")
    problem = sandbox_problem()
    if problem:
        raise CommandError(problem)
    recording, _ = recording_for(args.target)
    # A cached replay's recorded images, stylesheets and fonts from the asset cache (the page never fetches).
    assets = None if looks_like_a_file(args.target) else cached_assets(args.target)
    spans = inactive_spans(recording.events) if args.skip_inactivity else []
    try:
        plan = plan_clip(
            recording.duration_ms,
            args.fps,
            from_ms=_ms(args.start),
            to_ms=None if args.end is None else _ms(args.end),
            speed=args.speed,
            skip=spans,
        )
    except ClipError as exc:
        raise UsageError(str(exc)) from None
    size = size or default_size(recording.viewport, output.format)
    use_offscreen_platform()
    from viewer.export.exporter import export_clip

    settings = read_settings()
    if settings.notice:
        print(f"replay-viewer: warning: {settings.notice}", file=sys.stderr)
    # The app's Cancel stops the export with SIGTERM, a terminal with Ctrl+C: both only raise a flag that
    # the export reads between frames (an exception raised by the handler itself could land in a Qt
    # callback, which swallows it), then it ends as interrupted and removes its temporary file.
    stop = threading.Event()
    handlers = {sig: signal.signal(sig, lambda _s, _f: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    started = time.perf_counter()
    try:
        export_clip(
            recording,
            plan,
            output,
            size,
            cursor=not args.no_cursor,
            remote_assets=settings.value.load_remote_assets,
            progress=_machine_progress if args.progress else _terminal_progress,
            timeout_s=args.timeout,
            stop=stop,
            assets=assets,
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    if sys.stderr.isatty() and not args.progress:
        sys.stderr.write("\n")
    took = time.perf_counter() - started
    print(
        f"{output.path}: {len(plan.frames)} frames, {plan.duration_s:.1f} s of video at {size[0]}x{size[1]}, "
        f"made in {took:.1f} s"
    )
    return 0


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _machine_progress(done: int, total: int) -> None:
    """`progress DONE TOTAL` lines on stdout, for the app's export dialog."""
    sys.stdout.write(f"progress {done} {total}\n")
    sys.stdout.flush()


def _terminal_progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\rframe {done}/{total}")
        sys.stderr.flush()
