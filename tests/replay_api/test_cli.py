"""`replay-api create-project` and `replay-api serve` as a user runs them, in subprocesses."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.paths import REPO
from tests.replay_api.helpers import T0, basic, gz, rrweb_batch

CLI = [sys.executable, "-m", "replay_api.cli"]


def _run(*args: str, env_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"REPLAY_API_DATA_DIR": str(env_dir), "PATH": "/usr/bin:/bin"}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, cwd=REPO, env=env)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_create_project_prints_token_and_secret_and_refuses_a_taken_token(tmp_path: Path) -> None:
    created = _run("create-project", "shop", "--token", "site-token", env_dir=tmp_path)
    assert created.returncode == 0, created.stderr
    lines = dict(line.split(": ", 1) for line in created.stdout.splitlines())
    assert lines["token"] == "site-token" and lines["secret"].startswith("rsk_")
    assert (tmp_path / "replay-api.sqlite3").is_file(), "the default database lives in the data folder"
    again = _run("create-project", "other", "--token", "site-token", env_dir=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip().count("\n") == 0 and "already exists" in again.stderr


def test_serve_answers_ingest_and_serves_openapi(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    created = _run("create-project", "shop", "--db", db, env_dir=tmp_path)
    secret = dict(line.split(": ", 1) for line in created.stdout.splitlines())
    port = _free_port()
    env = {"REPLAY_API_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    serve = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--db", db], cwd=REPO, env=env, stderr=subprocess.PIPE
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                openapi = httpx.get(f"{base}/openapi.json")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and serve.poll() is None, "the server did not start"
                time.sleep(0.1)
        assert {"/record/", "/track/", "/api/v1/changes", "/api/v1/replays/{replay_id}/events"} <= set(
            openapi.json()["paths"]
        )
        params = {"replay_id": "cli", "seq": "0", "distinct_id": "u"}
        sent = httpx.post(
            f"{base}/record/",
            params=params,
            headers=basic(secret["token"]),
            content=gz(rrweb_batch(T0, 5, True)),
        )
        assert sent.status_code == 200
        feed = httpx.get(f"{base}/api/v1/changes", headers={"Authorization": f"Bearer {secret['secret']}"})
        assert [c["id"] for c in feed.json()["changes"]] == ["cli"]
    finally:
        serve.terminate()
        serve.wait(timeout=20)


def _worker_processes(pid: int) -> int:
    """How many worker processes uvicorn's supervisor `pid` has spawned (not its resource tracker)."""
    count = 0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            parent = (proc / "stat").read_text().rsplit(")", 1)[1].split()[1]
            command = (proc / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        count += parent == str(pid) and b"spawn_main" in command
    return count


def _wait_until_serving(base: str, serve: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/openapi.json")
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline and serve.poll() is None, "the server did not start"
            time.sleep(0.1)


def test_serve_with_two_workers_stores_a_batch_sent_to_both_once(tmp_path: Path, db_url: str) -> None:
    # The plain postgresql:// form a user types (the driver is implied).
    db = db_url.replace("postgresql+psycopg://", "postgresql://")
    created = _run("create-project", "shop", "--db", db, env_dir=tmp_path)
    assert created.returncode == 0, created.stderr
    secret = dict(line.split(": ", 1) for line in created.stdout.splitlines())
    port = _free_port()
    env = {"REPLAY_API_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    command = [*CLI, "serve", "--port", str(port), "--db", db, "--workers", "2", "--log-level", "warning"]
    serve = subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(base, serve)
        assert _worker_processes(serve.pid) == 2
        body = gz(rrweb_batch(T0, 5, True))
        params = {"replay_id": "sent-twice", "seq": "0", "distinct_id": "u"}
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(
                    lambda _: httpx.post(f"{base}/record/", params=params, headers=basic(secret["token"]), content=body),
                    range(8),
                )
            )
        assert [a.status_code for a in answers] == [200] * 8
        query = {"Authorization": f"Bearer {secret['secret']}"}
        feed = httpx.get(f"{base}/api/v1/changes", headers=query).json()["changes"]
        assert [(c["id"], c["data"]["batch_count"]) for c in feed] == [("sent-twice", 1)]
    finally:
        serve.terminate()
        serve.wait(timeout=30)


def test_project_set_assets_turns_capture_on_with_its_hosts_and_refuses_a_url(tmp_path: Path) -> None:
    assert _run("create-project", "shop", env_dir=tmp_path).returncode == 0
    on = _run("project", "set-assets", "shop", "--capture", "on", "--allow-host", "Shop.Example",
              "--allow-private-host", "127.0.0.1", env_dir=tmp_path)  # fmt: skip
    assert on.returncode == 0, on.stderr
    assert on.stdout.splitlines() == ["capture: on", "hosts: shop.example, 127.0.0.1 (private)"]
    # The hosts stay until others are given.
    off = _run("project", "set-assets", "shop", "--capture", "off", env_dir=tmp_path)
    assert off.stdout.splitlines() == ["capture: off", "hosts: shop.example, 127.0.0.1 (private)"]
    bad = _run("project", "set-assets", "shop", "--allow-host", "https://shop.example/", env_dir=tmp_path)
    assert bad.returncode == 1 and bad.stderr.strip().count("\n") == 0 and "not a host name" in bad.stderr
    shown = _run("project", "set-assets", "shop", env_dir=tmp_path)
    assert shown.stdout.splitlines() == off.stdout.splitlines()  # the refused change stored nothing
