"""The one-line progress bar the commands draw on a terminal (and nowhere else)."""

from __future__ import annotations

from typing import TextIO

BAR_WIDTH = 30


class TerminalProgress:
    """`[#####.....] 3/10 label`, redrawn in place; silent when the stream is not a terminal."""

    def __init__(self, stream: TextIO, unit: str = "") -> None:
        self.stream = stream
        self.unit = unit
        self.enabled = stream.isatty()

    def show(self, done: int, total: int, label: str = "") -> None:
        if not self.enabled or total <= 0:
            return
        filled = round(BAR_WIDTH * min(done, total) / total)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        text = " ".join(part for part in (f"{done}/{total}", self.unit, label[:40]) if part)
        self.stream.write(f"\r[{bar}] {text}\x1b[K")
        self.stream.flush()

    def clear(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
