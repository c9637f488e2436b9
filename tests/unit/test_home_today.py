"""The Home tab's quote for today: the same all day, another the next, per person."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from bot.corpus import Corpus, Quote
from bot.listeners.home import quote_for_today


def corpus(size: int) -> Corpus:
    return Corpus([Quote(f"Q{n:04d}", f"Quote number {n}.", None, None, None, None, None, (),
                         "f.md", n + 1) for n in range(size)])  # fmt: skip


def test_no_two_days_in_a_row_show_the_same_quote_and_a_day_shows_one() -> None:
    for size in (2, 3, 10, 997):
        quotes = corpus(size)
        for user in ("U0ADA", "U0BOB", "U0CY"):
            days = [date(2026, 12, 1) + timedelta(days=n) for n in range(60)]
            shown = [quote_for_today(quotes, user, day).id for day in days]
            assert all(a != b for a, b in itertools.pairwise(shown)), (size, user)
            assert quote_for_today(quotes, user, days[5]).id == shown[5]


def test_people_see_different_quotes_and_an_empty_collection_shows_none() -> None:
    quotes = corpus(500)
    day = date(2026, 12, 2)
    assert len({quote_for_today(quotes, f"U{n:04d}", day).id for n in range(20)}) > 10
    assert quote_for_today(corpus(0), "U0ADA", day) is None
