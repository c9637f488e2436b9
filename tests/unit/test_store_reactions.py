"""Reactions to the bot's posts, on SQLite and PostgreSQL: counted once per person and quote.

Every test takes the `store` fixture, parametrized by backend (as in test_store.py), so
each runs on a new SQLite file and on a new database of a throwaway PostgreSQL server.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select

from bot.store import Loved, Store
from bot.store.schema import reactions

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def post_of(quote: str) -> dict[str, str]:
    """The message that showed `quote` (q0…q9) in C1: one post per quote."""
    return {"channel": "C1", "ts": f"1772442000.00{quote[1:]}100"}


POST = post_of("q1")
OTHER_POST = {"channel": "C2", "ts": "1772528400.000100"}  # q1 again, another day and channel


def react(
    store: Store,
    user: str,
    *,
    quote: str = "q1",
    reaction: str = "heart",
    team: str = "T1",
    now: datetime = NOW,
    post: dict[str, str] | None = None,
) -> bool:
    """`user` reacts to `post`, by default the post that showed `quote`."""
    return store.reactions.add(
        team_id=team,
        quote_id=quote,
        user_id=user,
        reaction=reaction,
        now=now,
        **(post or post_of(quote)),
    )


def unreact(
    store: Store, user: str, *, reaction: str = "heart", post: dict[str, str] = POST
) -> bool:
    return store.reactions.remove(team_id="T1", user_id=user, reaction=reaction, **post)


def loved(store: Store, team: str = "T1", *, since: datetime | None = None, limit: int = 10):
    return store.reactions.most_loved(team, since=since, limit=limit)


def rows(store: Store) -> list[tuple]:
    with store.engine.connect() as db:
        return list(db.execute(select(reactions).order_by(*reactions.primary_key.columns)))


def test_the_table_and_its_index_are_made(store: Store) -> None:
    assert "reactions" in inspect(store.engine).get_table_names()
    indexes = {index["name"] for index in inspect(store.engine).get_indexes("reactions")}
    assert "reactions_by_team_and_time" in indexes
    assert loved(store) == []


def test_a_retried_event_counts_once(store: Store, other: Store) -> None:
    assert react(store, "U1") is True
    before = rows(store)
    # Slack's retry of the same reaction_added, here or on another instance: nothing changes,
    # not even the time it was recorded.
    assert react(store, "U1", now=NOW + timedelta(minutes=1)) is False
    assert react(other, "U1", now=NOW + timedelta(minutes=2)) is False
    assert rows(store) == before and len(before) == 1
    assert loved(store) == [Loved("q1", 1)]


def test_people_are_counted_not_emoji_or_posts(store: Store) -> None:
    react(store, "U1")
    react(store, "U1", reaction="star-struck")  # a second emoji by the same person
    react(store, "U1", reaction="+1::skin-tone-2")
    react(store, "U1", post=OTHER_POST)  # the same quote posted in another channel
    react(store, "U2", post=OTHER_POST)
    react(store, "U3", quote="q2")
    assert len(rows(store)) == 6, "every reaction is kept, for removing them one by one"
    assert loved(store) == [Loved("q1", 2), Loved("q2", 1)]


def test_ties_go_by_quote_id_and_the_limit_cuts_the_list(store: Store) -> None:
    for quote, people in (("q3", 1), ("q1", 2), ("q2", 2), ("q0", 1)):
        for number in range(people):
            react(store, f"U{number}", quote=quote)
    assert loved(store) == [Loved("q1", 2), Loved("q2", 2), Loved("q0", 1), Loved("q3", 1)]
    assert loved(store, limit=3) == [Loved("q1", 2), Loved("q2", 2), Loved("q0", 1)]
    assert loved(store, limit=1) == [Loved("q1", 2)]


def test_a_removed_reaction_no_longer_counts(store: Store, other: Store) -> None:
    react(store, "U1")
    react(store, "U1", reaction="tada")
    react(store, "U2")
    assert unreact(other, "U2") is True
    assert loved(store) == [Loved("q1", 1)]
    assert unreact(store, "U2") is False, "removed already (a retried reaction_removed)"
    assert unreact(store, "U1", reaction="tada") is True
    assert loved(store) == [Loved("q1", 1)], "U1's heart is still there"
    assert unreact(store, "U1", reaction="heart") is True
    assert loved(store) == []
    assert unreact(store, "U9") is False, "never reacted"
    assert react(store, "U1") is True, "reacting again after removing counts again"


def test_since_counts_only_reactions_from_then_on(store: Store) -> None:
    month = datetime(2026, 3, 1, tzinfo=UTC)
    react(store, "U1", now=month - timedelta(seconds=1))  # last month
    react(store, "U2", now=month)  # the first instant of this month counts
    react(store, "U3", quote="q2", now=month - timedelta(days=3))
    react(store, "U1", quote="q3", now=month + timedelta(days=1))
    assert loved(store, since=month) == [Loved("q1", 1), Loved("q3", 1)]
    assert loved(store) == [Loved("q1", 2), Loved("q2", 1), Loved("q3", 1)]
    berlin = month.astimezone(ZoneInfo("Europe/Berlin"))  # 01:00 there: the same instant
    assert loved(store, since=berlin) == [Loved("q1", 1), Loved("q3", 1)]


def test_times_without_a_zone_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="time zone"):
        react(store, "U1", now=NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="time zone"):
        loved(store, since=NOW.replace(tzinfo=None))


def test_each_team_counts_apart(store: Store) -> None:
    react(store, "U1", team="T1")
    react(store, "U1", team="T2")  # the same ids in another workspace: another reaction
    react(store, "U2", team="T2")
    react(store, "U3", team="T2", quote="q2")
    assert loved(store, "T1") == [Loved("q1", 1)]
    assert loved(store, "T2") == [Loved("q1", 2), Loved("q2", 1)]
    assert store.reactions.remove(team_id="T2", user_id="U1", reaction="heart", **POST), (
        "T2's reaction goes"
    )
    assert loved(store, "T1") == [Loved("q1", 1)], "T1's stays"
    assert loved(store, "T3") == []
