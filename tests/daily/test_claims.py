"""A claim is its owner's, on SQLite and on PostgreSQL: renewing it, recording its outcome.

A sender that waited past its lease (a long fan-out, long 429 pauses) asks the store
whether the claim is still its own; a takeover by another process must answer no, and
the late sender's outcome (sent, failed, unverified) must not overwrite the new owner's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Claim, PostRecord, Store
from tests.postgres import fresh_database

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)
LEASE = timedelta(minutes=5)
LATE = NOW + LEASE + timedelta(seconds=1)  # the first lease has run out


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """Two stores on one new database, as two processes would have them."""
    if request.param == "postgresql":
        url = fresh_database(request.getfixturevalue("postgres"))
    else:
        url = f"sqlite:///{tmp_path / 'quotebot.sqlite3'}"
    first, second = Store(url), Store(url)
    yield first, second
    first.close()
    second.close()


def claim(store: Store, owner: str, now: datetime) -> Claim | None:
    return store.claims.claim(
        subscription_id="sub", local_date=DAY, quote_id="q1", cycle=0,
        owner=owner, now=now, lease=LEASE,
    )  # fmt: skip


def taken_over(mine: Store, theirs: Store) -> tuple[Claim, Claim]:
    """`a` claims the day, its lease runs out, `b` takes it over: (a's claim, b's claim)."""
    held = claim(mine, "a", NOW)
    assert held is not None
    taken = claim(theirs, "b", LATE)
    assert taken is not None and taken.taken_over and taken.owner == "b"
    return held, taken


def test_the_owner_renews_and_keeps_others_out(stores: tuple[Store, Store]) -> None:
    mine, theirs = stores
    held = claim(mine, "a", NOW)
    assert held is not None
    later = NOW + LEASE - timedelta(seconds=1)
    assert mine.claims.renew(held, now=later, lease=LEASE)
    # The first lease has run out, the renewed one has not: no takeover.
    assert claim(theirs, "b", LATE) is None
    assert claim(theirs, "b", later + LEASE) is None
    # The renewed lease counts from the renewal, and runs out in its turn.
    taken = claim(theirs, "b", later + LEASE + timedelta(seconds=1))
    assert taken is not None and taken.taken_over


def test_after_a_takeover_the_old_owner_may_not_send(stores: tuple[Store, Store]) -> None:
    mine, theirs = stores
    held, taken = taken_over(mine, theirs)
    assert not mine.claims.renew(held, now=LATE + timedelta(seconds=1), lease=LEASE)
    assert theirs.claims.renew(taken, now=LATE + timedelta(seconds=1), lease=LEASE)


def test_a_finished_post_is_nobodys_to_send(stores: tuple[Store, Store]) -> None:
    mine, _ = stores
    held = claim(mine, "a", NOW)
    assert held is not None
    assert mine.claims.mark_sent(held, ts="1.000001", now=NOW)
    assert not mine.claims.renew(held, now=NOW, lease=LEASE)


def test_a_released_claim_is_nobodys_to_renew(stores: tuple[Store, Store]) -> None:
    mine, _ = stores
    held = claim(mine, "a", NOW)
    assert held is not None
    mine.claims.release(held)
    assert not mine.claims.renew(held, now=NOW, lease=LEASE)
    assert mine.claims.posts() == []


@pytest.mark.parametrize(
    ("outcome", "given"),
    [("mark_sent", {"ts": "1.000001"}), ("mark_failed", {"error": "not_in_channel"}),
     ("mark_unverified", {"error": "timeout"})],
)  # fmt: skip
def test_only_the_owner_records_an_outcome(
    stores: tuple[Store, Store], outcome: str, given: dict[str, str]
) -> None:
    mine, theirs = stores
    held, taken = taken_over(mine, theirs)

    assert getattr(mine.claims, outcome)(held, now=LATE, **given) is False

    pending = PostRecord("sub", DAY, "pending", "q1", 0, None, None)
    assert theirs.claims.posts() == [pending], "the late sender changed nothing"
    assert theirs.claims.walk("sub") == (0, {"q1"}), "the quote is still the new owner's"
    assert theirs.claims.finished([("sub", DAY)]) == set()
    # The new owner still holds it, and records its own outcome.
    assert theirs.claims.renew(taken, now=LATE, lease=LEASE)
    assert theirs.claims.mark_sent(taken, ts="2.000002", now=LATE) is True
    assert mine.claims.posts() == [PostRecord("sub", DAY, "sent", "q1", 0, "2.000002", None)]
    assert mine.claims.finished([("sub", DAY)]) == {("sub", DAY)}


def test_an_outcome_is_recorded_once(stores: tuple[Store, Store]) -> None:
    mine, _ = stores
    held = claim(mine, "a", NOW)
    assert held is not None
    assert mine.claims.mark_sent(held, ts="1.000001", now=NOW) is True
    assert mine.claims.mark_sent(held, ts="9.999999", now=NOW) is False
    assert mine.claims.mark_unverified(held, error="timeout", now=NOW) is False
    assert mine.claims.mark_failed(held, error="boom", now=NOW) is False
    assert mine.claims.posts() == [PostRecord("sub", DAY, "sent", "q1", 0, "1.000001", None)]
    assert mine.claims.walk("sub") == (0, {"q1"}), "a sent quote stays used"
