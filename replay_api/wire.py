"""Decoding what mixpanel-browser puts on the wire: capped bodies, gzip, `data=` payloads, Basic auth."""

from __future__ import annotations

import zlib
from typing import Any

from fastapi import Request

from replay_api.errors import ApiError, bad_request
from viewer.recording import mixpanel
from viewer.recording.mixpanel import strict_json
from viewer.recording.reader import RecordingError

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 256 << 10


def _too_large(what: str, limit: int) -> ApiError:
    return ApiError(413, f"{what} is larger than the {limit} byte limit")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise _too_large("the request body", limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large("the request body", limit)
    return bytes(body)


def inflate(raw: bytes, limit: int) -> tuple[bytes, bool]:
    """Inflate a gzip body in bounded steps; also says whether `raw` was one clean gzip member."""
    out = bytearray()
    rest = raw
    members = 0
    while rest.startswith(GZIP_MAGIC):
        rest = _inflate_member(rest, out, limit)
        members += 1
    if rest.strip(b"\x00"):
        raise bad_request("the gzip body has trailing bytes that are not gzip")
    return bytes(out), members == 1 and not rest


def _inflate_member(data: bytes, out: bytearray, limit: int) -> bytes:
    """Append one gzip member of `data` to `out`, never past `limit`; return the bytes after it."""
    inflater = zlib.decompressobj(wbits=31)
    view = memoryview(data)
    pos = 0
    try:
        while not inflater.eof and (pos < len(view) or inflater.unconsumed_tail):
            if inflater.unconsumed_tail:
                piece: bytes | memoryview = inflater.unconsumed_tail
            else:
                piece = view[pos : pos + _CHUNK]
                pos += len(piece)
            # max_length is at least 1 here: 0 would mean "no limit" to zlib.
            out += inflater.decompress(piece, limit + 1 - len(out))
            if len(out) > limit:
                raise _too_large("the inflated body", limit)
    except zlib.error as exc:
        raise bad_request(f"corrupt gzip body ({exc})") from None
    if not inflater.eof:
        raise bad_request("truncated gzip body: the compressed stream ends early")
    return inflater.unused_data + bytes(view[pos:])


def loads(data: bytes | str, what: str) -> Any:
    """Parse JSON strictly (no NaN/Infinity), as a 400 naming `what` on failure."""
    try:
        return strict_json(data, what)
    except RecordingError as exc:
        raise bad_request(str(exc)) from None


def clean_text(value: str, limit: int) -> str:
    """Text every database stores: no lone surrogates (not UTF-8), no NUL (PostgreSQL refuses it), bounded."""
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")[:limit]


def basic_auth_token(authorization: str) -> str:
    """The user part of `Authorization: Basic base64("<token>:")`, or "" when absent or malformed."""
    return mixpanel.basic_auth_token(authorization) or ""


def bearer_token(authorization: str) -> str:
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def decode_data_payload(body: bytes, query_data: str | None) -> list[dict[str, Any]]:
    """The items of a /track/ or /engage/ request: `data=` (base64 or JSON) in the body or query, or JSON."""
    try:
        document = mixpanel.decode_data_payload(body, query_data)
    except RecordingError as exc:
        raise bad_request(str(exc)) from None
    items = document if isinstance(document, list) else [document]
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise bad_request(f"item {index} of 'data' is a {type(item).__name__}, not an object")
    return items
