"""`replay-viewer activity`: the timeline of a cached replay or a file, as lines or JSON, errors in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES
from tests.storage.helpers import run_cli
from viewer.cli import main

CONSOLE_NETWORK = next(p for p in MIXPANEL_CAPTURES if p.name.endswith("console-network"))
T0 = 1_795_000_000_000


@pytest.fixture
def replay_id(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["import", str(CONSOLE_NETWORK)]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    return str(row["id"])


def test_console_lines_of_a_cached_replay(replay_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["activity", replay_id, "--kind", "console"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert [line.split()[1:3] for line in lines] == [["console", "info:"], ["console", "warn:"], ["console", "error:"]]
    assert lines[0].startswith("00:09.") and "cart: 3 items" in lines[0]


def test_json_has_the_counts_and_the_replays_analytics_events(
    replay_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["activity", replay_id, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["replay"] == replay_id and document["counts"]["errors"] == 1
    entries = document["entries"]
    assert any(e["kind"] == "network" and "/todomvc/learn.json" in e["summary"] for e in entries)
    assert any(e["kind"] == "event" and e["summary"] == "Event “Purchase”" for e in entries)
    dead = [e for e in entries if e["kind"] == "frustration" and e["level"] == "dead"]
    assert len(dead) == document["counts"]["dead"] > 0
    assert [e["at_ms"] for e in entries] == sorted(e["at_ms"] for e in entries)


def test_a_recording_file_through_the_real_command(tmp_path: Path, data_dir: Path) -> None:
    done = run_cli("activity", str(RRWEB_FIXTURES[0]), "--kind", "click,page", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines and lines[0].split()[1] == "page"
    assert {line.split()[1] for line in lines} == {"click", "page"}


def test_hostile_console_text_stays_one_plain_line_per_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nasty = '"line one\\nline two \\u001b[31mred\\u001b[0m <script>x</script>"'
    events = [
        {"type": 4, "timestamp": T0, "data": {"href": "https://x.example/", "width": 800, "height": 600}},
        {"type": 2, "timestamp": T0 + 1, "data": {"node": {"type": 0, "id": 1, "childNodes": []},
                                                  "initialOffset": {"top": 0, "left": 0}}},
        {"type": 6, "timestamp": T0 + 500, "data": {"plugin": "rrweb/console@1",
                                                    "payload": {"level": "log", "payload": [nasty], "trace": []}}},
    ]  # fmt: skip
    path = tmp_path / "nasty.json"
    path.write_text(json.dumps(events))
    assert main(["activity", str(path), "--kind", "console"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "\x1b" not in out
    assert "line one line two [31mred[0m <script>x</script>" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["activity", "no-such-replay"], "no-such-replay: no such file, and no replay with that id in the cache"),
        (["activity", "x.json"], "x.json: "),
        (["activity", str(RRWEB_FIXTURES[0]), "--kind", "console,bogus"], "--kind takes a comma-separated list"),
    ],
)
def test_problems_are_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err
