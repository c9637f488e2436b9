"""The no-repeat walk (bot/daily/walk.py): pure, so it is driven by hand here."""

from __future__ import annotations

from collections.abc import Sequence

from bot.daily.walk import next_quote

QUOTES = [f"q{number:02d}" for number in range(20)]


class Walker:
    """What the store remembers between posts: the current cycle and the quotes it used."""

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self.cycle = 0
        self.used: set[str] = set()

    def pick(self, eligible: Sequence[str]) -> tuple[str, int] | None:
        chosen = next_quote(eligible, self.used, seed=self.seed, cycle=self.cycle)
        if chosen is None:
            return None
        quote_id, cycle = chosen
        if cycle != self.cycle:
            self.cycle, self.used = cycle, set()
        self.used.add(quote_id)
        return chosen

    def picks(self, eligible: Sequence[str], count: int) -> list[tuple[str, int]]:
        chosen = [self.pick(eligible) for _ in range(count)]
        assert None not in chosen
        return [pick for pick in chosen if pick is not None]


def test_each_cycle_visits_every_quote_once_before_any_repeats() -> None:
    walker = Walker("sub-a")
    picks = walker.picks(QUOTES, 5 * len(QUOTES))
    for cycle in range(5):
        in_cycle = picks[cycle * len(QUOTES) : (cycle + 1) * len(QUOTES)]
        assert {c for _, c in in_cycle} == {cycle}, in_cycle
        assert sorted(q for q, _ in in_cycle) == sorted(QUOTES), in_cycle


def test_the_order_differs_between_subscriptions_and_between_cycles() -> None:
    first = [q for q, _ in Walker("sub-a").picks(QUOTES, 3 * len(QUOTES))]
    other = [q for q, _ in Walker("sub-b").picks(QUOTES, len(QUOTES))]
    cycles = [first[n * len(QUOTES) : (n + 1) * len(QUOTES)] for n in range(3)]
    assert cycles[0] != other
    assert cycles[0] != cycles[1] != cycles[2] != cycles[0]


def test_the_order_is_the_same_for_the_same_subscription() -> None:
    # The order is derived from the seed, so a restart (or another process) agrees on it.
    assert Walker("sub-a").picks(QUOTES, 30) == Walker("sub-a").picks(QUOTES, 30)


def test_quotes_added_mid_cycle_join_the_cycle_without_resetting_it() -> None:
    walker = Walker("sub-a")
    before = walker.picks(QUOTES, 8)
    added = [f"new{number}" for number in range(5)]
    grown = [*QUOTES, *added]

    rest = walker.picks(grown, len(grown) - 8)

    assert {c for _, c in rest} == {0}, "adding quotes must not start a new cycle"
    seen = [q for q, _ in before + rest]
    assert sorted(seen) == sorted(grown), "every quote once, the new ones within the cycle"
    next_pick = walker.pick(grown)
    assert next_pick is not None and next_pick[1] == 1, "then, and only then, a new cycle"


def test_removed_quotes_are_skipped_and_the_cycle_goes_on() -> None:
    walker = Walker("sub-a")
    before = [q for q, _ in walker.picks(QUOTES, 6)]
    unused = [q for q in QUOTES if q not in before]
    removed = {before[0], *unused[:4]}  # one already used, four not yet
    shrunk = [q for q in QUOTES if q not in removed]

    rest = walker.picks(shrunk, len(QUOTES) - 6 - 4)

    assert {c for _, c in rest} == {0}
    assert not removed & {q for q, _ in rest}
    assert sorted(before + [q for q, _ in rest]) == sorted({*before, *shrunk})
    next_pick = walker.pick(shrunk)
    assert next_pick is not None and next_pick[1] == 1, "the shrunk cycle is complete"
    assert next_pick[0] in shrunk


def test_nothing_eligible_gives_none() -> None:
    assert next_quote([], set(), seed="sub-a", cycle=0) is None
    assert next_quote([], {"q01", "q02"}, seed="sub-a", cycle=3) is None


def test_a_single_quote_repeats_one_cycle_at_a_time() -> None:
    walker = Walker("sub-a")
    assert walker.picks(["only"], 3) == [("only", 0), ("only", 1), ("only", 2)]
