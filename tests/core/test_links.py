"""Share links: ours round-trip, and the forms other replay tools use are understood."""

from __future__ import annotations

import pytest

from replay_core.links import LinkError, ShareLink, comment_link, format_link, parse_link


def test_local_and_server_links_round_trip() -> None:
    local = format_link("abc/123", 75.5)
    assert local == "replay-viewer://replay/abc%2F123?t=75.5"
    assert parse_link(local) == ShareLink("abc/123", at_s=75.5)
    server = format_link("r-1", 12, server="https://replays.example.org/base/")
    assert server == "https://replays.example.org/base/replays/r-1?t=12"
    assert parse_link(server) == ShareLink("r-1", at_s=12.0, server="https://replays.example.org/base")
    assert parse_link(format_link("r-1")) == ShareLink("r-1")


@pytest.mark.parametrize(
    ("link", "at_s", "epoch"),
    [
        ("https://app.posthog.example/project/1/replay/0192abc?t=42", 42.0, None),
        ("https://sentry.example/organizations/o/replays/r9/?t=1m30s", 90.0, None),
        ("https://app.highlight.example/1/sessions/s77?ts=12.5", 12.5, None),
        ("https://app.posthog.example/replay/0192abc?timestamp=1764300000000", None, 1764300000000.0),
        ("https://app.posthog.example/replay/0192abc?timestamp=2025-11-28T03:20:00Z", None, 1764300000000.0),
        ("  <replay-viewer://replay/r-2#t=3>  ", 3.0, None),
    ],
)
def test_other_tools_time_forms(link: str, at_s: float | None, epoch: float | None) -> None:
    parsed = parse_link(link)
    assert parsed.at_s == at_s and parsed.at_epoch_ms == epoch


def test_jumpto_in_ms_and_absolute_timestamps_become_offsets() -> None:
    parsed = parse_link("https://openreplay.example/3/sessions/x?jumpto=65000")
    assert parsed.replay_id == "x" and parsed.at_s == 65.0
    absolute = parse_link("https://ph.example/replay/y?timestamp=1000005000")
    assert absolute.offset_s(replay_start_ms=1000000000) == 5.0


@pytest.mark.parametrize("text", ["hello", "ftp://x/replays/1", "https://example.org/about", "replay-viewer://user/1", "replay-viewer://replay/1?t=abc"])
def test_not_links_to_replays(text: str) -> None:
    with pytest.raises(LinkError):
        parse_link(text)


def test_a_link_to_a_comment_round_trips_and_a_bad_comment_id_is_told_apart() -> None:
    local = comment_link("r-1", "c0ffee", 12_349)
    assert local == "replay-viewer://replay/r-1?t=12.349&comment=c0ffee"
    assert parse_link(local) == ShareLink("r-1", at_s=12.349, comment_id="c0ffee", comment_param="c0ffee")
    server = comment_link("r 1", "c-2", 0, server="https://replays.example.org")
    assert server == "https://replays.example.org/replays/r%201?t=0&comment=c-2"
    assert parse_link(server).comment_id == "c-2" and parse_link(server).at_ms == 0
    # Not an id (a space, '..'): no comment to look up, but the link says it asked for one.
    for bad in ("a%20b", "..", "x" * 300):
        link = parse_link(f"replay-viewer://replay/r-1?t=3&comment={bad}")
        assert link.comment_id is None and link.comment_param and link.at_s == 3.0
        assert len(link.comment_param) <= 100
    assert parse_link("replay-viewer://replay/r-1?comment=").comment_param is None
