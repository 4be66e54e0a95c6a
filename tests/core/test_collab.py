"""The rules of comments and collections (replay_core.collab): validation, and the merge that makes every
cache and the server agree whatever order edits reach them in."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replay_core import collab
from replay_core.collab import CollabError, Record

T0 = 1_795_906_413_570
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
PROPERTIES = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def comment(text: str = "checkout button does nothing", at_ms: int = 12_500) -> Record:
    return collab.new_comment("replay-1", "ana", at_ms, text, T0, "dev-a", record_id="c1")


def test_a_comment_round_trips_through_its_wire_form() -> None:
    made = comment()
    assert collab.from_json(collab.to_json(made)) == made
    assert collab.loads(collab.dumps(made), collab.COMMENT) == made
    assert (made.text, made.at_ms, made.author, made.replay_id) == (
        "checkout button does nothing",
        12_500,
        "ana",
        "replay-1",
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"fields": {"text": "x" * 2001, "at_ms": 1}}, "'text' is 2001 characters; at most 2000"),
        ({"fields": {"text": "   ", "at_ms": 1}}, "'text' is empty"),
        ({"fields": {"text": 5, "at_ms": 1}}, "'text' must be a string"),
        ({"fields": {"text": "a\x00b", "at_ms": 1}}, "'text' holds control characters"),
        ({"fields": {"text": "ok", "at_ms": "12"}}, "'at_ms' must be whole milliseconds"),
        ({"fields": {"text": "ok", "at_ms": True}}, "'at_ms' must be whole milliseconds"),
        ({"fields": {"text": "ok", "at_ms": -1}}, "'at_ms' must be from 0"),
        ({"replay_id": "a/b"}, "'replay_id' must be 1-200 characters"),
        ({"author": ""}, "'author' is empty"),
        ({"created_ms": 12}, "'created_ms' must be epoch milliseconds"),
        ({"stamps": {"text": [T0, "dev"]}}, "'fields' and 'stamps' must name the same fields"),
        ({"stamps": {"text": [T0, "dev"], "at_ms": "now"}}, "'stamps.at_ms' must be [edited ms, device id]"),
        ({"surprise": 1}, "unknown member 'surprise'"),
        (
            {
                "fields": {"text": "ok", "at_ms": 1, "colour": "red"},
                "stamps": {"text": [T0, "d"], "at_ms": [T0, "d"], "colour": [T0, "d"]},
            },
            "no field 'colour'",
        ),
    ],
)
def test_a_comment_breaking_a_rule_is_refused_with_one_line_naming_it(
    change: dict[str, Any], problem: str
) -> None:
    raw = {**collab.to_json(comment()), **change}
    with pytest.raises(CollabError) as refused:
        collab.from_json(raw, collab.COMMENT)
    assert problem in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_moment_must_lie_within_the_replay() -> None:
    assert collab.within_replay(12_000, 60_000) is None
    assert collab.within_replay(61_000, 60_000) == "the moment 61 s is past the replay's end (60 s)"


@pytest.mark.parametrize(
    ("typed", "ms"), [("12.5", 12_500), ("0", 0), ("1:02.5", 62_500), ("1:00:00", 3_600_000)]
)
def test_moments_are_typed_in_seconds(typed: str, ms: int) -> None:
    assert collab.parse_seconds(typed) == ms


@pytest.mark.parametrize("typed", ["", "soon", "-3", "nan", "inf", "1::2", "1e30"])
def test_a_moment_that_is_not_one_is_refused(typed: str) -> None:
    with pytest.raises(CollabError, match="--at"):
        collab.parse_seconds(typed)


def test_the_later_edit_of_a_field_wins_and_other_fields_keep_their_own_edits() -> None:
    base = comment()
    on_a = collab.edited(base, {"text": "edited on A"}, T0 + 10, "dev-a")
    on_b = collab.edited(base, {"text": "edited on B", "at_ms": 3_000}, T0 + 20, "dev-b")
    later_text = collab.edited(on_a, {"text": "edited on A again"}, T0 + 30, "dev-a")
    merged = collab.merge(later_text, on_b)
    assert (merged.text, merged.at_ms) == ("edited on A again", 3_000)


def test_at_the_same_millisecond_the_greater_device_id_wins_everywhere() -> None:
    base = comment()
    on_a = collab.edited(base, {"text": "A"}, T0 + 10, "dev-a")
    on_b = collab.edited(base, {"text": "B"}, T0 + 10, "dev-b")
    assert collab.merge(on_a, on_b).text == collab.merge(on_b, on_a).text == "B"


def test_a_delete_wins_over_a_later_edit() -> None:
    base = comment()
    gone = collab.deleted(base, T0 + 10, "dev-a")
    later = collab.edited(base, {"text": "still here?"}, T0 + 99, "dev-b")
    assert collab.merge(gone, later).is_deleted
    assert collab.merge(later, collab.tombstone(collab.COMMENT, "c1")).is_deleted


def test_an_edit_on_a_device_whose_clock_is_behind_still_wins_over_what_it_saw() -> None:
    base = comment()
    edited = collab.edited(base, {"text": "typed later, clock behind"}, T0 - 60_000, "dev-z")
    assert collab.merge(base, edited).text == "typed later, clock behind"


def test_a_collection_keeps_its_order_and_concurrent_additions() -> None:
    made = collab.new_collection("checkout bug", "ana", T0, "dev-a", record_id="k1")
    three = made
    for n, replay_id in enumerate(["r1", "r2", "r3"]):
        three = collab.with_entry(three, replay_id, 5_000 if replay_id == "r2" else None, T0 + n + 1, "dev-a")
    assert [(e.replay_id, e.start_ms) for e in three.entries()] == [("r1", None), ("r2", 5_000), ("r3", None)]
    on_a = collab.reordered(three, ["r3", "r1", "r2"], T0 + 10, "dev-a")
    on_b = collab.with_entry(three, "r4", None, T0 + 5, "dev-b")
    merged = collab.merge(on_a, on_b)
    assert [e.replay_id for e in merged.entries()] == ["r3", "r1", "r2", "r4"]
    assert [e.replay_id for e in collab.without_entry(merged, "r1", T0 + 11, "dev-a").entries()] == [
        "r3",
        "r2",
        "r4",
    ]


def test_a_collection_name_is_one_line() -> None:
    with pytest.raises(CollabError, match="'name' holds control characters"):
        collab.new_collection("two\nlines", "ana", T0, "dev-a")


# Properties: merging is commutative, associative and idempotent, so order of arrival never matters.

_devices = st.sampled_from(["dev-a", "dev-b", "dev-c"])
_edit = st.tuples(
    st.sampled_from(["text", "at_ms", "delete"]),
    st.integers(0, 50),
    _devices,
    st.text(alphabet="abc ", min_size=1, max_size=5).filter(str.strip),
)


@st.composite
def versions(draw: st.DrawFn) -> Record:
    record = comment()
    for what, offset, device, text in draw(st.lists(_edit, max_size=4)):
        if what == "delete":
            record = collab.deleted(record, T0 + offset, device)
        elif what == "text":
            record = collab.edited(record, {"text": text}, T0 + offset, device)
        else:
            record = collab.edited(record, {"at_ms": offset * 100}, T0 + offset, device)
    return record


@PROPERTIES
@given(versions(), versions(), versions())
def test_merging_is_commutative_associative_and_idempotent(a: Record, b: Record, c: Record) -> None:
    assert collab.merge(a, b) == collab.merge(b, a)
    assert collab.merge(collab.merge(a, b), c) == collab.merge(a, collab.merge(b, c))
    assert collab.merge(a, a) == a
    merged = collab.merge(a, b)
    assert merged.is_deleted == (a.is_deleted or b.is_deleted)
    assert collab.from_json(collab.to_json(merged)) == merged


@PROPERTIES
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
        max_leaves=10,
    )
)
def test_any_json_is_a_record_or_one_line_refusal(raw: Any) -> None:
    for candidate in (
        raw,
        {**collab.to_json(comment()), "fields": raw},
        {**collab.to_json(comment()), "stamps": raw},
    ):
        try:
            collab.from_json(candidate)
        except CollabError as exc:
            assert "\n" not in str(exc)
