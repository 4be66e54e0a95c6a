"""`replay-api serve`, `create-project`, `key create|list|revoke` and `project set-assets`: the server's command
line."""

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
    key = commands.add_parser("key", help="keys per person for the query API")
    key_commands = key.add_subparsers(dest="key_command", required=True)
    key_create = key_commands.add_parser("create", help="create a key and print it (shown this once)")
    key_create.add_argument("name", help="whose key it is")
    key_create.add_argument("--scope", choices=["read", "admin"], required=True, help="read, or admin as well")
    key_list = key_commands.add_parser("list", help="list the keys: scope, created, last used, revoked")
    key_revoke = key_commands.add_parser("revoke", help="revoke a key: refused from the next request on")
    key_revoke.add_argument("name")
    for command in (key_create, key_list, key_revoke):
        command.add_argument("--project", help="the project's name or token (needed with several projects)")
    project = commands.add_parser("project", help="a project's settings")
    project_commands = project.add_subparsers(dest="project_command", required=True)
    set_assets = project_commands.add_parser(
        "set-assets",
        help="capture the assets replays reference at ingest (off by default); prints the settings",
        description="Capture the images, stylesheets and fonts each replay references soon after it arrives, "
        "from the listed hosts only, for apps to sync with the replay. Hosts given replace the list.",
    )
    set_assets.add_argument("project", help="the project's name or token")
    set_assets.add_argument("--capture", choices=["on", "off"], help="turn capture on or off")
    set_assets.add_argument(
        "--allow-host", action="append", metavar="HOST", help="a host to capture from (public addresses only)"
    )
    set_assets.add_argument(
        "--allow-private-host", action="append", metavar="HOST",
        help="a host to capture from that may be on a loopback, private or link-local address",
    )  # fmt: skip
    for command in (serve, create, key_create, key_list, key_revoke, set_assets):
        command.add_argument("--db", help="SQLAlchemy database URL (default: SQLite in the data folder)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings(db_url=args.db or default_db_url())
        if args.command == "serve":
            return _serve(settings, args)
        if args.command == "key":
            return _key(settings, args)
        if args.command == "project":
            return _project(settings, args)
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


def _key(settings: Settings, args: argparse.Namespace) -> int:
    from replay_api.db import Database
    from replay_api.keys import create_key, find_project, list_keys, revoke_key

    db = Database(settings.db_url)
    now_ms = int(time.time() * 1000)
    try:
        project_id = find_project(db, args.project)
        if args.key_command == "create":
            made = create_key(db, project_id, args.name, args.scope, now_ms)
            print(f"name: {made.name}")
            print(f"scope: {made.scope}")
            print(f"key: {made.key}")
            print("The key is shown this once; only its hash is stored.", file=sys.stderr)
        elif args.key_command == "revoke":
            revoke_key(db, project_id, args.name, now_ms)
            print(f"revoked: {args.name}")
        else:
            for info in list_keys(db, project_id):
                state = f"revoked {_when(info.revoked_at)}" if info.revoked_at else "in use"
                used = _when(info.last_used_at) if info.last_used_at else "never"
                print(f"{info.name}\t{info.scope}\tcreated {_when(info.created_at)}\tlast used {used}\t{state}")
    finally:
        db.dispose()
    return 0


def _project(settings: Settings, args: argparse.Namespace) -> int:
    from replay_api.assets import set_policy
    from replay_api.db import Database
    from replay_api.keys import find_project

    db = Database(settings.db_url)
    try:
        project_id = find_project(db, args.project)
        hosts, private = args.allow_host, args.allow_private_host
        capture = None if args.capture is None else args.capture == "on"
        listed = hosts is not None or private is not None
        policy = set_policy(
            db, project_id, int(time.time() * 1000), capture, (hosts or []) if listed else None, private
        )
    finally:
        db.dispose()
    print(policy.describe())
    if policy.capture and not (policy.hosts or policy.private_hosts):
        print("No host is listed: nothing will be captured until one is (--allow-host).", file=sys.stderr)
    return 0


def _when(ms: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime((ms or 0) / 1000))


if __name__ == "__main__":
    raise SystemExit(main())
