"""What an export is asked for, checked before anything renders (no Qt): format, size, the output file.

The file is written under a temporary name in the same folder and renamed at the end, so a failed or
cancelled export leaves nothing behind and never a half-written video under the asked name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from viewer.errors import UsageError

FORMATS = {".mp4": "mp4", ".webm": "webm", ".gif": "gif"}
FORMAT_TITLES = {"mp4": "MP4 (H.264)", "webm": "WebM (VP9)", "gif": "GIF"}
DEFAULT_FPS = 10.0
MIN_SIDE, MAX_SIDE = 16, 4096


@dataclass(frozen=True)
class Output:
    path: Path
    format: str  # "mp4", "webm" or "gif"


def output_for(out: str) -> Output:
    """The format named by OUT's suffix, and a check that OUT can be written (raises UsageError)."""
    path = Path(out)
    video_format = FORMATS.get(path.suffix.lower())
    if video_format is None:
        raise UsageError(f"--out must end in .mp4, .webm or .gif (got {path.name or out!r})")
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a file name for the video")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"{folder} does not exist (or is not a folder)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{folder} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{path} exists and is not writable")
    return Output(path, video_format)


def parse_size(text: str, video_format: str) -> tuple[int, int]:
    """`1280x800`: whole pixels, each side 16..4096; even for MP4 and WebM (their 4:2:0 colour needs it)."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*", text)
    if match is None:
        raise UsageError(f"--size must be WIDTHxHEIGHT in pixels, like 1280x800 (got {text!r})")
    width, height = int(match[1]), int(match[2])
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise UsageError(f"--size sides must be {MIN_SIDE} to {MAX_SIDE} pixels (got {width}x{height})")
    if video_format != "gif" and (width % 2 or height % 2):
        raise UsageError(f"--size must be even for {video_format.upper()} (got {width}x{height})")
    return width, height


def default_size(viewport: tuple[int, int], video_format: str) -> tuple[int, int]:
    """The recorded viewport, within the limits (and even for MP4 and WebM)."""
    width, height = (min(max(side, MIN_SIDE), MAX_SIDE) for side in viewport)
    if video_format != "gif":
        width, height = width - width % 2, height - height % 2
    return width, height


def temporary_path(path: Path) -> Path:
    """A name beside `path` for the file while it is written (hidden, and unique to this process)."""
    return path.with_name(f".{path.stem}.part-{os.getpid()}{path.suffix}")
