"""Decoding what mixpanel-browser puts on the wire: capped bodies, gzip, `data=` payloads, Basic auth."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from replay_api.errors import ApiError, bad_request
from replay_core import ingest as mixpanel
from replay_core.ingest import strict_json
from replay_core.reader import RecordingError, RecordingTooLarge, inflate_gzip

GZIP_MAGIC = b"\x1f\x8b"


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
    """Inflate a gzip body in bounded steps (413 past `limit`); also says whether it was one clean member."""
    try:
        return inflate_gzip(raw, limit)
    except RecordingTooLarge:
        raise _too_large("the inflated body", limit) from None
    except RecordingError as exc:
        raise bad_request(str(exc).replace("gzip data", "gzip body")) from None


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
