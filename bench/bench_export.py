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

from replay_core import read_recording
from replay_core.clip import plan_clip
from tests.paths import RRWEB_FIXTURES
from viewer.export.options import Output
from viewer.player.environment import sandbox_problem, use_offscreen_platform

FIXTURE = next(p for p in RRWEB_FIXTURES if "preact_long-mutations" in p.name)
FROM_S, TO_S, FPS, SIZE = 20.0, 140.0, 10.0, (1280, 800)
GOAL_TIMES_REAL_TIME = 2.0


def main() -> dict[str, Any]:
    problem = sandbox_problem()
    if problem:
        raise RuntimeError(problem)
    use_offscreen_platform()
    from viewer.export.exporter import export_clip

    recording = read_recording(FIXTURE)
    plan = plan_clip(recording.duration_ms, FPS, from_ms=FROM_S * 1000, to_ms=TO_S * 1000)
    frames = len(plan.frames)
    cpu: dict[str, float] = {}

    def at_the_last_frame(done: int, total: int) -> None:
        if done == total:  # the player's processes still run: count their CPU time now
            cpu.update(_tree_cpu_s())

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        output = Output(Path(folder) / "clip.mp4", "mp4")
        started = time.perf_counter()
        timings = export_clip(recording, plan, output, SIZE, remote_assets=False, progress=at_the_last_frame)
        wall = time.perf_counter() - started
        file_bytes = output.path.stat().st_size
    frames_s = wall - timings.load
    figures = {
        "clip": f"{FIXTURE.name} {FROM_S:g}-{TO_S:g} s, {FPS:g} fps, {SIZE[0]}x{SIZE[1]}, mp4",
        "frames": frames,
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
        # CPU seconds of this process and the player's (Chromium) processes, per frame: what two idle
        # cores would have to spend; the machine's load average says how much of them the run had.
        "cpu_ms_per_frame": {name: round(seconds / frames * 1000, 1) for name, seconds in cpu.items()},
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "file_mb": round(file_bytes / 1e6, 2),
    }
    print(
        f"{frames} frames ({plan.duration_s:g} s of video) in {wall:.1f} s: {figures['times_real_time']}x real time "
        f"(goal {GOAL_TIMES_REAL_TIME:g}x); per frame ms {figures['per_frame_ms']}, load {timings.load:.1f} s, "
        f"{figures['regrabs_per_frame']} regrabs per frame, {figures['file_mb']} MB; "
        f"CPU ms per frame {figures['cpu_ms_per_frame']}; load average {figures['load_average']}"
    )
    return figures


def _tree_cpu_s() -> dict[str, float]:
    """CPU seconds (user + system) so far of this process and of its child processes, by name."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        stats[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick)
    mine, totals = {os.getpid()}, {"python": 0.0, "chromium": 0.0}
    changed = True
    while changed:
        changed = False
        for pid, (parent, _, _) in stats.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                changed = True
    for pid in mine:
        if pid in stats:
            _, name, seconds = stats[pid]
            totals["python" if pid == os.getpid() else "chromium"] += seconds
    totals["all"] = totals["python"] + totals["chromium"]
    return totals


if __name__ == "__main__":
    main()
