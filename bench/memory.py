"""Memory of a process tree from /proc: the resident (RSS) and proportional (PSS) sizes, sampled to a peak."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


def _parents() -> dict[int, int]:
    parents = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces; the parent pid follows it.
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def executable(pid: int) -> str:
    try:
        return os.readlink(PROC / str(pid) / "exe")
    except OSError:
        return ""


def _kib(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Footprint:
    rss_mb: float = 0.0
    pss_mb: float = 0.0
    processes: int = 0


def footprint(pids: list[int]) -> Footprint:
    rss = sum(_kib(PROC / str(pid) / "status", "VmRSS:") for pid in pids)
    pss = sum(_kib(PROC / str(pid) / "smaps_rollup", "Pss:") for pid in pids)
    return Footprint(rss / 1024, pss / 1024, len(pids))


class PeakMemory:
    """Samples the footprint of the processes `select()` names, every `interval_s`, keeping the peak."""

    def __init__(self, select: Callable[[], list[int]], interval_s: float = 0.1) -> None:
        self._select = select
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.peak = Footprint()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = footprint(self._select())
            if now.rss_mb > self.peak.rss_mb:
                self.peak.rss_mb, self.peak.processes = now.rss_mb, now.processes
            self.peak.pss_mb = max(self.peak.pss_mb, now.pss_mb)
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def our_processes() -> list[int]:
    """This process and its Qt WebEngine helpers."""
    me = os.getpid()
    return [me, *(pid for pid in descendants(me) if "QtWebEngine" in executable(pid))]


def chromium_processes() -> list[int]:
    """The chromium processes Playwright started under this process (not Playwright's own driver)."""
    return [pid for pid in descendants(os.getpid()) if "chromium" in executable(pid)]
