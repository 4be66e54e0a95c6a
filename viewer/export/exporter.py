"""One export from start to end: frames of the plan rendered, encoded to a temporary file, renamed at the end."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable

from replay_core import Recording
from replay_core.clip import ClipPlan
from viewer.errors import CommandError, UsageError
from viewer.export.encode import BackgroundWriter, VideoWriter
from viewer.export.options import Output, temporary_path
from viewer.export.render import Assets, FrameSource, Timings, bgra_bytes
from viewer.player.controller import format_duration

Progress = Callable[[int, int], None]  # frames done, frames in all


def caption_for(skipped_ms: float) -> str:
    return f"skipped {format_duration(skipped_ms)}" if skipped_ms > 0 else ""


def export_clip(
    recording: Recording,
    plan: ClipPlan,
    output: Output,
    size: tuple[int, int],
    cursor: bool = True,
    remote_assets: bool = True,
    progress: Progress | None = None,
    timeout_s: float = 60.0,
    stop: threading.Event | None = None,
    assets: Assets | None = None,
) -> Timings:
    """Write `plan`'s frames to `output.path`; on any failure or interrupt nothing is left under either name.
    `stop`, once set, ends the export before its next frame with KeyboardInterrupt."""
    partial = temporary_path(output.path)
    try:
        # Claim the temporary name first: a folder we cannot write in fails here, before any rendering.
        partial.touch(exist_ok=False)
    except OSError as exc:
        raise UsageError(f"cannot write in {output.path.parent}: {exc.strerror or exc}") from None
    writer: BackgroundWriter | None = None
    source: FrameSource | None = None
    finished = False
    try:
        writer = BackgroundWriter(VideoWriter(partial, output.format, size[0], size[1], plan.fps))
        source = FrameSource(
            recording, size, cursor=cursor, remote_assets=remote_assets, timeout_s=timeout_s, assets=assets
        )
        timings = source.timings
        total = len(plan.frames)
        last_report = 0.0
        for index, planned in enumerate(plan.frames):
            if stop is not None and stop.is_set():
                raise KeyboardInterrupt
            image = source.frame(planned.at_ms, caption_for(planned.skipped_ms))
            started = time.perf_counter()
            writer.write(bgra_bytes(image))
            timings.encode += time.perf_counter() - started
            now = time.monotonic()
            if progress is not None and (now - last_report > 0.25 or index + 1 == total):
                last_report = now
                progress(index + 1, total)
        started = time.perf_counter()
        writer.close()
        writer = None
        timings.encode += time.perf_counter() - started
        os.replace(partial, output.path)
        finished = True
        return timings
    except OSError as exc:
        raise CommandError(f"could not write {output.path}: {exc.strerror or exc}") from None
    finally:
        if writer is not None:
            writer.abandon()
        if source is not None:
            source.close()
        if not finished:
            with contextlib.suppress(OSError):
                partial.unlink()
