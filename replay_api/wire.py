"""HTTP around the ingest rules of `replay_core.ingest`: capped bodies, refusals as statuses, credentials."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from replay_api.errors import ApiError, bad_request
from replay_core import ingest as mixpanel
from replay_core.reader import RecordingError, RecordingTooLarge


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


@contextmanager
def refused_as_http() -> Iterator[None]:
    """The ingest rules' refusals as HTTP answers with the same one-line message: 413 for a body that
    inflates past the limit, 400 for anything else."""
    try:
        yield
    except RecordingTooLarge as exc:
        raise ApiError(413, str(exc)) from None
    except RecordingError as exc:
        raise bad_request(str(exc)) from None


def basic_auth_token(authorization: str) -> str:
    """The user part of `Authorization: Basic base64("<token>:")`, or "" when absent or malformed."""
    return mixpanel.basic_auth_token(authorization) or ""


def bearer_token(authorization: str) -> str:
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""
