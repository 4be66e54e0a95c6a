"""The feed search understands 'today' and 'yesterday' as the days they name."""

from __future__ import annotations

from datetime import date

from viewer.storage.search import day_start_ms, parse_search


def test_today_and_yesterday_are_days() -> None:
    terms = parse_search("Jane yesterday", today=date(2026, 11, 28))
    assert terms.words == ["Jane"]
    assert terms.ranges == [(day_start_ms(date(2026, 11, 27)), day_start_ms(date(2026, 11, 28)))]
    assert parse_search("TODAY", today=date(2026, 11, 28)).ranges == [
        (day_start_ms(date(2026, 11, 28)), day_start_ms(date(2026, 11, 29)))
    ]
