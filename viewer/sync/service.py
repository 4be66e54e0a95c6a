"""The facade the app drives from a background thread: sync every source, and the status line to show."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from replay_core.access import SCOPE_ALLOWS
from viewer.config.sync_json import DEFAULT_BUDGET_BYTES
from viewer.storage import ReplayCache
from viewer.sync.client import KeyInfo, ReplayApiClient
from viewer.sync.sources import Source, SyncConfig, api_key, load_config, remember_key
from viewer.sync.syncer import Progress, Syncer, SyncReport
from viewer.sync.transport import RetryPolicy, ServerError, SyncError, Transport

log = logging.getLogger(__name__)
TransportFactory = Callable[[str, str], Transport]
KeyLookup = Callable[[str], "str | None"]


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows; the app reads it after each progress call or sync."""

    syncing: bool = False
    done: int = 0
    total: int = 0
    last_success_ms: int | None = None
    last_error: str | None = None
    offline: bool = False
    failing_replays: int = 0  # replays a server could not serve, waiting to be tried again

    def text(self, now_ms: int | None = None) -> str:
        """ "Syncing 12/40 replays", "Synced 14:02 · 1 replay could not be downloaded (retrying)", ..."""
        if self.syncing:
            return f"Syncing {self.done}/{self.total} replays" if self.total else "Syncing…"
        text = self._outcome(round(time.time() * 1000) if now_ms is None else now_ms)
        if self.failing_replays:
            plural = "replay" if self.failing_replays == 1 else "replays"
            text += f" · {self.failing_replays} {plural} could not be downloaded (retrying)"
        return text

    def _outcome(self, now_ms: int) -> str:
        if self.offline:
            return f"Offline — last synced {_ago(self.last_success_ms, now_ms)}"
        if self.last_error:
            return f"Sync failed: {self.last_error}"
        if self.last_success_ms is None:
            return "Not synced yet"
        return "Synced " + datetime.fromtimestamp(self.last_success_ms / 1000).strftime("%H:%M")


def _ago(then_ms: int | None, now_ms: int) -> str:
    if then_ms is None:
        return "never"
    minutes = max(0, now_ms - then_ms) // 60_000
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    return f"{hours} h ago" if hours < 48 else f"{hours // 24} days ago"


def default_transport(base_url: str, key: str) -> Transport:
    return Transport(base_url, key)


def sync_all(
    cache: ReplayCache,
    sources: Sequence[Source],
    progress: Progress | None = None,
    *,
    budget_bytes: int = DEFAULT_BUDGET_BYTES,
    key_lookup: KeyLookup = api_key,
    transport_factory: TransportFactory = default_transport,
) -> list[SyncReport]:
    """Sync each source in turn; progress is (replays done, replays known so far) over all of them."""
    reports: list[SyncReport] = []
    offset = (0, 0)
    for source in sources:
        key = key_lookup(source.name)
        if not key:
            reports.append(SyncReport(source.name, errors=[_no_key(source.name)]))
            continue
        step = _shifted(progress, offset)
        with transport_factory(source.url, key) as transport:
            client = ReplayApiClient(transport)
            syncer = Syncer(cache, client, source.name, budget_bytes=budget_bytes, progress=step)
            report = syncer.run()
            if report.ok:
                report.key = _key_info(client)
            reports.append(report)
        offset = (offset[0] + syncer.done, offset[1] + syncer.total)
    return reports


def _key_info(client: ReplayApiClient) -> KeyInfo | None:
    """The key's name and scope; None from a server that does not say (one older than `GET /api/v1/key`)."""
    try:
        return client.key()
    except SyncError as exc:
        log.info("the server did not describe its key: %s", exc)
        return None


def check_key(url: str, key: str, transport_factory: TransportFactory | None = None) -> KeyInfo:
    """Ask a server, once and at once, what it makes of a key: SyncError (ServerError 401 for a key it
    refuses, OfflineError when it cannot be reached) or the key's name and scope."""
    factory = transport_factory or (
        lambda base, secret: Transport(base, secret, retry=RetryPolicy(attempts=1))
    )
    with factory(url.strip().rstrip("/"), key.strip()) as transport:
        return ReplayApiClient(transport).key()


@dataclass(frozen=True)
class KeyCheck:
    """What adding a source learnt of its key: the key (a read or admin key), a refusal, or a doubt."""

    key: KeyInfo | None = None
    refused: str | None = None  # the server refuses the key: the source is not added
    warning: str | None = None  # the key could not be checked now; the next sync will

    def describe(self) -> str:
        if self.key is None:
            return "key not checked"
        who = f" '{self.key.name}'" if self.key.name else " (the project's secret)"
        allows = SCOPE_ALLOWS.get(self.key.scope, "")  # type: ignore[call-overload]
        return f"{self.key.scope} key{who}: {allows}"


def verify_key(url: str, key: str, transport_factory: TransportFactory | None = None) -> KeyCheck:
    """`check_key`, read for a person adding a source: a key the server refuses is named as refused."""
    try:
        return KeyCheck(key=check_key(url, key, transport_factory))
    except ServerError as exc:
        if exc.status in (401, 403):
            return KeyCheck(refused=f"the server at {url.strip()} refused this key ({exc})")
        return KeyCheck(warning=f"could not check the key now ({exc}); the next sync will")
    except SyncError as exc:
        return KeyCheck(warning=f"could not check the key now ({exc}); the next sync will")


def _shifted(progress: Progress | None, offset: tuple[int, int]) -> Progress:
    def step(done: int, total: int) -> None:
        if progress is not None:
            progress(offset[0] + done, offset[1] + total)

    return step


def _no_key(name: str) -> str:
    return f"no API key for source {name!r}: add it again with `replay-viewer source add`"


class SyncService:
    """Syncs the configured sources; safe to read `status()` from the UI thread while a sync runs."""

    def __init__(
        self,
        cache: ReplayCache,
        *,
        config: Callable[[], SyncConfig] = load_config,
        key_lookup: KeyLookup = api_key,
        transport_factory: TransportFactory = default_transport,
    ) -> None:
        self.cache = cache
        self._config = config
        self._key_lookup = key_lookup
        self._transport_factory = transport_factory
        self._lock = threading.Lock()
        self._status = SyncStatus(last_success_ms=self._stored_success(), failing_replays=self._failing())

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def _update(self, **changes: object) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]

    def _failing(self) -> int:
        """Replays of the configured sources that could not be downloaded and wait for a retry."""
        names = {source.name for source in self._config().sources}
        return sum(1 for fault in self.cache.replay_faults() if fault.source in names)

    def _stored_success(self) -> int | None:
        times = [self.cache.sync_state(s.name)[1] for s in self._config().sources]
        known = [t for t in times if t is not None]
        return max(known) if known else None

    def sync_all(self, progress: Progress | None = None) -> list[SyncReport]:
        """One sync of every source; `progress(done, total)` is called from this (the calling) thread."""
        config = self._config()

        def step(done: int, total: int) -> None:
            self._update(done=done, total=total)
            if progress is not None:
                progress(done, total)

        self._update(syncing=True, done=0, total=0)
        try:
            reports = sync_all(
                self.cache,
                config.sources,
                step,
                budget_bytes=config.disk_budget_bytes,
                key_lookup=self._key_lookup,
                transport_factory=self._transport_factory,
            )
        finally:
            self._update(syncing=False)
        self._finish(reports)
        return reports

    def _finish(self, reports: list[SyncReport]) -> None:
        for report in reports:
            if report.key is not None:
                remember_key(report.source, report.key.name, report.key.scope)
        errors = [f"{r.source}: {e}" for r in reports for e in r.errors]
        offline = bool(reports) and all(r.offline for r in reports)
        self._update(failing_replays=self._failing())
        if errors:
            self._update(last_error="; ".join(errors), offline=offline)
        else:
            self._update(last_error=None, offline=False, last_success_ms=round(time.time() * 1000))

    def ensure_events(self, replay_id: str) -> bool:
        """Fetch the events of a replay kept as metadata only (beyond the disk budget) before playing it.

        True when the replay can play; SyncError when its server cannot give them now.
        """
        if self.cache.has_events(replay_id):
            return True
        row = self.cache.get_replay(replay_id)
        if row is None:
            return False
        source = next((s for s in self._config().sources if s.name == row.source), None)
        key = self._key_lookup(row.source) if source else None
        if source is None or not key:
            raise SyncError(f"replay {replay_id} came from {row.source!r}, which is no longer configured")
        with self._transport_factory(source.url, key) as transport:
            return Syncer(self.cache, ReplayApiClient(transport), source.name).ensure_events(replay_id)

    def run_forever(
        self,
        stop: threading.Event,
        progress: Progress | None = None,
        on_report: Callable[[list[SyncReport]], None] | None = None,
    ) -> None:
        """Sync now and then every `interval_s` until `stop` is set (for `replay-viewer sync`)."""
        while not stop.is_set():
            reports = self.sync_all(progress)
            if on_report is not None:
                on_report(reports)
            stop.wait(self._config().interval_s)
