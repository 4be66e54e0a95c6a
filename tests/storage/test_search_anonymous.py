"""Searching `anonymous` finds the replays the feed calls "Anonymous visitor": no user, or a device id
the SDK gave a visitor who never identified (and who has no name or email); named users stay out,
unless their own name holds the word."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.storage.helpers import synthetic_events
from viewer.storage import CacheUpdate, ProfileChange, ReplayBatch, ReplayCache, ReplayQuery
from viewer.storage.search import parse_search

T0 = 1_795_000_000_000


@pytest.fixture
def cache(tmp_path: Path) -> ReplayCache:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3")
    owners = {
        "no-user": None,
        "device": "$device:5f1c0b2a",
        "device-named": "$device:77aa",  # identified later by a profile with a name
        "jane": "user-123",
        "anon-smith": "user-9",
    }
    batches = [
        ReplayBatch(replay, "seq:0", synthetic_events(T0 + n * 60_000), user_id=owner)
        for n, (replay, owner) in enumerate(owners.items())
    ]
    profiles = [
        ProfileChange("$device:77aa", set={"$name": "Carol"}),
        ProfileChange("user-123", set={"$name": "Jane Customer"}),
        ProfileChange("user-9", set={"$name": "Anonymous Smith"}),
    ]
    cache.apply(CacheUpdate(batches=batches, profiles=profiles))
    return cache


def _found(cache: ReplayCache, search: str) -> set[str]:
    return {row.id for row in cache.list_replays(ReplayQuery(search=search)).rows}


@pytest.mark.parametrize("search", ["anonymous", "Anonymous", "anonymous visitor", "ANONYMOUS Visitor"])
def test_anonymous_finds_the_replays_labelled_anonymous_visitor(cache: ReplayCache, search: str) -> None:
    assert _found(cache, search) == {"no-user", "device", "anon-smith"}


def test_anonymous_with_another_word_finds_only_named_users_holding_both(cache: ReplayCache) -> None:
    assert _found(cache, "anonymous smith") == {"anon-smith"}
    assert _found(cache, "anonymous jane") == set()


def test_the_label_words_are_not_searched_as_names() -> None:
    terms = parse_search("Anonymous visitor 2026-11-27")
    assert terms.anonymous and terms.words == [] and len(terms.ranges) == 1
    assert not parse_search("visitor").anonymous
