"""The server's OpenAPI document names every operation once, so clients generated from it can call each."""

from __future__ import annotations

import httpx

from tests.replay_api.server import RunningServer


def test_every_operation_has_its_own_id(server: RunningServer) -> None:
    schema = httpx.get(f"{server.base_url}/openapi.json", timeout=30).json()
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {"track_get", "track_post", "engage_get", "engage_post"} <= set(ids)


def test_every_operation_documents_the_refusals_it_answers(server: RunningServer) -> None:
    """A client generated from the schema learns the 400s and 401s it will get, in the shape they come
    in (`{status: 0, error}`), and no 422: a malformed parameter is answered 400 here."""
    schema = httpx.get(f"{server.base_url}/openapi.json", timeout=30).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert "422" not in answers, (method, path)
            if path == "/replays/{replay_id}":  # the share page: any id gets its page
                continue
            assert {"400", "401"} <= set(answers), (method, path, sorted(answers))
            for status in set(answers) - {"200"}:
                body = answers[status]["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
    error_body = schema["components"]["schemas"]["ErrorBody"]
    assert set(error_body["required"]) == {"status", "error"}
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        refused = http.get("/api/v1/changes", params={"limit": "many"})
        assert refused.status_code == 401 and set(refused.json()) == {"status", "error"}
