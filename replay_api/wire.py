"""HTTP around the ingest rules of `replay_core.ingest`: capped bodies, refusals as statuses, credentials."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import anyio.to_thread
from fastapi import Request

from replay_api.errors import ApiError, bad_request
from replay_core import ingest as mixpanel
from replay_core.limits import MAX_CONTAINERS_PER_REQUEST, TooManyContainers, check_body_containers
from replay_core.reader import RecordingError, RecordingTooLarge


def _too_large(what: str, limit: int) -> ApiError:
    return ApiError(413, f"{what} is larger than the {limit} byte limit")


async def read_body(
    request: Request,
    limit: int,
    max_containers: int | None = None,
    max_inflated: int | None = None,
) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` bytes, or when it (inflated, its
    `data=` decoded) may hold more JSON objects and arrays than the server's cap: counted on the bytes
    before anything parses them, so a small body cannot make the server build millions of objects."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise _too_large("the request body", limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large("the request body", limit)
    settings = getattr(getattr(request.app.state, "replay_api", None), "settings", None)
    if max_containers is None:
        max_containers = getattr(settings, "max_body_containers", MAX_CONTAINERS_PER_REQUEST)
    if max_inflated is None:
        max_inflated = getattr(settings, "max_inflated_bytes", limit)
    data = bytes(body)
    del body
    try:
        await anyio.to_thread.run_sync(check_body_containers, data, max_containers, max_inflated)
    except TooManyContainers as exc:
        raise ApiError(413, str(exc)) from None
    return data


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
