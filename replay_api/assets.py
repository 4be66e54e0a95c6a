"""Capturing the assets a replay references, at ingest (issue 18): optional, per project, hosts listed.

A project turned on (`replay-api project set-assets`) has each replay queued for capture when a batch
arrives (`queue_capture`, in the batch's transaction). Soon after (`Settings.asset_capture_delay_s`) a
background job, run by one worker at a time (`Database.turn`), reads the replay's events, collects their
asset URLs (replay_core.assets) and fetches them with the fetcher the app uses (replay_fetch), under the
same rules (replay_core.fetch_rules) narrowed to the project's hosts: a host not listed is never asked,
and a listed host on a loopback, private or link-local address only when it is listed as private. What it
gets is stored by sha256 (one copy however many replays use it) with the replay's URL map; the replay's
feed entry then carries `assets_at`, so that syncing apps ask for them. A replay's map goes with the
replay (user deletion, retention), and a content with the last replay that maps to it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from replay_api.db import Database, Writer, insert_if_absent
from replay_api.replays import REPLAY, batch_events_gz, batch_seqs, find_replay, replay_metadata
from replay_api.schema import asset_jobs, asset_policies, assets, replay_assets, replays
from replay_core import assets as asset_refs
from replay_core.fetch_rules import HostRules, host_name
from replay_fetch.fetcher import AssetFetcher, Fetched, fetch_replay_assets

log = logging.getLogger("replay_api")
# The job several workers take turns at (Database.turn).
CAPTURE = "asset-capture"
# Replays captured per turn; the rest wait for the next.
_JOBS_PER_TURN = 20
# A capture that failed unexpectedly is tried again after this, times its attempts.
_RETRY_MS = 60_000
_HOST_PROBLEM = ("/", "@", "?", "#", " ", "\\")


class AssetPolicyProblem(ValueError):
    """A policy the server cannot take (a host that is not a host name or address)."""


@dataclass(frozen=True)
class AssetPolicy:
    """A project's asset capture: on or off, the hosts it may fetch from, those of them that may be private."""

    capture: bool = False
    hosts: tuple[str, ...] = ()
    private_hosts: tuple[str, ...] = ()

    def rules(self) -> HostRules:
        return HostRules.make(
            private_ok=self.private_hosts,
            only=(*self.hosts, *self.private_hosts),
            hint="list it with --allow-private-host to capture from it",
            only_hint="not on the project's list of hosts to capture from",
        )

    def describe(self) -> str:
        hosts = [*self.hosts, *(f"{h} (private)" for h in self.private_hosts)]
        return f"capture: {'on' if self.capture else 'off'}\nhosts: {', '.join(hosts) or 'none'}"


def read_policy(conn: Connection, project_id: int) -> AssetPolicy:
    row = conn.execute(select(asset_policies).where(asset_policies.c.project_id == project_id)).first()
    if row is None:
        return AssetPolicy()
    listed = json.loads(row.hosts)
    return AssetPolicy(
        bool(row.capture),
        tuple(h["host"] for h in listed if not h.get("private")),
        tuple(h["host"] for h in listed if h.get("private")),
    )


def _checked_hosts(hosts: Iterable[str]) -> list[str]:
    names: list[str] = []
    for given in hosts:
        name = host_name(given)
        if not name or len(name) > 253 or any(c in name for c in _HOST_PROBLEM):
            raise AssetPolicyProblem(f"{given!r} is not a host name or address (no scheme, path or port)")
        if name not in names:
            names.append(name)
    return names


def set_policy(
    db: Database,
    project_id: int,
    now_ms: int,
    capture: bool | None = None,
    hosts: Iterable[str] | None = None,
    private_hosts: Iterable[str] | None = None,
) -> AssetPolicy:
    """Change a project's policy: what is None stays; host lists given replace the old ones together."""
    with db.write(now_ms) as writer:
        old = read_policy(writer.conn, project_id)
        if hosts is not None or private_hosts is not None:
            private = _checked_hosts(private_hosts or ())
            public = [h for h in _checked_hosts(hosts or ()) if h not in private]
        else:
            public, private = list(old.hosts), list(old.private_hosts)
        new = AssetPolicy(old.capture if capture is None else capture, tuple(public), tuple(private))
        listed = [{"host": h, "private": False} for h in public] + [{"host": h, "private": True} for h in private]
        values = {"capture": new.capture, "hosts": json.dumps(listed), "updated_at": now_ms}
        mine = asset_policies.c.project_id == project_id
        if writer.conn.execute(select(asset_policies.c.project_id).where(mine)).first() is None:
            writer.conn.execute(insert(asset_policies).values(project_id=project_id, **values))
        else:
            writer.conn.execute(update(asset_policies).where(mine).values(**values))
    return new


def queue_capture(writer: Writer, project_id: int, replay_id: str, delay_ms: int) -> None:
    """A batch of `replay_id` arrived: queue its capture when the project captures assets."""
    conn = writer.conn
    on = conn.execute(select(asset_policies.c.capture).where(asset_policies.c.project_id == project_id)).scalar()
    if not on:
        return
    job = {"project_id": project_id, "replay_id": replay_id, "due_at": writer.now_ms + delay_ms}
    made = insert_if_absent(conn, asset_jobs, {**job, "generation": 0, "attempts": 0}, ["project_id", "replay_id"])
    if made is None:  # queued already: a capture under way now is not the last
        mine = (asset_jobs.c.project_id == project_id) & (asset_jobs.c.replay_id == replay_id)
        conn.execute(update(asset_jobs).where(mine).values(generation=asset_jobs.c.generation + 1))


@dataclass(frozen=True)
class Captured:
    replay_id: str
    fetched: int  # contents got from the network in this capture
    mapped: int  # URLs of the replay with content
    missing: dict[str, str]  # URL -> why it was not captured


def capture_due(
    db: Database,
    now_ms: Callable[[], int],
    timeout_s: float,
    stop: threading.Event | None = None,
    limit: int = _JOBS_PER_TURN,
) -> list[Captured] | None:
    """Capture the assets of replays whose capture is due, in this worker if it has the turn (None if not)."""
    stop = stop or threading.Event()
    with db.turn(CAPTURE, wait=False) as mine:
        if not mine:
            return None
        with db.read() as conn:
            due = conn.execute(
                select(asset_jobs).where(asset_jobs.c.due_at <= now_ms()).order_by(asset_jobs.c.due_at).limit(limit)
            ).all()
        done: list[Captured] = []
        for job in due:
            if stop.is_set():
                break
            try:
                found = capture_replay(
                    db, int(job.project_id), str(job.replay_id), int(job.generation), now_ms, timeout_s, stop
                )
            except Exception:  # one replay's failure must not stop the others; it is tried again later
                log.exception("capturing the assets of replay %s failed", job.replay_id)
                with db.touch() as conn:
                    conn.execute(
                        update(asset_jobs)
                        .where(asset_jobs.c.id == job.id)
                        .values(attempts=job.attempts + 1, due_at=now_ms() + _RETRY_MS * (job.attempts + 1))
                    )
                continue
            if found is not None:
                done.append(found)
        return done


def capture_replay(
    db: Database,
    project_id: int,
    replay_id: str,
    generation: int,
    now_ms: Callable[[], int],
    timeout_s: float,
    stop: threading.Event,
) -> Captured | None:
    """Fetch and store one replay's assets (those not captured for it yet); None when there is nothing to
    do (capture turned off, the replay deleted)."""
    with db.read() as conn:
        policy = read_policy(conn, project_id)
        row = find_replay(conn, project_id, replay_id)
        events = _events(conn, int(row.id)) if row is not None and policy.capture else []
        kept = _mapped(conn, project_id, replay_id)
    if row is None or not policy.capture:
        with db.touch() as conn:
            _drop_job(conn, project_id, replay_id, None)
        return None
    refs = asset_refs.asset_urls(events)
    reused: set[str] = set()

    def reuse(url: str) -> Fetched | None:
        with db.read() as conn:
            found = _reusable(conn, project_id, url, kept.get(url), int(row.start_ms))
        if found is not None:
            reused.add(url)
        return found

    with AssetFetcher(rules=policy.rules(), total_timeout_s=timeout_s) as fetcher:
        got = fetch_replay_assets(refs, fetcher, reuse, stop=stop.is_set)
    if stop.is_set():
        return None  # the job stays queued for the next start
    return _store(db, project_id, replay_id, got.fetched, got.missing, reused, generation, now_ms())


def _events(conn: Connection, replay_pk: int) -> list[Any]:
    events: list[Any] = []
    for seq in batch_seqs(conn, replay_pk, -1):
        stored = batch_events_gz(conn, replay_pk, seq)
        if stored is not None:
            events += orjson.loads(gzip.decompress(stored))
    events.sort(key=lambda e: e.get("timestamp", 0) if isinstance(e, dict) else 0)
    return events


def _mapped(conn: Connection, project_id: int, replay_id: str) -> dict[str, str]:
    rows = conn.execute(
        select(replay_assets.c.url, replay_assets.c.hash).where(
            (replay_assets.c.project_id == project_id)
            & (replay_assets.c.replay_id == replay_id)
            & replay_assets.c.hash.is_not(None)
        )
    )
    return {row.url: row.hash for row in rows}


def _reusable(conn: Connection, project_id: int, url: str, own: str | None, not_before_ms: int) -> Fetched | None:
    """The content the replay already has for `url`, or one the project captured for it no earlier than the
    replay began (as close to what was recorded as a fetch now)."""
    query = select(assets).where(assets.c.hash == own) if own else (
        select(assets)
        .join(replay_assets, replay_assets.c.hash == assets.c.hash)
        .where(
            (replay_assets.c.project_id == project_id)
            & (replay_assets.c.url_hash == _url_hash(url))
            & (assets.c.fetched_at >= not_before_ms)
        )
        .order_by(assets.c.fetched_at)
        .limit(1)
    )  # fmt: skip
    row = conn.execute(query).first()
    return None if row is None else Fetched(url, row.content_type, bytes(row.data), row.hash)


def _store(
    db: Database,
    project_id: int,
    replay_id: str,
    fetched: list[Fetched],
    missing: list[Any],
    reused: set[str],
    generation: int,
    now: int,
) -> Captured | None:
    with db.write(now) as writer:
        conn = writer.conn
        row = find_replay(conn, project_id, replay_id, lock=True)
        if row is None:  # deleted while its assets were fetched
            _drop_job(conn, project_id, replay_id, None)
            return None
        before = _mapped(conn, project_id, replay_id)
        for item in fetched:
            _keep_content(conn, item, now)
            _map(conn, project_id, replay_id, item.url, item.sha256, "", now)
        for gone in missing:
            if gone.url not in before:
                _map(conn, project_id, replay_id, gone.url, None, gone.reason[:500], now)
        after = _mapped(conn, project_id, replay_id)
        if after != before:
            conn.execute(update(replays).where(replays.c.id == row.id).values(assets_at=now))
            fresh = conn.execute(select(replays).where(replays.c.id == row.id)).one()
            writer.record_change(project_id, REPLAY, replay_id, replay_metadata(fresh))
        _drop_job(conn, project_id, replay_id, generation)
    new = sum(1 for item in fetched if item.url not in reused)
    return Captured(replay_id, new, len(after), {m.url: m.reason for m in missing if m.url not in after})


def _keep_content(conn: Connection, item: Fetched, now: int) -> None:
    """Store a content once: a copy already there (the same sha256) stays as it is."""
    dialect_insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    values = {"hash": item.sha256, "content_type": item.content_type[:100], "size": len(item.body),
              "data": item.body, "fetched_at": now}  # fmt: skip
    conn.execute(dialect_insert(assets).values(**values).on_conflict_do_nothing(index_elements=["hash"]))


def _map(conn: Connection, project_id: int, replay_id: str, url: str, hash_: str | None, reason: str, now: int) -> None:
    key = _url_hash(url)
    values = {"url": url, "hash": hash_, "reason": reason, "tried_at": now}
    made = insert_if_absent(
        conn, replay_assets, {"project_id": project_id, "replay_id": replay_id, "url_hash": key, **values},
        ["project_id", "replay_id", "url_hash"],
    )  # fmt: skip
    if made is None:
        mine = (
            (replay_assets.c.project_id == project_id)
            & (replay_assets.c.replay_id == replay_id)
            & (replay_assets.c.url_hash == key)
        )
        conn.execute(update(replay_assets).where(mine).values(**values))


def _drop_job(conn: Connection, project_id: int, replay_id: str, generation: int | None) -> None:
    """The job is done, unless a batch arrived after its capture began (then it runs again)."""
    mine = (asset_jobs.c.project_id == project_id) & (asset_jobs.c.replay_id == replay_id)
    if generation is not None:
        mine = mine & (asset_jobs.c.generation == generation)
    conn.execute(delete(asset_jobs).where(mine))


def _url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def forget_replays(writer: Writer, project_id: int, replay_ids: list[str]) -> None:
    """The replays are being deleted: their maps and queued captures go, and contents nothing maps to now.

    Their rows are locked first, as a capture storing its result locks its replay's: a capture either ends
    before this (and its map goes here) or finds its replay gone."""
    conn = writer.conn
    theirs_r = (replays.c.project_id == project_id) & replays.c.replay_id.in_(replay_ids)
    conn.execute(select(replays.c.id).where(theirs_r).with_for_update()).all()
    theirs = (replay_assets.c.project_id == project_id) & replay_assets.c.replay_id.in_(replay_ids)
    removed = conn.execute(delete(replay_assets).where(theirs).returning(replay_assets.c.hash)).scalars()
    hashes = {h for h in removed if h is not None}
    conn.execute(
        delete(asset_jobs).where((asset_jobs.c.project_id == project_id) & asset_jobs.c.replay_id.in_(replay_ids))
    )
    if hashes:
        used = set(conn.execute(select(replay_assets.c.hash).where(replay_assets.c.hash.in_(hashes))).scalars())
        unused = sorted(hashes - used)
        if unused:
            conn.execute(delete(assets).where(assets.c.hash.in_(unused)))


def replay_asset_map(conn: Connection, project_id: int, replay_id: str) -> dict[str, Any]:
    """`{assets: {url: {sha256, content_type, size, fetched_at}}, missing: {url: reason}}` of a replay."""
    rows = conn.execute(
        select(replay_assets.c.url, replay_assets.c.hash, replay_assets.c.reason, assets.c.content_type,
               assets.c.size, assets.c.fetched_at)
        .outerjoin(assets, assets.c.hash == replay_assets.c.hash)
        .where((replay_assets.c.project_id == project_id) & (replay_assets.c.replay_id == replay_id))
        .order_by(replay_assets.c.url)
    ).all()  # fmt: skip
    found, missing = {}, {}
    for row in rows:
        if row.hash is not None and row.size is not None:
            found[row.url] = {
                "sha256": row.hash, "content_type": row.content_type, "size": row.size, "fetched_at": row.fetched_at
            }  # fmt: skip
        else:
            missing[row.url] = row.reason or "not captured"
    return {"assets": found, "missing": missing}


def asset_content(conn: Connection, project_id: int, sha256: str) -> tuple[str, bytes] | None:
    """A content a replay of the project maps to (never one only other projects use), or None."""
    used = (
        select(replay_assets.c.id)
        .where((replay_assets.c.project_id == project_id) & (replay_assets.c.hash == sha256))
        .limit(1)
    )
    if conn.execute(used).first() is None:
        return None
    row = conn.execute(select(assets.c.content_type, assets.c.data).where(assets.c.hash == sha256)).first()
    return None if row is None else (str(row.content_type), bytes(row.data))
