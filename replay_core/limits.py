"""Caps on untrusted input, declared once: file sizes, and how many JSON objects and arrays a body may hold.

Parsing JSON builds one Python object per value: `[{},{},…]` is 3 bytes per dict of ~64 bytes, so 30 MB of
it is 10 million dicts and gigabytes of memory before any check can look at them. The caps here are checked
*before* parsing, on the bytes, at C speed: the number of `{` and `[` bytes anywhere (inside strings too) is
an upper bound on the number of objects and arrays the parser would build. Real rrweb JSON holds one
container per 20-90 bytes (the densest fixture, 25,765 mutation events in 5.4 MB, has 234,000), so the caps
sit far above real data and far below what would exhaust memory.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
import zlib
from pathlib import Path
from urllib.parse import parse_qs

# A recording file (JSON, NDJSON, gzip, capture) larger than this on disk is refused before it is read.
MAX_FILE_BYTES = 1 << 30
# Objects and arrays in one recording file. A 2-hour recording (73,000 events, 58 MB) holds ~2.5 million.
MAX_CONTAINERS_PER_FILE = 10_000_000
# Objects and arrays in one request body to the server. The SDK sends at most 1000 events per /record/
# batch (a 1000-event slice of the densest fixture holds ~9,000; a big page's FullSnapshot ~100,000);
# a body past the cap gets 413, on which the SDK halves the batch.
MAX_CONTAINERS_PER_REQUEST = 1_000_000
_GZIP_MAGIC = b"\x1f\x8b"
_STEP = 1 << 20  # bytes of output inflated at a time while counting


class TooManyContainers(ValueError):
    """A body holding more JSON objects and arrays than its cap (a RecordingTooLarge in the reader)."""


def count_containers(data: bytes | bytearray | memoryview) -> int:
    """An upper bound on the JSON objects and arrays in `data` (braces inside strings count too)."""
    raw = data if isinstance(data, (bytes, bytearray)) else bytes(data)
    return raw.count(b"{") + raw.count(b"[")


def containers_message(limit: int, what: str = "the recording") -> str:
    return f"{what} holds more than {limit:,} JSON objects and arrays (the limit)"


def check_containers(data: bytes | bytearray, limit: int, what: str = "the recording") -> None:
    """TooManyContainers when `data` may hold more than `limit` objects and arrays."""
    if count_containers(data) > limit:
        raise TooManyContainers(containers_message(limit, what))


def check_body_containers(body: bytes, limit: int, max_inflated: int, what: str = "the request body") -> None:
    """Refuse a request body (gzip or not, JSON or a `data=` form, plain or base64) that may hold more than
    `limit` JSON objects and arrays, without building any of them and without holding its whole inflated
    text unless it is a form. Bodies this cannot read are left to the real parser and its messages."""
    if body.startswith(_GZIP_MAGIC):
        text = _inflated_head_counted(body, limit, max_inflated, what)
        if not text:
            return  # JSON, counted while inflating; or not gzip the parser can read
    else:
        text = body
    check_containers(text, limit, what)
    if text.lstrip()[:1] not in (b"[", b"{"):
        payload = _form_data_payload(text)
        if payload is not None:
            check_containers(payload, limit, what)


def _inflated_head_counted(body: bytes, limit: int, max_inflated: int, what: str) -> bytes | None:
    """Inflate gzip `body` step by step counting containers; TooManyContainers as soon as the count passes
    `limit`. Returns the inflated text only when it is a form (whose base64 must be decoded to be counted),
    b"" when it is JSON (already counted), None when it is not readable gzip (the parser will say why)."""
    kept = bytearray()
    form: bool | None = None
    count = 0
    produced = 0
    rest = body
    try:
        while rest.startswith(_GZIP_MAGIC):
            inflater = zlib.decompressobj(wbits=31)
            piece = rest
            while True:
                out = inflater.decompress(piece, _STEP)
                produced += len(out)
                if produced > max_inflated:
                    return None  # the parser refuses it by its inflate cap
                if form is None and out.strip():
                    form = out.lstrip()[:1] not in (b"[", b"{")
                count += count_containers(out)
                if count > limit:
                    raise TooManyContainers(containers_message(limit, what))
                if form:
                    kept += out
                if inflater.eof or not (out or piece):
                    break
                piece = inflater.unconsumed_tail  # b"" once all is given: what zlib still holds
            if not inflater.eof:
                return None
            rest = inflater.unused_data
    except zlib.error:
        return None
    return bytes(kept)


def _form_data_payload(text: bytes) -> bytes | None:
    """The decoded `data=` field of a form body (JSON, or base64 of it), or None when there is none."""
    try:
        fields = parse_qs(text.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return None
    data = fields.get("data", [""])[0].strip()
    if not data or data.startswith(("[", "{")):
        return data.encode("utf-8", "replace") if data else None
    cleaned = data.replace(" ", "+").replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        return None


def regular_file_problem(path: Path, info: os.stat_result, max_bytes: int = MAX_FILE_BYTES) -> str | None:
    """Why the file `info` describes cannot be read as a recording (not a regular file, too large), or None."""
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        return f"{path}: is a folder, not a recording file"
    if stat.S_ISFIFO(mode):
        return f"{path}: is a pipe (FIFO), not a recording file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return f"{path}: is a device, not a recording file"
    if stat.S_ISSOCK(mode):
        return f"{path}: is a socket, not a recording file"
    if not stat.S_ISREG(mode):
        return f"{path}: is not a regular file"
    if info.st_size > max_bytes:
        return f"{path}: is {info.st_size:,} bytes, larger than the {max_bytes:,}-byte limit for a recording file"
    return None

# The asset cache (replay_core.assets, issue 18): the app fetches what recordings reference into its cache.
# One image, stylesheet or font larger than this is refused (read streaming: the fetch stops at the cap).
MAX_ASSET_BYTES = 10 << 20
# The assets of one replay, together; what comes after the cap is left unfetched (and said so).
MAX_REPLAY_ASSET_BYTES = 50 << 20
# Every asset kept, together; past it the least recently fetched go, except those of replays in a collection.
MAX_ASSET_CACHE_BYTES = 1 << 30
# URLs looked at per replay (a page with 10,000 distinct images gets its first 500).
MAX_ASSETS_PER_REPLAY = 500
# @imports followed from a fetched stylesheet, in depth.
MAX_CSS_IMPORT_DEPTH = 3
