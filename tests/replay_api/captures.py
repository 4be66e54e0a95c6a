"""Sending the fixtures' captured mixpanel-browser requests again, byte for byte, to a server."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

# Hop-by-hop or connection-specific headers: httpx sets its own.
_SKIP = {"host", "content-length", "connection", "accept-encoding"}


@dataclass(frozen=True)
class CapturedRequest:
    name: str
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    query: dict[str, str]
    # When the capture server had the whole request: what a server would take as its receive time.
    received_at_ms: int = 0

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


def load_capture(folder: Path) -> list[CapturedRequest]:
    return [_load(path) for path in sorted(folder.glob("*.req"))]


def _load(path: Path) -> CapturedRequest:
    data: dict[str, Any] = json.loads(path.read_text())
    query = dict(httpx.QueryParams(data.get("query_string", "")))
    headers = [(str(k), str(v)) for k, v in data["headers"] if k.lower() not in _SKIP]
    body = base64.b64decode(data.get("body_b64") or "")
    received = int(data.get("received_at_ms") or 0)
    return CapturedRequest(path.name, data["method"], data["target"], headers, body, query, received)


def send(client: httpx.Client, request: CapturedRequest) -> httpx.Response:
    return client.request(request.method, request.target, headers=request.headers, content=request.body)


def record_posts(requests: list[CapturedRequest]) -> list[CapturedRequest]:
    return [r for r in requests if r.method == "POST" and r.path.startswith("/record")]
