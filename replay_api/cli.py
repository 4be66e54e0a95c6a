"""`replay-api serve` and `replay-api create-project`: the server's command line."""

from __future__ import annotations

import argparse
import os
import sys
import time

from replay_api.config import Settings, default_db_url


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="replay-api", description="The replay API server.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    serve.add_argument(
        "--retention-days", type=float, default=30.0, help="days a replay is kept (default 30)"
    )
    serve.add_argument(
        "--log-level", default="info", help="uvicorn log level; 'warning' drops the access log"
    )
    serve.add_argument(
        "--workers", type=_positive, default=1, help="worker processes sharing the port and database (default 1)"
    )
    create = commands.add_parser("create-project", help="create a project and print its token and secret key")
    create.add_argument("name", help="a name for people")
    create.add_argument("--token", help="reuse the token a site is already instrumented with")
    for command in (serve, create):
        command.add_argument("--db", help="SQLAlchemy database URL (default: SQLite in the data folder)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings(db_url=args.db or default_db_url())
        if args.command == "serve":
            return _serve(settings, args)
        return _create_project(settings, args.name, args.token)
    except Exception as exc:  # one clear line, not a traceback, for every failure
        print(f"replay-api: {exc}", file=sys.stderr)
        return 1


def _positive(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError("a whole number from 1 to 64")
    return int(text)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from replay_api.app import create_app, settings_to_environment
    from replay_api.db import Database

    settings.retention_days = args.retention_days
    if args.workers == 1:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)
        return 0
    if Database.is_in_memory(settings.db_url):
        raise ValueError("several workers need a database they share: a file or PostgreSQL, not :memory:")
    # Upgrade the schema once, here, so that a problem is one line before any worker starts.
    Database(settings.db_url).dispose()
    # Each worker process builds its app from the environment (uvicorn imports the factory by name).
    os.environ.update(settings_to_environment(settings))
    uvicorn.run(
        "replay_api.app:app_from_environment",
        factory=True,
        workers=args.workers,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
    )
    return 0


def _create_project(settings: Settings, name: str, token: str | None) -> int:
    from replay_api.db import Database
    from replay_api.projects import create_project

    db = Database(settings.db_url)
    try:
        project = create_project(db, name, int(time.time() * 1000), token=token)
    finally:
        db.dispose()
    print(f"project: {project.name}")
    print(f"token: {project.token}")
    print(f"secret: {project.secret}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
