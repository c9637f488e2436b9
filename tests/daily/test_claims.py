"""Renewing a claim just before sending, on SQLite and on PostgreSQL.

A sender that waited past its lease (a long fan-out, long 429 pauses) asks the store
whether the claim is still its own; a takeover by another process must answer no.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Claim, Store
from tests.postgres import fresh_database

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)
LEASE = timedelta(minutes=5)


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
    return store.claim(
        subscription_key="sub", local_date=DAY, quote_id="q1", cycle=0,
        owner=owner, now=now, lease=LEASE,
    )  # fmt: skip


def test_the_owner_renews_and_keeps_others_out(stores: tuple[Store, Store]) -> None:
    mine, theirs = stores
    held = claim(mine, "a", NOW)
    assert held is not None
    later = NOW + LEASE - timedelta(seconds=1)
    assert mine.renew(held, owner="a", now=later, lease=LEASE)
    # The first lease has run out, the renewed one has not: no takeover.
    assert claim(theirs, "b", NOW + LEASE + timedelta(seconds=1)) is None


def test_after_a_takeover_the_old_owner_may_not_send(stores: tuple[Store, Store]) -> None:
    mine, theirs = stores
    held = claim(mine, "a", NOW)
    assert held is not None
    taken = claim(theirs, "b", NOW + LEASE + timedelta(seconds=1))
    assert taken is not None and taken.taken_over
    assert not mine.renew(held, owner="a", now=NOW + LEASE + timedelta(seconds=2), lease=LEASE)
    assert theirs.renew(taken, owner="b", now=NOW + LEASE + timedelta(seconds=2), lease=LEASE)


def test_a_finished_post_is_nobodys_to_send(stores: tuple[Store, Store]) -> None:
    mine, _ = stores
    held = claim(mine, "a", NOW)
    assert held is not None
    mine.mark_sent(held, ts="1.000001", now=NOW)
    assert not mine.renew(held, owner="a", now=NOW, lease=LEASE)
