"""The disk budget keeps only metadata for the oldest replays; `ensure_events` fetches them when opened."""

from __future__ import annotations

import httpx

from tests.replay_api.server import RunningServer
from tests.sync.helpers import SOURCE, record_synthetic, server_state, sync, transport
from viewer.storage import ReplayCache
from viewer.sync.service import SyncService, SyncStatus
from viewer.sync.sources import Source, SyncConfig


def test_beyond_the_budget_only_metadata_and_events_on_demand(
    server: RunningServer, api: httpx.Client, cache: ReplayCache
) -> None:
    ids = record_synthetic(server, replays=4)
    first = sync(cache, server)
    per_replay = cache.events_stored_bytes() // 4
    # Room for two replays' events: the two oldest keep only their metadata.
    cache.evict_oldest(per_replay * 2 + per_replay // 2)
    assert [cache.has_events(i) for i in ids] == [False, False, True, True]
    row = cache.get_replay(ids[0])
    assert first.ok and row is not None and row.event_count == 40 and row.duration_ms > 0

    record_synthetic(server, replays=1, batches=3)  # synthetic-0000 gets a third batch: metadata only
    second = sync(cache, server, budget_bytes=per_replay * 3)
    assert second.ok and second.replays_metadata_only == 1 and not cache.has_events(ids[0])

    config = SyncConfig([Source(SOURCE, server.base_url)], disk_budget_bytes=per_replay * 3)
    service = SyncService(
        cache,
        config=lambda: config,
        key_lookup=lambda name: server.project.secret,
        transport_factory=lambda url, key: transport(server, url=url),
    )
    assert service.ensure_events(ids[0]) is True
    expected = server_state(api)["replays"][ids[0]]["events"]
    assert cache.events(ids[0]) == expected and len(expected) == 60


def test_service_status_for_the_status_bar(server: RunningServer, cache: ReplayCache) -> None:
    record_synthetic(server, replays=3)
    config = SyncConfig([Source(SOURCE, server.base_url)])
    seen: list[tuple[int, int]] = []
    urls = {"url": server.base_url}
    service = SyncService(
        cache,
        config=lambda: config,
        key_lookup=lambda name: server.project.secret,
        transport_factory=lambda url, key: transport(server, url=urls["url"]),
    )
    assert service.status().text() == "Not synced yet"
    reports = service.sync_all(lambda done, total: seen.append((done, total)))
    assert reports[0].ok and seen[-1] == (3, 3)
    assert service.status().text().startswith("Synced ")

    urls["url"] = "http://127.0.0.1:9"  # nothing listens there
    service.sync_all()
    status = service.status()
    assert (
        status.offline
        and status.text(status.last_success_ms + 5 * 60_000) == "Offline — last synced 5 min ago"
    )
    assert SyncStatus(syncing=True, done=12, total=40).text() == "Syncing 12/40 replays"
