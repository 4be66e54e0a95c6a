"""The real replay API server fuzzed from its own OpenAPI schema (schemathesis): no 5xx, documented answers.

The schema is read from the running server's `/openapi.json`. The ingest routes read their request
themselves (query string, raw body), so the schema has nothing to say about what they take; the test
adds what mixpanel-browser sends them (the `/record/` parameters, `data=` payloads, JSON items) before
generating, so the cases reach past decoding. Half the cases carry valid credentials: the project token
(Basic auth, `properties.token`, `$token`, `token=`) on ingest routes, the Bearer secret key on query routes.

`make test` runs `REPLAY_FUZZ_EXAMPLES` (default 30) cases per operation, derandomized; `make fuzz` runs
10,000 per operation with fresh randomness.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.replay_api.helpers import T0, TOKEN, basic, gz, post_record, rrweb_batch
from tests.replay_api.server import RunningServer

EXAMPLES = int(os.environ.get("REPLAY_FUZZ_EXAMPLES", "30"))
# Positive cases hold what a page sends (valid ids, `data=` items with the token); negative ones anything else.
# The bounded run of `make test` is the same every time; a long run explores.
DERANDOMIZE = "REPLAY_FUZZ_EXAMPLES" not in os.environ

_TEXT = {"type": "string"}
_ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"}
# Times inside the accepted range (2000 to 2100, epoch ms) as well as any number.
_TIME = {"anyOf": [{"type": "number"}, {"type": "integer", "minimum": 946_684_800_000, "maximum": 4_102_444_800_000}]}
_ANY_OBJECT = {"type": "object"}
_IN_RANGE_MS = {"type": "integer", "minimum": 946_684_800_000, "maximum": 4_102_444_800_000}
# What a page sends after its first batch: events the player shows as markers, at valid times.
_CUSTOM_EVENT = {
    "type": "object",
    "properties": {
        "type": {"enum": [5]},
        "timestamp": _IN_RANGE_MS,
        "data": {"type": "object", "properties": {"tag": _TEXT, "payload": _ANY_OBJECT}, "required": ["tag"]},
    },
    "required": ["type", "timestamp", "data"],
}
# A first batch: a Meta and the smallest FullSnapshot a page can have.
_FIRST_BATCH = [
    {"type": 4, "timestamp": 1_700_000_000_000, "data": {"href": "https://shop.test/", "width": 800, "height": 600}},
    {
        "type": 2,
        "timestamp": 1_700_000_000_001,
        "data": {"node": {"type": 0, "id": 1, "childNodes": []}, "initialOffset": {"top": 0, "left": 0}},
    },
]
_RRWEB_EVENT = {
    "type": "object",
    "properties": {
        "type": {"type": "integer", "minimum": 0, "maximum": 7},
        "timestamp": _TIME,
        "data": _ANY_OBJECT,
    },
    "required": ["type", "timestamp", "data"],
}
_TRACK_ITEM = {
    "type": "object",
    "properties": {
        "event": _TEXT,
        "properties": {
            "type": "object",
            "properties": {
                "token": _TEXT,
                "time": _TIME,
                "distinct_id": _TEXT,
                "$insert_id": _TEXT,
                "$mp_replay_id": _TEXT,
            },
        },
    },
}
_ENGAGE_ITEM = {
    "type": "object",
    "properties": {
        "$token": _TEXT,
        "$distinct_id": _TEXT,
        "$set": _ANY_OBJECT,
        "$set_once": _ANY_OBJECT,
        "$unset": {"type": "array", "items": _TEXT},
        "$delete": _TEXT,
    },
}


def _query(*names: str, **schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """Optional query parameters: text unless given a schema."""
    typed = {**dict.fromkeys(names, _TEXT), **schemas}
    return [{"name": name, "in": "query", "required": False, "schema": schema} for name, schema in typed.items()]


# `data=` in a query string: one item of JSON with the project token (a page's GET).
_TRACK_DATA = (
    r'^\{"event":"[a-z]{1,9}","properties":\{"token":"' + TOKEN + r'","time":(17[0-9]{8}|17[0-9]{11})(\.[0-9]{1,3})?\}\}$'
)
_ENGAGE_DATA = r'^\{"\$token":"' + TOKEN + r'","\$distinct_id":"[a-z]{1,9}","\$set":\{"[a-z]{1,9}":[0-9]{1,30}\}\}$'


def _data_route(item: dict[str, Any], with_body: bool) -> dict[str, Any]:
    """What `/track/` and `/engage/` take: `data=` in the query or the body, or a JSON body."""
    pattern = _ENGAGE_DATA if item is _ENGAGE_ITEM else _TRACK_DATA
    data = {"type": "string", "pattern": pattern}
    operation: dict[str, Any] = {"parameters": _query("verbose", "ip", data=data)}
    if not with_body:  # a GET carries its items nowhere else
        operation["parameters"][-1]["required"] = True
    if with_body:
        operation["requestBody"] = {
            "content": {
                "application/json": {"schema": {"anyOf": [item, {"type": "array", "items": item}]}},
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "properties": {"data": _TEXT}}
                },
            }
        }
    return operation


def _ingest_documentation() -> dict[tuple[str, str], dict[str, Any]]:
    record_params = _query(
        "$device_id",
        "$user_id",
        "replay_start_url",
        "$lib_version",
        replay_start_time={"type": "string", "pattern": "^17[0-9]{8}([0-9]{3})?(\\.[0-9]{1,3})?$"},
        replay_id=_ID,
        distinct_id=_ID,
        seq={"type": "string", "pattern": "^[0-9]{1,3}$"},
        format={"enum": ["body"]},  # a JSON body; gzip bodies are sent by the other tests
    )
    for parameter in record_params:  # a page always sends these two
        parameter["required"] = parameter["name"] in ("replay_id", "seq")
    record_body = {
        "anyOf": [
            {"type": "array", "items": _RRWEB_EVENT, "minItems": 1},
            {"type": "array", "items": _CUSTOM_EVENT, "minItems": 1, "maxItems": 5},
            {"enum": [_FIRST_BATCH]},
        ]
    }
    return {
        ("/record/", "post"): {
            "parameters": record_params,
            "requestBody": {
                "content": {
                    "application/json": {"schema": record_body},
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                }
            },
        },
        ("/track/", "get"): _data_route(_TRACK_ITEM, with_body=False),
        ("/track/", "post"): _data_route(_TRACK_ITEM, with_body=True),
        ("/engage/", "get"): _data_route(_ENGAGE_ITEM, with_body=False),
        ("/engage/", "post"): _data_route(_ENGAGE_ITEM, with_body=True),
        ("/flags/", "get"): {"parameters": _query("token")},
        ("/flags/", "post"): {"parameters": _query("token")},
        ("/settings/", "get"): {"parameters": _query("token")},
    }


def load_schema(base_url: str) -> Any:
    """The server's own schema, with the ingest routes' inputs described and operation ids made unique."""
    raw = httpx.get(f"{base_url}/openapi.json", timeout=30).raise_for_status().json()
    documented = _ingest_documentation()
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            operation["operationId"] = f"{method}-{path}"
            extra = documented.get((path, method))
            if extra is not None:
                assert "requestBody" not in operation and not operation.get("parameters"), (path, method)
                operation.update(copy.deepcopy(extra))
    assert {(p, m) for p, ops in raw["paths"].items() for m in ops} >= set(documented)
    schema = schemathesis.openapi.from_dict(raw)
    schema.config.update(base_url=base_url)
    return schema


def _with_credentials(case: Any, server: RunningServer) -> None:
    """Valid credentials on a case: what a page or a viewer with the right token or key sends."""
    path = case.operation.path
    if path.startswith(("/api/", "/replays/")):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {server.project.secret}"}
        return
    case.headers = {**(case.headers or {}), **basic()}
    if path in ("/flags/", "/settings/"):
        case.query = {**(case.query or {}), "token": TOKEN}
    if path not in ("/track/", "/engage/"):
        return
    key, nested = ("properties", "token") if path == "/track/" else ("$token", None)
    items = case.body if isinstance(case.body, list) else [case.body]
    for item in items:
        if not isinstance(item, dict):
            continue
        if nested is None:
            item[key] = TOKEN
        elif isinstance(item.get(key), dict):
            item[key][nested] = TOKEN
        else:
            item[key] = {nested: TOKEN}


def _still_answers(server: RunningServer) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        assert http.get("/settings/", headers=basic()).status_code == 200
        response = post_record(http, "fuzz-after", 0, gz(rrweb_batch(T0, 3, True)))
        assert response.status_code == 200, response.text
        answer = http.get(
            "/api/v1/replays/fuzz-after", headers={"Authorization": f"Bearer {server.project.secret}"}
        )
        assert answer.status_code == 200, answer.text


# The checks that hold for every operation; where a route answers a documented status with another
# media type than the one FastAPI documents (`/track/`, `/engage/` answer plain `1`), only the first.
ALWAYS = [not_a_server_error]
CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]
PLAIN_ANSWER = {"/track/", "/engage/"}


def fuzz_operation(server: RunningServer, operation: Any, session: requests.Session) -> None:
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )
    checks = ALWAYS if operation.path in PLAIN_ANSWER else ALWAYS + CONFORMANCE

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(case=strategy, authorized=st.booleans())
    def run(case: Any, authorized: bool) -> None:
        if authorized:
            _with_credentials(case, server)
        case.call_and_validate(base_url=server.base_url, session=session, checks=checks, timeout=30)

    run()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


@pytest.mark.timeout(0 if not DERANDOMIZE else 300)
@pytest.mark.parametrize("surface", ["ingest", "query"])
def test_openapi_fuzz(server: RunningServer, session: requests.Session, surface: str) -> None:
    schema = load_schema(server.base_url)
    operations = [result.ok() for result in schema.get_all_operations()]
    ingest_paths = {path for path, _ in _ingest_documentation()}
    chosen = [op for op in operations if (op.path in ingest_paths) == (surface == "ingest")]
    assert len(chosen) >= 8, [op.label for op in chosen]
    for operation in chosen:
        fuzz_operation(server, operation, session)
        _still_answers(server)
