"""Writing small files so that a crash mid-write leaves the previous version intact, and checking a file
before reading it (no Qt)."""

from __future__ import annotations

import os
import stat
import tempfile
import time
from pathlib import Path

from replay_core.limits import MAX_FILE_BYTES


def write_atomically(path: Path, text: str, mode: int = 0o600) -> None:
    """Write a whole file or nothing; it is created with `mode`, so never readable by others first."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    try:
        if hasattr(os, "fchmod"):  # POSIX; Windows keeps these files in the user's profile instead
            os.fchmod(handle, mode)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def name_aside(path: Path, label: str) -> Path:
    """A free name beside `path` to keep it under: `NAME.<label>-<date-time>`, numbered if that is taken,
    so an earlier copy kept aside is never overwritten."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.{label}-{stamp}")
    count = 1
    while aside.exists():
        count += 1
        aside = path.with_name(f"{path.name}.{label}-{stamp}-{count}")
    return aside


def file_problem(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str | None:
    """Why `path` is not a file to read a recording from, in a few words, or None: checked with stat()
    before anything opens it, so a FIFO never blocks, a device is never read and a huge file never loaded."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return "no such file"
    except (OSError, ValueError) as exc:  # ValueError: a path with a NUL character
        return f"cannot be read ({_reason(exc)})"
    if stat.S_ISDIR(found.st_mode):
        return "a folder, not a file"
    if not stat.S_ISREG(found.st_mode):
        return f"not a regular file (a {_kind(found.st_mode)})"
    if found.st_size > max_bytes:
        return f"too large ({found.st_size / 1e9:.1f} GB; at most {max_bytes / 1e9:.1f} GB is read)"
    try:  # a regular file: opening it cannot block; its permissions may still keep us out
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
    except OSError as exc:
        return f"cannot be read ({_reason(exc)})"
    return None


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"
