"""The store against real databases: schema, events, schedules, claims, the walk, members.

Every test takes the `store` (or `store_url`) fixture, parametrized by backend, so each
runs on a new SQLite file and on a new database of a throwaway PostgreSQL server.
Where the rules over the store (duplicates, stopping, resuming) live in
`bot.daily.schedules`, the tests go through them, as the bot does.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select, update

from bot.daily import schedules as daily
from bot.daily.schedule import Subscription
from bot.ids import ALPHABET, LENGTH
from bot.roles import Person, Policy
from bot.store import Claim, PostRecord, ScheduleRow, Store, StoreError
from bot.store.schema import SCHEMA_VERSION, schema_info, walk_steps

# Every test runs on SQLite and on a throwaway PostgreSQL server (tests/postgres.py).

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)
LEASE = timedelta(minutes=5)
ADMIN = Person("UADMIN", is_admin=True)
MEMBER = Person("U1")
POLICY = Policy()


def sub(channel: str = "C1", *, team: str = "T1", time: str = "09:00", **more) -> Subscription:
    return Subscription(channel=channel, time=time, team_id=team, **more)


def row(
    schedule_id: str = "K7Q2M", channel: str = "C1", *, team: str = "T1", **fields
) -> ScheduleRow:
    """A schedule made in Slack, as the store holds it; `fields` override any column."""
    values = {
        "id": schedule_id, "team_id": team, "channel": channel, "time": "09:00",
        "timezone": "UTC", "days": "mon-fri", "topics": (), "origin": "slack",
        "created_by": "U1", "enabled": True, "disabled_reason": None, "created_at": NOW,
        "starts_at": NOW,
    }  # fmt: skip
    return ScheduleRow(**(values | fields))


def claim(
    store: Store,
    *,
    key: str = "k1",
    day: date = DAY,
    quote: str = "q1",
    cycle: int = 0,
    owner: str = "web.1",
    now: datetime = NOW,
    lease: timedelta = LEASE,
) -> Claim | None:
    return store.claims.claim(
        subscription_id=key,
        local_date=day,
        quote_id=quote,
        cycle=cycle,
        owner=owner,
        now=now,
        lease=lease,
    )


def held(store: Store, **fields) -> Claim:
    """A claim that must be won (the test is wrong otherwise)."""
    won = claim(store, **fields)
    assert won is not None, f"claim {fields} was not won"
    return won


def ids(store: Store, **filters) -> set[str]:
    return {stored.id for stored in daily.schedules(store, **filters)}


def add(store: Store, made: Subscription, *, by: Person = MEMBER) -> daily.Change:
    """`/quote daily` by a person, with a seeded ID draw."""
    return daily.add(store, made, person=by, policy=POLICY, now=NOW, rng=random.Random(7))


def walk_rows(store: Store, key: str) -> set[tuple[date, int, str]]:
    """The walk's stored steps for one schedule: (date, cycle, quote)."""
    steps = walk_steps.c
    query = select(steps.local_date, steps.cycle, steps.quote_id).where(
        steps.subscription_id == key
    )
    with store.engine.connect() as db:
        return {(day, cycle, quote) for day, cycle, quote in db.execute(query)}


# --- schema ---------------------------------------------------------------------------


def stored_version(store: Store) -> int | None:
    with store.engine.connect() as db:
        return db.scalar(select(schema_info.c.version))


def test_the_schema_is_created_on_first_open(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "quotebot_schema", "seen_events", "daily_schedules", "daily_claims", "daily_walk",
        "channel_members", "book_quotes", "hidden_quotes", "book_changes", "reactions",
        "corrections", "reports",
    } <= tables  # fmt: skip
    assert not tables & {"subscriptions", "daily_posts"}, "version 1's tables are not made"
    assert stored_version(store) == SCHEMA_VERSION == 6


def test_reopening_keeps_the_data_and_the_version(store: Store, store_url: str) -> None:
    assert store.schedules.add(row("K7Q2M"))
    store.close()
    reopened = Store(store_url)
    try:
        assert stored_version(reopened) == SCHEMA_VERSION
        assert ids(reopened) == {"K7Q2M"}
        with reopened.engine.connect() as db:
            assert len(db.execute(select(schema_info)).all()) == 1
    finally:
        reopened.close()


def test_a_database_newer_than_the_code_is_refused(store: Store, store_url: str) -> None:
    with store.engine.begin() as db:
        db.execute(update(schema_info).values(version=SCHEMA_VERSION + 1))
    with pytest.raises(StoreError, match=r"newer than this quotebot.*upgrade quotebot"):
        Store(store_url)


# --- events -----------------------------------------------------------------------------


def test_first_delivery_is_true_once(store: Store, other: Store) -> None:
    assert store.events.first_delivery("Ev1", now=NOW) is True
    assert store.events.first_delivery("Ev1", now=NOW + timedelta(seconds=3)) is False
    assert other.events.first_delivery("Ev1", now=NOW) is False
    assert store.events.first_delivery("Ev2", now=NOW) is True


# --- schedules --------------------------------------------------------------------------


def test_a_schedule_round_trips(store: Store) -> None:
    made = row(
        "K7Q2M", "C7", timezone="Europe/Berlin", days="sat,sun", topics=("self driving", "AI"),
        created_by="U9", created_at=NOW.astimezone(ZoneInfo("Europe/Berlin")),
        starts_at=NOW + timedelta(hours=1),
    )  # fmt: skip
    assert store.schedules.add(made)
    assert store.schedules.get("K7Q2M") == made
    assert store.schedules.list() == [made]
    assert store.schedules.get("NOSCH") is None
    # And as the domain reads it back: the same subscription, under its stored ID.
    [stored] = daily.schedules(store)
    expected = Subscription(
        channel="C7", time="09:00", timezone="Europe/Berlin", days="sat,sun",
        topics=("self driving", "AI"), team_id="T1",
    )  # fmt: skip
    assert (stored.subscription, stored.id) == (expected, "K7Q2M")
    assert (stored.origin, stored.enabled, stored.created_by) == ("slack", True, "U9")
    assert stored.disabled_reason is None
    assert (stored.created_at, stored.starts_at) == (NOW, NOW + timedelta(hours=1))


def test_add_refuses_an_id_already_taken(store: Store) -> None:
    first = row("K7Q2M", "C1")
    assert store.schedules.add(first) is True
    assert store.schedules.add(row("K7Q2M", "C2", created_by="U2")) is False
    assert store.schedules.list(enabled_only=False) == [first]


def test_config_schedules_keep_the_id_their_fields_derive(store: Store) -> None:
    configured = sub("C1", timezone="Europe/Berlin", topics=("AI",))
    daily.sync_config(store, [configured], now=NOW)
    daily.sync_config(store, [configured], now=NOW + timedelta(days=1))  # the next start
    [stored] = store.schedules.list()
    assert stored.id == configured.id
    assert len(stored.id) == LENGTH and set(stored.id) <= set(ALPHABET)
    assert (stored.origin, stored.created_by, stored.starts_at) == ("config", None, None)


def test_a_slack_schedules_id_is_drawn_and_survives_an_edit(store: Store) -> None:
    wanted = sub("C1", time="09:00")
    made = add(store, wanted).schedule
    assert made is not None and made.origin == "slack"
    assert made.id != wanted.id, "drawn at random, not derived from the fields"
    assert len(made.id) == LENGTH and set(made.id) <= set(ALPHABET)
    edited = daily.edit(
        store, made, sub("C1", time="10:30", days="sat,sun"), person=MEMBER, policy=POLICY,
        now=NOW,
    )  # fmt: skip
    assert edited.decision.allowed, edited.decision.reason
    [stored] = daily.schedules(store)
    assert (stored.id, stored.subscription.time, stored.subscription.days) == (
        made.id, "10:30", "sat,sun",
    )  # fmt: skip


def test_sync_config_adds_keeps_and_removes_config_schedules(store: Store) -> None:
    a, b, c = sub("CA"), sub("CB"), sub("CC")
    slack = add(store, sub("CS")).schedule
    assert slack is not None
    daily.sync_config(store, [a, b], now=NOW)
    assert ids(store) == {a.id, b.id, slack.id}
    assert {s.origin for s in daily.schedules(store) if s.id != slack.id} == {"config"}

    daily.sync_config(store, [a, c], now=NOW)
    assert ids(store) == {a.id, c.id, slack.id}

    daily.sync_config(store, [a, c], now=NOW)
    assert len(store.schedules.list(enabled_only=False)) == 3

    daily.sync_config(store, [], now=NOW)
    assert ids(store, enabled_only=False) == {slack.id}


def test_sync_config_keeps_a_config_schedule_edited_in_slack(store: Store) -> None:
    configured = sub("C1", time="09:00")
    daily.sync_config(store, [configured], now=NOW)
    assert store.schedules.update(configured.id, time="10:30")
    daily.sync_config(store, [configured], now=NOW + timedelta(days=1))
    [stored] = store.schedules.list(enabled_only=False)
    assert (stored.id, stored.time) == (configured.id, "10:30")


def test_stop_channel_removes_slack_ones_and_pauses_config_ones(store: Store) -> None:
    configured, elsewhere, other_team = sub("C1", time="08:00"), sub("C2"), sub("C1", team="T2")
    daily.sync_config(store, [configured, elsewhere, other_team], now=NOW)
    made = add(store, sub("C1", time="12:00")).schedule
    assert made is not None and made.origin == "slack"

    def stop() -> daily.Change:
        return daily.stop_channel(
            store, team_id="T1", channel="C1", person=ADMIN, policy=POLICY, reason="off by U1"
        )

    assert stop().count == 2

    assert ids(store) == {elsewhere.id, other_team.id}
    assert store.schedules.get(made.id) is None
    [kept] = daily.schedules(store, team_id="T1", channel="C1", enabled_only=False)
    assert kept.id == configured.id
    assert (kept.enabled, kept.disabled_reason) == (False, "off by U1")
    assert stop().count == 0


def test_sync_config_does_not_turn_a_paused_schedule_back_on(store: Store) -> None:
    configured = sub("C1")
    daily.sync_config(store, [configured], now=NOW)
    assert store.schedules.update(configured.id, enabled=False, disabled_reason="off")
    daily.sync_config(store, [configured], now=NOW + timedelta(days=1))
    assert ids(store) == set()
    assert ids(store, enabled_only=False) == {configured.id}
    paused = store.schedules.get(configured.id)
    assert paused is not None and paused.disabled_reason == "off"


def test_adding_a_stopped_config_schedule_again_turns_it_back_on(store: Store) -> None:
    configured = sub("C1")
    daily.sync_config(store, [configured], now=NOW)
    daily.stop_channel(store, team_id="T1", channel="C1", person=ADMIN, policy=POLICY, reason="off")
    assert ids(store) == set()
    # The settings file's schedules are a manager's to turn back on, not any member's.
    assert not add(store, configured, by=MEMBER).decision.allowed
    assert ids(store) == set()
    assert add(store, configured, by=ADMIN).decision.allowed
    [stored] = daily.schedules(store)
    assert (stored.id, stored.enabled, stored.disabled_reason) == (configured.id, True, None)
    assert len(store.schedules.list(enabled_only=False)) == 1


def test_adding_a_paused_slack_schedule_again_turns_it_back_on(store: Store) -> None:
    made = add(store, sub("C1")).schedule
    assert made is not None
    assert daily.pause(store, made, person=MEMBER, policy=POLICY, reason="away").decision.allowed
    assert ids(store) == set()
    again = add(store, sub("C1"))
    assert again.decision.allowed and not again.already
    [stored] = daily.schedules(store)
    assert (stored.id, stored.enabled, stored.disabled_reason) == (made.id, True, None)


def test_adding_the_same_schedule_twice_keeps_one(store: Store) -> None:
    first = add(store, sub(), by=Person("U1"))
    second = add(store, sub(), by=Person("U2"))
    assert (first.already, second.already) == (False, True)
    assert second.schedule == first.schedule
    assert len(store.schedules.list(enabled_only=False)) == 1


def test_update_switches_one_off(store: Store) -> None:
    a, b = sub("C1"), sub("C2")
    daily.sync_config(store, [a, b], now=NOW)
    assert store.schedules.update(a.id, enabled=False, disabled_reason="channel_not_found")
    assert ids(store) == {b.id}
    off = store.schedules.get(a.id)
    assert off is not None and (off.enabled, off.disabled_reason) == (False, "channel_not_found")


def test_update_keeps_the_id_and_changes_only_the_fields_given(store: Store) -> None:
    made = row("K7Q2M", "C1", topics=("AI",))
    assert store.schedules.add(made)
    later = NOW + timedelta(days=2)
    assert store.schedules.update(
        "K7Q2M", time="17:45", timezone="Asia/Tokyo", days="sat,sun",
        topics=("robots", "self driving"), starts_at=later.astimezone(ZoneInfo("Asia/Tokyo")),
    )  # fmt: skip
    [changed] = store.schedules.list()
    assert changed == ScheduleRow(
        id="K7Q2M", team_id="T1", channel="C1", time="17:45", timezone="Asia/Tokyo",
        days="sat,sun", topics=("robots", "self driving"), origin="slack", created_by="U1",
        enabled=True, disabled_reason=None, created_at=NOW, starts_at=later,
    )  # fmt: skip
    assert store.schedules.update("NOSCH", time="10:00") is False
    assert store.schedules.list() == [changed]


def test_delete_removes_only_that_schedule(store: Store) -> None:
    assert store.schedules.add(row("AAAAA", "C1"))
    assert store.schedules.add(row("BBBBB", "C1"))
    store.schedules.delete("AAAAA")
    store.schedules.delete("NOSCH")  # nothing to delete: no error
    assert [kept.id for kept in store.schedules.list()] == ["BBBBB"]


def test_schedules_filter_by_team_and_channel(store: Store) -> None:
    subs = [sub("C1"), sub("C2"), sub("C1", team="T2"), sub("C1", team="", time="07:00")]
    daily.sync_config(store, subs, now=NOW)
    # The settings file's team-less ("") schedules belong to every team asking.
    assert ids(store, team_id="T1") == {subs[0].id, subs[1].id, subs[3].id}
    assert ids(store, channel="C1") == {subs[0].id, subs[2].id, subs[3].id}
    assert ids(store, team_id="T2", channel="C1") == {subs[2].id, subs[3].id}
    assert [s.time for s in store.schedules.list(channel="C1")] == ["07:00", "09:00", "09:00"]


def test_list_leaves_out_paused_schedules_unless_asked(store: Store) -> None:
    assert store.schedules.add(row("AAAAA", "C1"))
    assert store.schedules.add(row("BBBBB", "C1", enabled=False, disabled_reason="paused"))
    assert [s.id for s in store.schedules.list()] == ["AAAAA"]
    assert [s.id for s in store.schedules.list(enabled_only=False)] == ["AAAAA", "BBBBB"]


def test_count_includes_the_settings_files_team_less_schedules(store: Store) -> None:
    for made in [
        row("AAAAA", "C1"),
        row("BBBBB", "C1", enabled=False, disabled_reason="paused"),  # off counts too
        row("CCCCC", "C1", team="", origin="config", created_by=None, starts_at=None),
        row("DDDDD", "C1", team="T2"),  # another workspace's
        row("EEEEE", "C2"),  # another channel
    ]:
        assert store.schedules.add(made)
    assert store.schedules.count(team_id="T1", channel="C1") == 3
    assert store.schedules.count(team_id="T2", channel="C1") == 2
    assert store.schedules.count(team_id="T1", channel="C2") == 1
    assert store.schedules.count(team_id="T3", channel="C9") == 0


# --- claims -------------------------------------------------------------------------------


def test_a_day_is_claimed_exactly_once(store: Store, other: Store) -> None:
    first = claim(store)
    assert first == Claim("k1", DAY, "q1", 0, taken_over=False, owner="web.1")
    assert first.id == "k1:2026-03-02"
    assert claim(store, quote="q2") is None
    assert claim(other, quote="q3", owner="worker.1") is None
    assert claim(store, day=DAY + timedelta(days=1)) is not None
    assert claim(store, key="k2") is not None


def test_a_lease_is_taken_over_only_after_it_ran_out(store: Store, other: Store) -> None:
    claim(store, quote="q1", cycle=3)
    assert claim(other, quote="q2", now=NOW + LEASE - timedelta(seconds=1)) is None
    assert claim(other, quote="q2", now=NOW + LEASE) is None
    taken = claim(other, quote="q2", owner="worker.1", now=NOW + LEASE + timedelta(seconds=1))
    assert taken == Claim("k1", DAY, "q1", 3, taken_over=True, owner="worker.1")
    # The taker holds a fresh lease now: nobody takes it from them straight away.
    assert claim(store, now=NOW + LEASE + timedelta(seconds=2)) is None


def test_the_lease_counts_from_the_now_given_to_claim(store: Store, other: Store) -> None:
    made_at = NOW + timedelta(minutes=4)
    held(store, now=made_at)  # leased until 08:09, not 08:05
    at_eight_past = NOW + timedelta(minutes=8)
    assert store.claims.taken(subscription_id="k1", local_date=DAY, now=at_eight_past)
    assert claim(other, quote="q2", owner="worker.1", now=at_eight_past) is None
    assert claim(other, quote="q2", owner="worker.1", now=made_at + LEASE) is None
    taken = claim(other, quote="q2", owner="worker.1", now=made_at + LEASE + timedelta(seconds=1))
    assert taken is not None and taken.taken_over


def test_a_live_lease_holds_whatever_zone_the_clock_reads_in(store: Store, other: Store) -> None:
    claim(store, now=NOW)  # leased until 08:05 UTC
    one_minute_later = (NOW + timedelta(minutes=1)).astimezone(ZoneInfo("Europe/Berlin"))
    assert claim(other, quote="q2", now=one_minute_later) is None


def test_times_without_a_zone_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="time zone"):
        claim(store, now=NOW.replace(tzinfo=None))


def test_a_sent_post_is_never_claimed_again(store: Store, other: Store) -> None:
    first = held(store)
    assert store.claims.mark_sent(first, ts="1700000000.000100", now=NOW) is True
    assert store.claims.posts() == [
        PostRecord("k1", DAY, "sent", "q1", 0, "1700000000.000100", None)
    ]
    assert claim(other, now=NOW + timedelta(days=1)) is None
    store.claims.release(first)  # too late to give it back: it was sent
    assert store.claims.posts()[0].status == "sent"
    assert store.claims.mark_failed(first, error="late", now=NOW) is False
    assert store.claims.posts()[0].status == "sent"


def test_a_failed_post_is_not_retried(store: Store) -> None:
    first = held(store)
    assert store.claims.mark_failed(first, error="not_in_channel", now=NOW) is True
    [post] = store.claims.posts()
    assert (post.status, post.error, post.ts) == ("failed", "not_in_channel", None)
    assert claim(store, now=NOW + timedelta(days=1)) is None


def test_an_unverified_post_is_not_sent_again(store: Store, other: Store) -> None:
    first = held(store)
    assert store.claims.mark_unverified(first, error="timeout", now=NOW) is True
    [post] = store.claims.posts()
    assert (post.status, post.error, post.ts) == ("unverified", "timeout", None)
    assert claim(other, owner="worker.1", now=NOW + timedelta(days=1)) is None
    assert store.claims.renew(first, now=NOW, lease=LEASE) is False


def test_a_released_claim_can_be_claimed_afresh(store: Store, other: Store) -> None:
    first = held(store, quote="q1")
    store.claims.release(first)
    assert store.claims.posts() == []
    again = claim(other, quote="q2", owner="worker.1")
    assert again == Claim("k1", DAY, "q2", 0, taken_over=False, owner="worker.1")


def test_a_process_whose_lease_ran_out_cannot_release_the_new_owners_claim(
    store: Store, other: Store
) -> None:
    stale = held(store, owner="web.1")
    taken = held(other, owner="worker.1", now=NOW + LEASE + timedelta(seconds=1))
    assert taken.taken_over

    store.claims.release(stale)  # web.1 gives up, late

    [post] = store.claims.posts()
    assert post.status == "pending"
    assert claim(store, now=NOW + LEASE + timedelta(seconds=2)) is None
    assert store.claims.walk("k1") == (0, {"q1"}), "the new owner's quote stays in the walk"


def test_posts_lists_one_schedules_posts_by_date(store: Store) -> None:
    claim(store, key="k1", day=DAY + timedelta(days=1))
    claim(store, key="k1", day=DAY)
    claim(store, key="k2", day=DAY)
    dates = [post.local_date for post in store.claims.posts(subscription_id="k1")]
    assert dates == [DAY, DAY + timedelta(days=1)]
    assert len(store.claims.posts()) == 3


# --- the walk ---------------------------------------------------------------------------


def test_the_walk_is_the_current_cycle_and_its_quotes(store: Store) -> None:
    assert store.claims.walk("k1") == (0, set())
    sent = held(store, day=DAY, quote="q1")
    assert store.claims.mark_sent(sent, ts="1.1", now=NOW)
    claim(store, day=DAY + timedelta(days=1), quote="q2")  # pending counts as used
    failed = held(store, day=DAY + timedelta(days=2), quote="q3")
    assert store.claims.mark_failed(failed, error="boom", now=NOW)
    assert store.claims.walk("k1") == (0, {"q1", "q2"})

    claim(store, day=DAY + timedelta(days=3), quote="q1", cycle=1)
    assert store.claims.walk("k1") == (1, {"q1"})
    claim(store, day=DAY + timedelta(days=4), quote="q4", cycle=1)
    assert store.claims.walk("k1") == (1, {"q1", "q4"})
    assert store.claims.walk("k2") == (0, set())


@pytest.mark.parametrize("outcome", ["mark_sent", "mark_unverified", "mark_failed", "release"])
def test_failed_and_released_quotes_go_back_to_the_walk_sent_and_unverified_stay(
    store: Store, outcome: str
) -> None:
    claim(store, day=DAY, quote="q1")
    mine = held(store, day=DAY + timedelta(days=1), quote="q2")
    assert store.claims.walk("k1") == (0, {"q1", "q2"})
    if outcome == "mark_sent":
        assert store.claims.mark_sent(mine, ts="1.1", now=NOW)
    elif outcome == "release":
        store.claims.release(mine)
    else:
        assert getattr(store.claims, outcome)(mine, error="boom", now=NOW)
    kept = outcome in ("mark_sent", "mark_unverified")
    assert store.claims.walk("k1") == (0, {"q1", "q2"} if kept else {"q1"})


def test_a_new_cycle_drops_the_walk_steps_of_cycles_before_the_previous_one(
    store: Store,
) -> None:
    claim(store, day=DAY, quote="q1")
    claim(store, day=DAY + timedelta(days=1), quote="q2")
    claim(store, key="k2", day=DAY, quote="q1")
    assert walk_rows(store, "k1") == {(DAY, 0, "q1"), (DAY + timedelta(days=1), 0, "q2")}
    claim(store, day=DAY + timedelta(days=2), quote="q2", cycle=1)
    assert store.claims.walk("k1") == (1, {"q2"})

    claim(store, day=DAY + timedelta(days=3), quote="q1", cycle=2)

    assert walk_rows(store, "k1") == {
        (DAY + timedelta(days=2), 1, "q2"), (DAY + timedelta(days=3), 2, "q1")
    }, "cycle 0 is gone; cycle 1 stays while cycle 2 has just begun"  # fmt: skip
    assert store.claims.walk("k1") == (2, {"q1"})
    assert walk_rows(store, "k2") == {(DAY, 0, "q1")}, "another schedule's walk is its own"
    assert len(store.claims.posts(subscription_id="k1")) == 4, "the claims themselves stay"


@pytest.mark.parametrize("give_back", ["mark_failed", "release"])
def test_a_new_cycle_whose_first_post_is_given_back_does_not_send_the_walk_back(
    store: Store, give_back: str
) -> None:
    """The cycle is the walk's position: a failed or retried post must not rewind it.

    Cycle 1 used q1; cycle 2's first post fails (or is given back to retry). Either
    cycle 1 is still current or cycle 2 has begun with nothing used; a walk back at
    cycle 0 would replay cycle 0's shuffle and number the next claims cycle 0 again.
    """
    sent = held(store, day=DAY, quote="q1", cycle=1)
    assert store.claims.mark_sent(sent, ts="1.1", now=NOW)
    newer = held(store, day=DAY + timedelta(days=1), quote="q9", cycle=2)
    if give_back == "release":
        store.claims.release(newer)
    else:
        assert store.claims.mark_failed(newer, error="boom", now=NOW)
    assert store.claims.walk("k1") in [(1, {"q1"}), (2, set())]


def test_a_claim_made_right_after_a_release_keeps_its_quote_in_the_walk(
    store: Store, other: Store
) -> None:
    """Another process claims the day the moment a release is done.

    The release deletes the claim and its walk step in one transaction, so nothing
    of it runs after the new claim and undoes the new claim's step.
    """
    first = held(store, quote="q1", owner="web.1")
    store.claims.release(first)
    raced = claim(other, quote="q2", owner="worker.1")

    assert raced == Claim("k1", DAY, "q2", 0, owner="worker.1")
    assert store.claims.walk("k1") == (0, {"q2"})


def test_pruning_removes_finished_old_claims_and_keeps_pending_ones_and_the_walk(
    store: Store,
) -> None:
    days = [DAY + timedelta(days=n) for n in range(6)]
    cutoff = days[4]
    sent = held(store, day=days[0], quote="q1", cycle=1)
    assert store.claims.mark_sent(sent, ts="1.1", now=NOW)
    failed = held(store, day=days[1], quote="q2", cycle=1)
    assert store.claims.mark_failed(failed, error="boom", now=NOW)
    unverified = held(store, day=days[2], quote="q3", cycle=1)
    assert store.claims.mark_unverified(unverified, error="timeout", now=NOW)
    claim(store, day=days[3], quote="q4", cycle=1)  # pending, before the cutoff
    on_cutoff = held(store, day=cutoff, quote="q5", cycle=1)
    assert store.claims.mark_sent(on_cutoff, ts="2.2", now=NOW)
    other_key = held(store, key="k2", day=days[0], quote="q1")
    assert store.claims.mark_sent(other_key, ts="3.3", now=NOW)
    walks = store.claims.walk("k1"), store.claims.walk("k2")
    assert walks == ((1, {"q1", "q3", "q4", "q5"}), (0, {"q1"}))

    assert store.claims.prune(before=cutoff) == 4

    left = [(post.subscription_id, post.local_date, post.status) for post in store.claims.posts()]
    assert left == [("k1", days[3], "pending"), ("k1", cutoff, "sent")]
    assert (store.claims.walk("k1"), store.claims.walk("k2")) == walks
    assert store.claims.prune(before=cutoff) == 0
    # The pending claim still holds its day, and the sent one on the cutoff is still done.
    assert claim(store, day=days[3], quote="q9", now=NOW + timedelta(minutes=1)) is None
    assert claim(store, day=cutoff, quote="q9", now=NOW + timedelta(days=1)) is None


def test_pruning_in_small_batches_still_removes_every_old_claim(store: Store) -> None:
    for n in range(7):
        done = held(store, day=DAY + timedelta(days=n), quote=f"q{n}")
        assert store.claims.mark_sent(done, ts=f"{n}.0", now=NOW)

    assert store.claims.prune(before=DAY + timedelta(days=6), batch=2) == 6

    assert [post.local_date for post in store.claims.posts()] == [DAY + timedelta(days=6)]


def test_finished_is_the_sent_failed_and_unverified_ones_asked_about(store: Store) -> None:
    days = [DAY + timedelta(days=n) for n in range(5)]
    sent, failed, unverified = (held(store, day=day) for day in days[:3])
    assert store.claims.mark_sent(sent, ts="1.1", now=NOW)
    assert store.claims.mark_failed(failed, error="x", now=NOW)
    assert store.claims.mark_unverified(unverified, error="timeout", now=NOW)
    claim(store, day=days[3])  # pending: not finished
    other_key = held(store, key="k2", day=days[0])
    assert store.claims.mark_sent(other_key, ts="2.2", now=NOW)

    asked = [("k1", day) for day in days] + [("k3", days[0])]
    assert store.claims.finished(asked) == {("k1", days[0]), ("k1", days[1]), ("k1", days[2])}
    assert store.claims.finished([]) == set()
    assert store.claims.finished(iter([("k2", days[0])])) == {("k2", days[0])}


# --- members ------------------------------------------------------------------------------


def test_members_are_kept_per_team(store: Store, other: Store) -> None:
    assert store.members.channels("T1") == set()
    store.members.add(team_id="T1", channel="C1", now=NOW)
    store.members.add(team_id="T1", channel="C2", now=NOW)
    store.members.add(team_id="T1", channel="C1", now=NOW + timedelta(days=1))  # again: one
    store.members.add(team_id="T2", channel="C1", now=NOW)
    assert other.members.channels("T1") == {"C1", "C2"}
    assert other.members.channels("T2") == {"C1"}

    store.members.remove(team_id="T1", channel="C1")
    store.members.remove(team_id="T1", channel="C9")  # never joined: nothing to remove

    assert other.members.channels("T1") == {"C2"}
    assert other.members.channels("T2") == {"C1"}, "another team's channel of that name stays"


# --- concurrency ------------------------------------------------------------------------------

PAIRS = [(f"sub{n % 5}", DAY + timedelta(days=n // 5)) for n in range(50)]


def claim_all(url: str, owner: str, start: threading.Barrier | None = None) -> list[str]:
    """Claim every pair in PAIRS from a Store of our own; the ids of the claims won."""
    mine = Store(url)
    try:
        if start is not None:
            start.wait(timeout=30)
        won = []
        for key, day in PAIRS:
            got = claim(mine, key=key, day=day, quote=owner, owner=owner)
            if got is not None:
                won.append(got.id)
        return won
    finally:
        mine.close()


def _claim_in_process(url: str, owner: str, start, results) -> None:
    results.put(claim_all(url, owner, start))


def assert_each_claimed_once(store: Store, won: list[list[str]]) -> None:
    counts = Counter(claim_id for claims in won for claim_id in claims)
    expected = {f"{key}:{day.isoformat()}" for key, day in PAIRS}
    assert set(counts) == expected
    assert [claim_id for claim_id, n in counts.items() if n != 1] == []
    assert len(store.claims.posts()) == len(PAIRS)


def test_threads_racing_claim_each_pair_exactly_once(store: Store, store_url: str) -> None:
    start = threading.Barrier(4)
    won: list[list[str]] = [[] for _ in range(4)]

    def run(n: int) -> None:
        won[n] = claim_all(store_url, f"thread.{n}", start)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert_each_claimed_once(store, won)


def test_processes_racing_claim_each_pair_exactly_once(store: Store, store_url: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(2), spawn.Queue()
    processes = [
        spawn.Process(target=_claim_in_process, args=(store_url, f"proc.{n}", start, results))
        for n in range(2)
    ]
    for process in processes:
        process.start()
    won = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    results.close()
    results.join_thread()
    assert_each_claimed_once(store, won)
