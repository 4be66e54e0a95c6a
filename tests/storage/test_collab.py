"""Comments and collections in the cache: refusals that store nothing, the outbox, removal with the
replay, the feed's search, and migration 0006 on a cache holding data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from replay_core.collab import CollabError
from tests.storage.helpers import DAY_MS, synthetic_events
from tests.storage.test_migrations import _cache_at_revision_0001
from viewer.storage import ReplayBatch, ReplayCache, ReplayQuery
from viewer.storage.collab import collab_outbox, collection_entries, comments
from viewer.storage.database import HEAD_REVISION, current_revision, make_engine, migrate

NOW_MS = 1_800_000_000_000


def _cache(tmp_path: Path) -> ReplayCache:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3", clock=lambda: NOW_MS / 1000)
    for who, start in (("ann", NOW_MS - DAY_MS), ("bob", NOW_MS - 40 * DAY_MS)):
        # 10 s long: Meta and FullSnapshot, then a move every second
        cache.add_batch(ReplayBatch(f"r-{who}", "seq:0", synthetic_events(start, moves=10), user_id=who))
    return cache


def _rows(cache: ReplayCache) -> dict[str, int]:
    with cache.reading() as conn:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
            for t in (comments, collab_outbox, collection_entries)
        }


def test_a_comment_is_stored_queued_and_found_by_the_feed_search(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    made = cache.add_comment("r-ann", 4_500, "Coupon field eats the discount", "ana")
    assert [(c.replay_id, c.at_ms, c.text, c.author) for c in cache.comments("r-ann")] == [
        ("r-ann", 4_500, "Coupon field eats the discount", "ana")
    ]
    assert [q.record for q in cache.collab_outbox()] == [made]
    found = {
        search: [r.id for r in cache.all_replays(ReplayQuery(search=search))]
        for search in ("comment:coupon", "discount", "coupon eats", "comment:nothing", "ann")
    }
    assert found == {
        "comment:coupon": ["r-ann"],
        "discount": ["r-ann"],
        "coupon eats": ["r-ann"],
        "comment:nothing": [],
        "ann": ["r-ann"],
    }
    cache.delete_comment(made.id)
    assert cache.comments("r-ann") == [] and cache.all_replays(ReplayQuery(search="comment:coupon")) == []


@pytest.mark.parametrize(
    ("replay_id", "at_ms", "text", "problem"),
    [
        ("r-nobody", 1_000, "hello", "no replay 'r-nobody' in the cache"),
        ("r-ann", 1_000, "x" * 2_001, "'text' is 2001 characters; at most 2000"),
        ("r-ann", 11_000, "late", "the moment 11 s is past the replay's end (10 s)"),
        ("r-ann", 1_000, " ", "'text' is empty"),
    ],
)
def test_a_refused_comment_stores_nothing(
    tmp_path: Path, replay_id: str, at_ms: int, text: str, problem: str
) -> None:
    cache = _cache(tmp_path)
    with pytest.raises(CollabError, match="^" + problem.replace("(", r"\(").replace(")", r"\)")):
        cache.add_comment(replay_id, at_ms, text, "ana")
    assert _rows(cache) == {"comments": 0, "collab_outbox": 0, "collection_entries": 0}


def test_an_upload_leaves_the_outbox_only_if_nothing_changed_meanwhile(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    made = cache.add_comment("r-ann", 1_000, "first", "ana")
    [sent] = cache.collab_outbox()
    cache.edit_comment(made.id, text="second")
    cache.collab_uploaded(sent, sent.record)  # the server's answer to "first" arrives after the edit
    [again] = cache.collab_outbox()
    assert again.record.text == "second"
    cache.collab_uploaded(again, again.record)
    assert cache.collab_outbox() == [] and cache.comments("r-ann")[0].text == "second"


def test_comments_go_with_their_replay_a_user_forgotten_and_retention(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    for who in ("ann", "bob"):
        cache.add_comment(f"r-{who}", 1_000, f"about {who}", "ana")
    cache.delete_user("ann")
    assert [c.text for c in cache.comments()] == ["about bob"]
    assert _rows(cache)["collab_outbox"] == 1
    cache.purge_expired(30)  # bob's replay started 40 days ago
    assert cache.comments() == [] and _rows(cache)["collab_outbox"] == 0


def test_a_collection_keeps_its_replays_in_order_with_start_moments(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    cache.create_collection("Checkout bug", "ana")
    cache.add_to_collection("Checkout bug", "r-ann", 2_000)
    cache.add_to_collection("Checkout bug", "r-bob")
    assert [(e.replay_id, e.start_ms) for e in cache.collection("Checkout bug").entries()] == [
        ("r-ann", 2_000),
        ("r-bob", None),
    ]
    cache.reorder_collection("Checkout bug", ["r-bob", "r-ann"])
    assert [e.replay_id for e in cache.collection("Checkout bug").entries()] == ["r-bob", "r-ann"]
    with pytest.raises(CollabError, match="no replay 'r-zed'"):
        cache.add_to_collection("Checkout bug", "r-zed")
    with pytest.raises(CollabError, match="no collection named 'Nope'"):
        cache.add_to_collection("Nope", "r-ann")
    assert [e.replay_id for e in cache.collection("Checkout bug").entries()] == ["r-bob", "r-ann"]
    assert _rows(cache)["collection_entries"] == 2


def test_0006_adds_comments_to_a_cache_at_0005_with_its_replays(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    replay_id = _cache_at_revision_0001(path)
    engine = make_engine(path)
    with engine.connect() as conn:
        migrate(conn, "0005_heatmaps")
    engine.dispose()
    with ReplayCache.open(path) as cache:
        with cache.reading() as conn:
            assert current_revision(conn) == HEAD_REVISION
        assert [r.id for r in cache.all_replays()] == [replay_id]
        cache.add_comment(replay_id, 0, "still here after the upgrade", "ana")
        assert [r.id for r in cache.all_replays(ReplayQuery(search="comment:upgrade"))] == [replay_id]


def test_a_collection_s_replay_deleted_from_the_cache_is_noted_as_gone_until_it_comes_back(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    cache.add_batch(ReplayBatch("r-cy", "seq:0", synthetic_events(NOW_MS - DAY_MS, moves=3), user_id="cy"))
    cache.create_collection("Review", "ana")
    for replay_id in ("r-ann", "r-bob"):
        cache.add_to_collection("Review", replay_id)
    cache.delete_user("ann")  # a user deleted
    cache.purge_expired(30)  # bob's replay is 40 days old: retention
    cache.delete_user("cy")  # in no collection: nothing to note
    gone = cache.gone_replays(["r-ann", "r-bob", "r-cy"])
    assert set(gone) == {"r-ann", "r-bob"}
    assert [e.replay_id for e in cache.collection("Review").entries()] == ["r-ann", "r-bob"]  # still listed
    cache.add_batch(ReplayBatch("r-ann", "seq:0", synthetic_events(NOW_MS - DAY_MS, moves=10), user_id="ann"))
    assert set(cache.gone_replays(["r-ann", "r-bob"])) == {"r-bob"}  # cached again: not gone
