"""The asset cache commands (issue 18): `assets fetch ID` fetches a cached replay's images, stylesheets and
fonts into the cache; `assets status ID` says how many the cache has and which are missing, from which
hosts and why. No Qt here."""

from __future__ import annotations

import argparse
import json
import sys

from viewer.commands.cache import open_cache
from viewer.errors import CommandError
from viewer.storage.assets import AssetStatus


def _allowed_hosts(args: argparse.Namespace) -> list[str]:
    from viewer.settings import load_settings

    return [*load_settings().asset_hosts_allowed, *(args.allow_host or [])]


def _print_missing(missing: dict[str, str]) -> None:
    for url, reason in sorted(missing.items()):
        print(f"  missing {url}: {reason.removeprefix(url + ': ')}")


def run_assets_fetch(args: argparse.Namespace) -> int:
    from viewer.sync.assets import AssetRefused, fetch_into_cache

    with open_cache() as cache:
        try:
            done = fetch_into_cache(cache, args.replay_id, _allowed_hosts(args))
        except AssetRefused as exc:
            raise CommandError(str(exc)) from None
        status = cache.asset_status(args.replay_id)
    print(
        f"{args.replay_id}: {status.found} assets in the cache ({done.fetched} fetched now, {done.bytes:,} bytes; "
        f"{done.reused} kept from before), {len(status.missing)} missing"
    )
    _print_missing(status.missing)
    return 0


def status_json(replay_id: str, status: AssetStatus) -> dict[str, object]:
    return {
        "replay_id": replay_id,
        "found": status.found,
        "bytes": status.bytes,
        "missing": len(status.missing),
        "missing_hosts": status.missing_hosts,
        "missing_urls": status.missing,
    }


def run_assets_status(args: argparse.Namespace) -> int:
    with open_cache() as cache:
        if cache.get_replay(args.replay_id) is None:
            raise CommandError(f"no replay {args.replay_id!r} in the cache")
        status = cache.asset_status(args.replay_id)
        total = cache.assets_bytes()
    if args.json:
        json.dump({**status_json(args.replay_id, status), "cache_bytes": total}, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    hosts = f" (from {', '.join(status.missing_hosts)})" if status.missing else ""
    print(f"{args.replay_id}: {status.found} assets in the cache ({status.bytes:,} bytes), "
          f"{len(status.missing)} missing{hosts}; the asset cache holds {total:,} bytes")  # fmt: skip
    _print_missing(status.missing)
    return 0


def cached_assets(replay_id: str) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """A cached replay's assets as the player serves them (ReplayView.show_events)."""
    with open_cache() as cache:
        return cache.replay_assets(replay_id)
