"""Video export (issue 14): a 2-minute clip at 10 fps, 1280x800, H.264 MP4, rendered frame by frame.

The clip is 20-140 s of the preact fixture (25,765 events, most of them mutations: a page that keeps
changing). The export runs in this process exactly as `replay-viewer export` does (viewer.export), so
its own timings say where the time goes: the page seeking and painting each frame (render), grabbing
the view until the frame's strip shows and copying the pixels (grab), and the encoder (encode). The
figure is speed as a multiple of real time: video seconds made per second of wall time (goal: >= 2x).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.make_long_recordings import RECORDINGS
from replay_core import Recording, read_recording
from replay_core.clip import plan_clip
from tests.paths import RRWEB_FIXTURES
from viewer.export.options import Output
from viewer.player.environment import sandbox_problem, use_offscreen_platform

FIXTURE = next(p for p in RRWEB_FIXTURES if "preact_long-mutations" in p.name)
FROM_S, TO_S, FPS, SIZE = 20.0, 140.0, 10.0, (1280, 800)
GOAL_TIMES_REAL_TIME = 2.0
BUSY_TO_S = 120.0  # the first 2 minutes of the long recording, when it has been made


def main() -> dict[str, Any]:
    problem = sandbox_problem()
    if problem:
        raise RuntimeError(problem)
    use_offscreen_platform()
    figures = {"preact": _measure(FIXTURE.name, read_recording(FIXTURE), FROM_S, TO_S)}
    busy = RECORDINGS / "busy-2h-no-checkout.json"
    if busy.is_file():  # made by `python -m bench keyframes` (bench/make_long_recordings.py)
        recording = read_recording(busy)
        origin = recording.start_ts
        recording.events = [e for e in recording.events if e["timestamp"] - origin <= (BUSY_TO_S + 1) * 1000]
        figures["busy"] = _measure(busy.name, recording, 0.0, BUSY_TO_S)
    return figures


def _measure(name: str, recording: Recording, from_s: float, to_s: float) -> dict[str, Any]:
    from viewer.export.exporter import export_clip

    plan = plan_clip(recording.duration_ms, FPS, from_ms=from_s * 1000, to_ms=to_s * 1000)
    frames = len(plan.frames)
    cpu: dict[str, float] = {}

    def at_the_last_frame(done: int, total: int) -> None:
        if done == total:  # the player's processes still run: count their CPU time now
            cpu.update(_cpu_parts(cpu_before, _tree_cpu_s()))

    load_before = os.getloadavg()[0]
    cpu_before = _tree_cpu_s()  # this process has run earlier work (reading, another clip): count from here
    with tempfile.TemporaryDirectory() as folder:
        output = Output(Path(folder) / "clip.mp4", "mp4")
        started = time.perf_counter()
        timings = export_clip(recording, plan, output, SIZE, remote_assets=False, progress=at_the_last_frame)
        wall = time.perf_counter() - started
        file_bytes = output.path.stat().st_size
    frames_s = wall - timings.load
    figures = {
        "clip": f"{name} {from_s:g}-{to_s:g} s, {FPS:g} fps, {SIZE[0]}x{SIZE[1]}, mp4",
        "frames": frames,
        "frames_drawn": frames - timings.reused,
        "video_s": plan.duration_s,
        "wall_s": round(wall, 2),
        "times_real_time": round(plan.duration_s / wall, 2),
        "times_real_time_after_load": round(plan.duration_s / frames_s, 2),
        "goal_times_real_time": GOAL_TIMES_REAL_TIME,
        "load_s": round(timings.load, 2),
        "per_frame_ms": {
            "render": round(timings.render / frames * 1000, 1),
            "grab": round(timings.grab / frames * 1000, 1),
            "encode": round(timings.encode / frames * 1000, 1),
            "other": round((frames_s - timings.render - timings.grab - timings.encode) / frames * 1000, 1),
        },
        "page_answer_ms_per_frame": round(timings.answer / frames * 1000, 1),
        "regrabs_per_frame": round(timings.regrabs / frames, 2),
        # CPU seconds of this process (Qt, Chromium's browser side, the encoder) and of Chromium's child
        # processes (the page), per frame; the machine's load average says how much of the cores the run had.
        "cpu_ms_per_frame": {part: round(seconds / frames * 1000, 1) for part, seconds in cpu.items()},
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "file_mb": round(file_bytes / 1e6, 2),
    }
    print(
        f"{name}: {frames} frames ({frames - timings.reused} drawn, {plan.duration_s:g} s of video) in {wall:.1f} s: "
        f"{figures['times_real_time']}x real time (goal {GOAL_TIMES_REAL_TIME:g}x); per frame ms "
        f"{figures['per_frame_ms']}, load {timings.load:.1f} s, {figures['regrabs_per_frame']} regrabs per frame, "
        f"{figures['file_mb']} MB; CPU ms per frame {figures['cpu_ms_per_frame']}; "
        f"load average {figures['load_average']}",
        flush=True,
    )
    return figures


def _tree_cpu_s() -> dict[int, float]:
    """CPU seconds (user + system) so far of this process and of each of its descendants, by pid."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    mine = {os.getpid()}
    changed = True
    while changed:
        changed = False
        for pid, (parent, _) in stats.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                changed = True
    return {pid: stats[pid][1] for pid in mine if pid in stats}


def _cpu_parts(before: dict[int, float], after: dict[int, float]) -> dict[str, float]:
    """CPU seconds spent between two snapshots: this process, its child processes (Chromium's), both."""
    spent = {pid: seconds - before.get(pid, 0.0) for pid, seconds in after.items()}
    python = spent.pop(os.getpid(), 0.0)
    chromium = sum(spent.values())
    return {"python": python, "chromium": chromium, "all": python + chromium}


if __name__ == "__main__":
    main()
