"""Reactions to the bot's posts, on SQLite and PostgreSQL: counted once per person and quote.

Every test takes the `store` fixture, parametrized by backend (as in test_store.py), so
each runs on a new SQLite file and on a new database of a throwaway PostgreSQL server.
Each reaction event has its own time (Slack's `event_ts`): by default each event here is
a microsecond after the one before, as Slack would stamp them; a retry repeats its time.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, inspect, select

from bot.store import Loved, ScheduleRow, Store
from bot.store.schema import reactions

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_event_micros = itertools.count(1772442000_000000)


def next_event_ts() -> str:
    """A Slack `event_ts` later than every one before it in this run."""
    micros = next(_event_micros)
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


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
    at: str | None = None,
) -> bool:
    """`user` reacts to `post`, by default the post that showed `quote`, at event time `at`."""
    return store.reactions.add(
        team_id=team,
        quote_id=quote,
        user_id=user,
        reaction=reaction,
        event_ts=at or next_event_ts(),
        now=now,
        **(post or post_of(quote)),
    )


def unreact(
    store: Store,
    user: str,
    *,
    reaction: str = "heart",
    post: dict[str, str] = POST,
    team: str = "T1",
    at: str | None = None,
) -> bool:
    """`user` takes `reaction` back from `post`, at event time `at`."""
    return store.reactions.remove(
        team_id=team, user_id=user, reaction=reaction, event_ts=at or next_event_ts(),
        now=NOW, **post,
    )  # fmt: skip


def loved(store: Store, team: str = "T1", *, since: datetime | None = None, limit: int = 10):
    return store.reactions.most_loved(team, since=since, limit=limit)


def rows(store: Store) -> list[tuple]:
    with store.engine.connect() as db:
        return list(db.execute(select(reactions).order_by(*reactions.primary_key.columns)))


def test_the_table_and_its_index_are_made(store: Store) -> None:
    assert "reactions" in inspect(store.engine).get_table_names()
    indexes = {index["name"]: index for index in inspect(store.engine).get_indexes("reactions")}
    assert indexes["reactions_loved"]["column_names"] == [
        "team_id", "added", "reacted_at", "quote_id", "user_id",
    ]  # fmt: skip
    assert loved(store) == []


def test_a_retried_event_counts_once(store: Store, other: Store) -> None:
    at = next_event_ts()
    assert react(store, "U1", at=at) is True
    before = rows(store)
    # Slack's retry of the same reaction_added (the same event_ts), here or on another
    # instance: nothing changes, not even the time it was recorded.
    assert react(store, "U1", now=NOW + timedelta(minutes=1), at=at) is False
    assert react(other, "U1", now=NOW + timedelta(minutes=2), at=at) is False
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
    removed_at = next_event_ts()
    assert unreact(other, "U2", at=removed_at) is True
    assert loved(store) == [Loved("q1", 1)]
    assert unreact(store, "U2", at=removed_at) is False, "a retried reaction_removed"
    assert unreact(store, "U1", reaction="tada") is True
    assert loved(store) == [Loved("q1", 1)], "U1's heart is still there"
    assert unreact(store, "U1", reaction="heart") is True
    assert loved(store) == []
    unreact(store, "U9")  # never reacted: nothing to take back
    assert loved(store) == []
    assert react(store, "U1") is True, "reacting again after removing counts again"
    assert loved(store) == [Loved("q1", 1)]


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
    assert unreact(store, "U1", team="T2"), "T2's reaction goes"
    assert loved(store, "T1") == [Loved("q1", 1)], "T1's stays"
    assert loved(store, "T3") == []


# --- the events' own order decides ---------------------------------------------------------


def test_an_add_arriving_after_its_removal_counts_for_nothing(store: Store, other: Store) -> None:
    # U1 adds and at once takes back a heart; the removal is recorded first (the add was
    # still looking up its message, or Slack delivered them out of order), on either instance.
    added_at, removed_at = next_event_ts(), next_event_ts()
    assert unreact(other, "U1", at=removed_at) is True
    assert react(store, "U1", at=added_at) is False, "older than the removal"
    assert loved(store) == []
    # U2 takes a heart back and adds it again; the late removal must not undo the add.
    removed_at, added_at = next_event_ts(), next_event_ts()
    assert react(store, "U2", at=added_at) is True
    assert unreact(other, "U2", at=removed_at) is False, "older than the add"
    assert loved(store) == [Loved("q1", 1)]
    # Later, U1 reacts again for real: that counts.
    assert react(other, "U1") is True
    assert loved(store) == [Loved("q1", 2)]


@pytest.mark.parametrize(
    "events",
    [("add", "remove"), ("add", "remove", "add"), ("add", "remove", "add", "remove")],
    ids=lambda events: "-".join(events),
)
def test_the_latest_event_wins_in_whatever_order_they_arrive(
    store: Store, events: tuple[str, ...]
) -> None:
    """Every order of delivery of one person's events about one reaction, each on its own."""
    stamped = [(kind, next_event_ts()) for kind in events]  # as they happened
    orders = list(itertools.permutations(stamped))
    for number, order in enumerate(orders):
        for kind, at in order:
            if kind == "add":
                react(store, f"U{number}", at=at)
            else:
                unreact(store, f"U{number}", at=at)
    counted = len(orders) if events[-1] == "add" else 0
    assert loved(store) == ([Loved("q1", counted)] if counted else []), stamped


def test_an_add_and_its_removal_racing_on_two_instances_end_removed(
    store: Store, other: Store
) -> None:
    """Two instances write one person's add and its (later) removal at the same moment."""
    people = [f"U{number}" for number in range(20)]
    stamps = {person: (next_event_ts(), next_event_ts()) for person in people}
    with ThreadPoolExecutor(max_workers=8) as pool:
        done = [pool.submit(react, store, person, at=stamps[person][0]) for person in people] + [
            pool.submit(unreact, other, person, at=stamps[person][1]) for person in people
        ]
        for future in done:
            future.result()
    assert loved(store) == []
    assert {row.added for row in rows(store)} == {False} and len(rows(store)) == len(people)


def test_a_reaction_added_again_counts_from_then_on(store: Store) -> None:
    month = datetime(2026, 3, 1, tzinfo=UTC)
    react(store, "U1", now=month - timedelta(days=10))
    unreact(store, "U1")
    react(store, "U1", now=month + timedelta(days=1))
    assert loved(store, since=month) == [Loved("q1", 1)]


def test_a_removal_keeps_the_quote_its_add_recorded(store: Store) -> None:
    react(store, "U1")
    unreact(store, "U1")
    [row] = rows(store)
    assert (row.quote_id, row.added) == ("q1", False)


def test_event_times_must_be_slack_timestamps(store: Store) -> None:
    with pytest.raises(ValueError, match="Slack timestamp"):
        react(store, "U1", at="yesterday")
    assert rows(store) == []


# --- what the store knows of a post's quote, without asking Slack ---------------------------


def quote_on(store: Store, post: dict[str, str], team: str = "T1") -> str | None:
    return store.reactions.quote_on(team_id=team, **post)


def test_a_post_someone_reacted_to_is_known_by_its_quote(store: Store) -> None:
    assert quote_on(store, POST) is None
    react(store, "U1", post=POST)
    assert quote_on(store, POST) == "q1"
    unreact(store, "U1", post=POST)
    assert quote_on(store, POST) == "q1", "taken back, the post still shows the quote"
    assert quote_on(store, OTHER_POST) is None
    assert quote_on(store, POST, team="T2") is None, "another workspace's reactions"


def test_a_removal_alone_says_nothing_of_the_quote(store: Store) -> None:
    unreact(store, "U1", post=OTHER_POST)
    assert quote_on(store, OTHER_POST) is None


def test_a_quote_of_the_day_is_known_by_its_claim(store: Store) -> None:
    store.schedules.add(
        ScheduleRow(
            id="K7Q2M", team_id="T9", channel="CDAILY", time="09:00", timezone="UTC",
            days="mon-fri", topics=(), origin="slack", created_by="U9", enabled=True,
            disabled_reason=None, created_at=NOW, starts_at=NOW,
        )
    )  # fmt: skip
    claim = store.claims.claim(
        subscription_id="K7Q2M", local_date=date(2026, 3, 2), quote_id="q7", cycle=0,
        owner="web.1", lease=timedelta(minutes=5), now=NOW,
    )  # fmt: skip
    assert claim is not None
    sent = {"channel": "CDAILY", "ts": "1772442000.000700"}
    assert quote_on(store, sent) is None, "not sent yet: no ts"
    assert store.claims.mark_sent(claim, ts=sent["ts"], now=NOW)
    assert quote_on(store, sent) == "q7"
    assert quote_on(store, sent, team="T1") == "q7", "a channel and a ts name one message"
    assert quote_on(store, {"channel": "COTHER", "ts": sent["ts"]}) is None
    assert quote_on(store, {"channel": "CDAILY", "ts": "1772442000.000800"}) is None


# --- one indexed query --------------------------------------------------------------------


@pytest.mark.parametrize("since", [None, NOW], ids=["ever", "since"])
def test_most_loved_reads_only_its_index(store: Store, since: datetime | None) -> None:
    for number in range(30):
        react(store, f"U{number % 7}", quote=f"q{number % 10}")
        if number % 3 == 0:
            unreact(store, f"U{number % 7}", post=post_of(f"q{number % 10}"))
    statement, parameters = _most_loved_sql(store, since)
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as db:
            found = db.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plan = " | ".join(str(row[-1]) for row in found)
        assert "USING COVERING INDEX reactions_loved (team_id=? AND added=?" in plan, plan
    else:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.exec_driver_sql("VACUUM ANALYZE reactions")  # as autovacuum would have
            # A table this small is read whole whatever the index; show the index's plan.
            db.exec_driver_sql("SET enable_seqscan = off")
            db.exec_driver_sql("SET enable_bitmapscan = off")
            found = db.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            plan = " | ".join(str(row[0]) for row in found)
        assert "Index Only Scan using reactions_loved" in plan, plan
        assert "(added = true)" in plan and "Filter" not in plan, "the index finds them all"


def _most_loved_sql(store: Store, since: datetime | None) -> tuple[str, object]:
    """The SQL most_loved sends to the database, and its parameters (for EXPLAIN)."""
    sent: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        sent.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        store.reactions.most_loved("T1", since=since, limit=5)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    [query] = sent
    return query
