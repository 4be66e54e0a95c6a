"""A token no project can have (a NUL, whitespace, 300 characters) is an unknown token, 401, on every
backend: on PostgreSQL it reached the database and came back as a 503 "busy" (found by fuzzing), which
the SDK retries for ever. A project cannot be created with such a token either."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.replay_api.helpers import T0, basic, gz, rrweb_batch
from tests.replay_api.server import RunningServer

ODD_TOKENS = ["\x00", "tok\x00en", "two words", "t" * 300, "../x"]


@pytest.mark.parametrize("token", ODD_TOKENS)
def test_an_impossible_token_is_unknown_not_a_busy_database(server: RunningServer, token: str) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        answers = [
            http.get("/flags/", params={"token": token}),
            http.get("/settings/", params={"token": token}),
            http.post(
                "/record/",
                params={"replay_id": "r1", "seq": "0", "format": "gzip"},
                content=gz(rrweb_batch(T0, 3, True)),
                headers=basic(token),
            ),
        ]
    for answer in answers:
        assert answer.status_code == 401, (answer.request.url, answer.status_code, answer.text)
        assert answer.json()["error"] in ("unknown project token", "missing project token")


def test_create_project_refuses_a_token_pages_could_not_use(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "replay-api"), "create-project", "shop", "--db", f"sqlite:///{tmp_path}/a.sqlite3",
         "--token", "two words"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "a project token must be" in done.stderr
