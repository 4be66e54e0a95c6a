"""The one error type request handlers raise, answered as JSON `{"status": 0, "error": "..."}`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """A request we refuse, with the HTTP status and a message naming the problem."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class ErrorBody(BaseModel):
    """Every refusal's body: `status` is always 0, `error` one line naming the problem."""

    status: int
    error: str


_MEANINGS = {
    400: "The request is malformed or holds what the ingest rules refuse",
    401: "Missing or wrong credentials",
    403: "The key's scope does not allow this (deleting users and managing keys need an admin key)",
    404: "No such replay, user, key or asset in this project",
    413: "The body, inflated or not, is over the server's limits",
}


def documented_errors(*statuses: int) -> dict[int | str, dict[str, object]]:
    """The refusals a router's operations may answer, for its OpenAPI schema."""
    return {status: {"model": ErrorBody, "description": _MEANINGS[status]} for status in statuses}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": 0, "error": message}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.message, exc.headers)

    async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()]
        return error_response(400, "; ".join(problems) or "invalid request")

    async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(exc.status_code, str(exc.detail), dict(exc.headers or {}))

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)


def without_validation_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI documents a 422 for every operation with parameters; ours answer 400 (see
    `install_error_handlers`), which each router documents. Drop the 422s and their schemas."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    schemas = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return schema
