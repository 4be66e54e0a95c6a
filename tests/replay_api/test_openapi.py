"""The server's OpenAPI document names every operation once, so clients generated from it can call each."""

from __future__ import annotations

import httpx

from tests.replay_api.server import RunningServer


def test_every_operation_has_its_own_id(server: RunningServer) -> None:
    schema = httpx.get(f"{server.base_url}/openapi.json", timeout=30).json()
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {"track_get", "track_post", "engage_get", "engage_post"} <= set(ids)
