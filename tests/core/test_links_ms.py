"""Share links carry whole milliseconds: a copied moment opens on the same frame (issue 20, 9)."""

from __future__ import annotations

import math

import pytest

from replay_core.links import format_link, parse_link


@pytest.mark.parametrize(
    ("position_ms", "t"),
    [(12_350.0, "12.35"), (12_349.0, "12.349"), (12_374.6, "12.374"), (999.999, "0.999"), (75_500, "75.5"), (0, "0")],
)
def test_a_link_says_the_millisecond_it_was_copied_at(position_ms: float, t: str) -> None:
    assert format_link("r", position_ms / 1000) == f"replay-viewer://replay/r?t={t}"


def test_every_millisecond_comes_back_exactly() -> None:
    # Cut, not rounded: a position between two milliseconds opens on the earlier (the frame then shown).
    for tenth in range(0, 200_000, 7):
        position_ms = tenth / 10
        assert parse_link(format_link("r", position_ms / 1000)).at_ms == math.floor(position_ms)
