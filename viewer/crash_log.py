"""The rotating log where an unexpected error leaves its traceback, for a command and for the app alike."""

from __future__ import annotations

import logging
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

from viewer import paths

LOG_NAME = "replay-viewer.log"
MAX_BYTES = 1_000_000
BACKUPS = 3


def log_path() -> Path:
    return paths.log_dir() / LOG_NAME


def log_unexpected(exc: BaseException, what: str) -> Path | None:
    """Append `what` and the traceback of `exc` to the log; the log's path, or None when it cannot be written."""
    try:
        path = log_path()
        handler = RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", errors="backslashreplace"
        )
    except (OSError, ValueError):
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("viewer.crash")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.error("%s:\n%s", what, "".join(traceback.format_exception(exc)).rstrip())
    finally:
        logger.removeHandler(handler)
        handler.close()
    return path


def one_line(exc: BaseException, limit: int = 300) -> str:
    """`Type: message` on one line of at most `limit` characters."""
    line = " ".join(f"{type(exc).__name__}: {exc}".split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def command_line() -> str:
    return " ".join(sys.argv[1:])[:500]
