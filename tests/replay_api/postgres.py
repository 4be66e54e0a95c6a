"""A throwaway PostgreSQL cluster for the tests: initdb into a temporary folder, postgres on 127.0.0.1."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

# Durability buys nothing in a cluster deleted after the run; without it each commit is not an fsync.
_FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


@dataclass
class Cluster:
    """A running cluster; `new_database()` gives each test an empty database of its own."""

    port: int
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database and return its SQLAlchemy URL (psycopg 3)."""
        name = f"test_{next(self._names)}"
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def drop_database(self, url: str) -> None:
        """Drop a database `new_database` made, closing what is still connected to it."""
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def find_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


def _as_cluster_owner(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; as root the cluster belongs to the `postgres` user instead.
    if os.geteuid() != 0:
        return command
    # setpriv execs in place, so signals sent to the child reach postgres itself.
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", *command]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_cluster(bin_dir: Path) -> Iterator[Cluster]:
    """Start a fresh cluster listening on 127.0.0.1 only (no Unix socket); stop and delete it on exit."""
    folder = Path(tempfile.mkdtemp(prefix="replay-api-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
    subprocess.run(_as_cluster_owner([*initdb, "--no-sync"]), check=True, capture_output=True, cwd=folder)
    port = _free_port()
    options = ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-p", str(port)]
    for setting in _FAST_SETTINGS:
        options += ["-c", setting]
    server = subprocess.Popen(
        _as_cluster_owner([str(bin_dir / "postgres"), "-D", str(data), *options]),
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        cluster = Cluster(port)
        _wait_until_ready(cluster, server)
        yield cluster
    finally:
        server.send_signal(signal.SIGINT)  # a "fast" shutdown: open client connections are closed
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        if server.stderr is not None:
            server.stderr.close()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_ready(cluster: Cluster, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with psycopg.connect(cluster.admin_url(), connect_timeout=2):
                return
        except psycopg.OperationalError:
            if server.poll() is not None:
                problem = server.stderr.read().decode(errors="replace") if server.stderr else ""
                raise RuntimeError(f"postgres did not start: {problem.strip()}") from None
            if time.monotonic() > deadline:
                raise RuntimeError("postgres did not accept connections within 60 s") from None
            time.sleep(0.1)
