"""`replay-viewer comment …` and `collection …`: what scripts see, one-line refusals that store nothing,
and a collection exported to a folder and imported into another cache with its comments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from replay_core.links import parse_link
from tests.paths import RRWEB_FIXTURES
from viewer.cli import main
from viewer.settings import load_settings, save_settings
from viewer.storage import ReplayCache

SMALL = sorted((p for p in RRWEB_FIXTURES if p.stat().st_size < 400_000), key=lambda p: p.name)[:2]


@pytest.fixture
def replay_ids(capsys: pytest.CaptureFixture[str]) -> list[str]:
    settings = load_settings()
    settings.author = "Ana QA"
    save_settings(settings)
    assert main(["import", *map(str, SMALL)]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    return sorted(row["id"] for row in json.loads(capsys.readouterr().out))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main(list(args)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def test_comments_are_added_at_a_moment_and_listed(
    replay_ids: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = replay_ids
    assert run(capsys, "comment", "add", first, "--at", "1.5", "Cart", "total", "is", "wrong").startswith(
        "comment "
    )
    run(capsys, "comment", "add", second, "--at", "0:02", "Slow search")
    listed = json.loads(run(capsys, "comment", "list", first, "--json"))
    assert [(c["replay_id"], c["at"], c["text"], c["author"]) for c in listed] == [
        (first, 1.5, "Cart total is wrong", "Ana QA")
    ]
    assert len(run(capsys, "comment", "list").splitlines()) == 2
    assert [r["id"] for r in json.loads(run(capsys, "list", "--search", "comment:slow", "--json"))] == [
        second
    ]
    link = parse_link(listed[0]["link"])  # a link to the comment: its replay at its moment
    assert (link.replay_id, link.at_ms, link.comment_id) == (first, 1_500, listed[0]["id"])
    lines = run(capsys, "activity", first, "--kind", "comment").splitlines()
    assert lines == ["00:01.500  comment      Ana QA: Cart total is wrong"]
    run(capsys, "comment", "delete", listed[0]["id"])
    assert json.loads(run(capsys, "comment", "list", first, "--json")) == []
    assert "no comment" in refused(capsys, "comment", "delete", listed[0]["id"])


BAD_INPUT = [
    (["comment", "add", "no-such-replay", "--at", "1", "hi"], "no replay 'no-such-replay' in the cache"),
    (["comment", "add", "{first}", "--at", "soon", "hi"], "--at 'soon' is not a moment in seconds"),
    (["comment", "add", "{first}", "--at", "99999", "hi"], "is past the replay's end"),
    (["comment", "add", "{first}", "--at", "1", "x" * 2001], "'text' is 2001 characters; at most 2000"),
    (["comment", "add", "{first}", "--at", "1", "bad \udcff byte"], "'text' is not valid Unicode"),
    (["collection", "add", "Nope", "{first}"], "no collection named 'Nope'"),
    (["collection", "import", "/nonexistent"], "is not an exported collection (no index.json)"),
]


def test_bad_input_is_one_line_and_nothing_is_stored(
    replay_ids: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    for args, message in BAD_INPUT:
        err = refused(capsys, *(a.replace("{first}", replay_ids[0]) for a in args))
        assert message in err and err.count("\n") == 1 and err.startswith("replay-viewer: error: "), (
            args,
            err,
        )
    with ReplayCache.open() as cache:
        assert cache.comments() == [] and cache.collections() == [] and cache.collab_outbox() == []


def test_a_collection_exported_and_imported_elsewhere_keeps_order_start_moments_and_comments(
    replay_ids: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = replay_ids
    run(capsys, "collection", "create", "Review")
    run(capsys, "collection", "add", "Review", second, "--at", "2")
    run(capsys, "collection", "add", "Review", first)
    run(capsys, "comment", "add", second, "--at", "2.5", "Here it breaks")
    assert run(capsys, "collection", "list", "Review").splitlines() == [
        f"  1. {second}  from 2 s",
        f"  2. {first}",
    ]
    run(capsys, "collection", "remove", "Review", first)
    assert run(capsys, "collection", "list", "Review").splitlines() == [f"  1. {second}  from 2 s"]
    assert "is not in 'Review'" in refused(capsys, "collection", "remove", "Review", first)
    run(capsys, "collection", "add", "Review", first)
    folder = tmp_path / "handed-over"
    run(capsys, "collection", "export", "Review", str(folder))
    index = json.loads((folder / "index.json").read_text())
    assert [r["id"] for r in index["replays"]] == [second, first]
    assert "not an empty folder" in refused(capsys, "collection", "export", "Review", str(folder))
    # Someone else's app, with a data folder of its own.
    monkeypatch.setenv("REPLAY_VIEWER_DATA_DIR", str(tmp_path / "other"))
    assert "2 replays (2 new), 1 comments" in run(capsys, "collection", "import", str(folder))
    shown = json.loads(run(capsys, "collection", "list", "Review", "--json"))
    assert [(r["id"], r["start"], r["cached"]) for r in shown["replays"]] == [
        (second, 2.0, True),
        (first, None, True),
    ]
    listed = json.loads(run(capsys, "comment", "list", second, "--json"))
    assert [(c["text"], c["author"], c["at"]) for c in listed] == [("Here it breaks", "Ana QA", 2.5)]
