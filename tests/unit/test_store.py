"""The store against real database files: schema, events, subscriptions and daily claims.

Every test takes the `store` (or `store_url`) fixture, parametrized by backend, so the
same tests can run against PostgreSQL by adding it to BACKENDS.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select, update

from bot.daily.schedule import Subscription
from bot.schema import SCHEMA_VERSION, schema_info
from bot.store import Claim, Store
from tests.postgres import fresh_database

# Every test runs on SQLite and on a throwaway PostgreSQL server (tests/postgres.py).
BACKENDS = ["sqlite", "postgresql"]

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)
LEASE = timedelta(minutes=5)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each backend: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "postgresql":
        return fresh_database(request.getfixturevalue("postgres"))
    return f"sqlite:///{tmp_path / 'quotebot.sqlite3'}"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def other(store: Store, store_url: str) -> Iterator[Store]:
    """A second Store on the same database, as a second process would have."""
    second = Store(store_url)
    yield second
    second.close()


def sub(channel: str = "C1", *, team: str = "T1", time: str = "09:00", **more) -> Subscription:
    return Subscription(channel=channel, time=time, team_id=team, **more)


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
    return store.claim(
        subscription_key=key,
        local_date=day,
        quote_id=quote,
        cycle=cycle,
        owner=owner,
        now=now,
        lease=lease,
    )


def keys(store: Store, **filters) -> set[str]:
    return {stored.key for stored in store.subscriptions(**filters)}


# --- schema ---------------------------------------------------------------------------


def stored_version(store: Store) -> int | None:
    with store.engine.connect() as db:
        return db.scalar(select(schema_info.c.version))


def test_the_schema_is_created_on_first_open(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {"quotebot_schema", "seen_events", "subscriptions", "daily_posts"} <= tables
    assert stored_version(store) == SCHEMA_VERSION


def test_reopening_keeps_the_data_and_the_version(store: Store, store_url: str) -> None:
    store.subscribe(sub(), user="U1", now=NOW)
    store.close()
    reopened = Store(store_url)
    try:
        assert stored_version(reopened) == SCHEMA_VERSION
        assert keys(reopened) == {sub().key}
        with reopened.engine.connect() as db:
            assert len(db.execute(select(schema_info)).all()) == 1
    finally:
        reopened.close()


def test_a_database_newer_than_the_code_is_refused(store: Store, store_url: str) -> None:
    with store.engine.begin() as db:
        db.execute(update(schema_info).values(version=SCHEMA_VERSION + 1))
    with pytest.raises(RuntimeError, match=r"newer than this quotebot.*upgrade quotebot"):
        Store(store_url)


# --- events -----------------------------------------------------------------------------


def test_first_delivery_is_true_once(store: Store, other: Store) -> None:
    assert store.first_delivery("Ev1", now=NOW) is True
    assert store.first_delivery("Ev1", now=NOW + timedelta(seconds=3)) is False
    assert other.first_delivery("Ev1", now=NOW) is False
    assert store.first_delivery("Ev2", now=NOW) is True


# --- subscriptions ----------------------------------------------------------------------


def test_a_subscription_round_trips(store: Store) -> None:
    made = sub("C7", timezone="Europe/Berlin", days="sat,sun", topics=("self driving", "AI"))
    store.subscribe(made, user="U9", now=NOW)
    [stored] = store.subscriptions()
    assert stored.subscription == made
    assert (stored.origin, stored.enabled, stored.created_by) == ("slack", True, "U9")
    assert stored.disabled_reason is None


def test_sync_config_adds_keeps_and_removes_config_subscriptions(store: Store) -> None:
    a, b, c = sub("CA"), sub("CB"), sub("CC")
    slack = sub("CS")
    store.subscribe(slack, user="U1", now=NOW)
    store.sync_config([a, b], now=NOW)
    assert keys(store) == {a.key, b.key, slack.key}
    assert {s.origin for s in store.subscriptions() if s.key != slack.key} == {"config"}

    store.sync_config([a, c], now=NOW)
    assert keys(store) == {a.key, c.key, slack.key}

    store.sync_config([a, c], now=NOW)
    assert len(store.subscriptions(enabled_only=False)) == 3

    store.sync_config([], now=NOW)
    assert keys(store, enabled_only=False) == {slack.key}


def test_unsubscribe_removes_slack_ones_and_disables_config_ones(store: Store) -> None:
    configured, made = sub("C1", time="08:00"), sub("C1", time="12:00")
    elsewhere, other_team = sub("C2"), sub("C1", team="T2")
    store.sync_config([configured, elsewhere, other_team], now=NOW)
    store.subscribe(made, user="U1", now=NOW)

    assert store.unsubscribe(team_id="T1", channel="C1", reason="off by U1") == 2

    assert keys(store) == {elsewhere.key, other_team.key}
    [kept] = store.subscriptions(team_id="T1", channel="C1", enabled_only=False)
    assert kept.key == configured.key
    assert (kept.enabled, kept.disabled_reason) == (False, "off by U1")
    assert store.unsubscribe(team_id="T1", channel="C1", reason="again") == 0


def test_sync_config_does_not_turn_a_disabled_subscription_back_on(store: Store) -> None:
    configured = sub("C1")
    store.sync_config([configured], now=NOW)
    store.unsubscribe(team_id="T1", channel="C1", reason="off")
    store.sync_config([configured], now=NOW + timedelta(days=1))
    assert keys(store) == set()
    assert keys(store, enabled_only=False) == {configured.key}


def test_subscribe_turns_a_disabled_subscription_back_on(store: Store) -> None:
    configured = sub("C1")
    store.sync_config([configured], now=NOW)
    store.unsubscribe(team_id="T1", channel="C1", reason="off")
    store.subscribe(configured, user="U2", now=NOW)
    [stored] = store.subscriptions()
    assert (stored.key, stored.enabled, stored.disabled_reason) == (configured.key, True, None)


def test_subscribing_twice_keeps_one(store: Store) -> None:
    store.subscribe(sub(), user="U1", now=NOW)
    store.subscribe(sub(), user="U2", now=NOW)
    assert len(store.subscriptions(enabled_only=False)) == 1


def test_disable_switches_one_off(store: Store) -> None:
    a, b = sub("C1"), sub("C2")
    store.sync_config([a, b], now=NOW)
    store.disable(a.key, "channel_not_found")
    assert keys(store) == {b.key}


def test_subscriptions_filter_by_team_and_channel(store: Store) -> None:
    subs = [sub("C1"), sub("C2"), sub("C1", team="T2")]
    store.sync_config(subs, now=NOW)
    assert keys(store, team_id="T1") == {subs[0].key, subs[1].key}
    assert keys(store, channel="C1") == {subs[0].key, subs[2].key}
    assert keys(store, team_id="T2", channel="C1") == {subs[2].key}


# --- claims -------------------------------------------------------------------------------


def test_a_day_is_claimed_exactly_once(store: Store, other: Store) -> None:
    first = claim(store)
    assert first == Claim("k1", DAY, "q1", 0, taken_over=False, owner="web.1")
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


def test_a_live_lease_holds_whatever_zone_the_clock_reads_in(store: Store, other: Store) -> None:
    claim(store, now=NOW)  # leased until 08:05 UTC
    one_minute_later = (NOW + timedelta(minutes=1)).astimezone(ZoneInfo("Europe/Berlin"))
    assert claim(other, quote="q2", now=one_minute_later) is None


def test_times_without_a_zone_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="time zone"):
        claim(store, now=NOW.replace(tzinfo=None))


def test_a_sent_post_is_never_claimed_again(store: Store, other: Store) -> None:
    first = claim(store)
    assert first is not None
    store.mark_sent(first, ts="1700000000.000100", now=NOW)
    [post] = store.posts()
    assert (post.status, post.ts, post.quote_id, post.error) == (
        "sent",
        "1700000000.000100",
        "q1",
        None,
    )
    assert claim(other, now=NOW + timedelta(days=1)) is None
    store.release(first)  # too late to give it back: it was sent
    assert store.posts()[0].status == "sent"


def test_a_failed_post_is_not_retried(store: Store) -> None:
    first = claim(store)
    assert first is not None
    store.mark_failed(first, error="not_in_channel", now=NOW)
    [post] = store.posts()
    assert (post.status, post.error, post.ts) == ("failed", "not_in_channel", None)
    assert claim(store, now=NOW + timedelta(days=1)) is None


def test_a_released_claim_can_be_claimed_afresh(store: Store, other: Store) -> None:
    first = claim(store, quote="q1")
    assert first is not None
    store.release(first)
    assert store.posts() == []
    again = claim(other, quote="q2", owner="worker.1")
    assert again == Claim("k1", DAY, "q2", 0, taken_over=False, owner="worker.1")


def test_a_process_whose_lease_ran_out_cannot_release_the_new_owners_claim(
    store: Store, other: Store
) -> None:
    stale = claim(store, owner="web.1")
    assert stale is not None
    taken = claim(other, owner="worker.1", now=NOW + LEASE + timedelta(seconds=1))
    assert taken is not None and taken.taken_over

    store.release(stale)  # web.1 gives up, late

    [post] = store.posts()
    assert post.status == "pending"
    assert claim(store, now=NOW + LEASE + timedelta(seconds=2)) is None


def test_posts_lists_one_subscriptions_posts_by_date(store: Store) -> None:
    claim(store, key="k1", day=DAY + timedelta(days=1))
    claim(store, key="k1", day=DAY)
    claim(store, key="k2", day=DAY)
    dates = [post.local_date for post in store.posts(subscription_key="k1")]
    assert dates == [DAY, DAY + timedelta(days=1)]


def test_the_walk_is_the_current_cycle_and_its_quotes(store: Store) -> None:
    assert store.walk("k1") == (0, set())
    sent = claim(store, day=DAY, quote="q1")
    assert sent is not None
    store.mark_sent(sent, ts="1.1", now=NOW)
    claim(store, day=DAY + timedelta(days=1), quote="q2")  # pending counts as used
    failed = claim(store, day=DAY + timedelta(days=2), quote="q3")
    assert failed is not None
    store.mark_failed(failed, error="boom", now=NOW)
    assert store.walk("k1") == (0, {"q1", "q2"})

    claim(store, day=DAY + timedelta(days=3), quote="q1", cycle=1)
    assert store.walk("k1") == (1, {"q1"})
    newer_failed = claim(store, day=DAY + timedelta(days=4), quote="q9", cycle=2)
    assert newer_failed is not None
    store.mark_failed(newer_failed, error="boom", now=NOW)
    assert store.walk("k1") == (1, {"q1"})
    assert store.walk("k2") == (0, set())


def test_finished_is_the_sent_and_failed_ones_asked_about(store: Store) -> None:
    days = [DAY + timedelta(days=n) for n in range(4)]
    sent, failed = claim(store, day=days[0]), claim(store, day=days[1])
    assert sent is not None and failed is not None
    store.mark_sent(sent, ts="1.1", now=NOW)
    store.mark_failed(failed, error="x", now=NOW)
    claim(store, day=days[2])  # pending: not finished
    other_key = claim(store, key="k2", day=days[0])
    assert other_key is not None
    store.mark_sent(other_key, ts="2.2", now=NOW)

    asked = [("k1", day) for day in days] + [("k3", days[0])]
    assert store.finished(asked) == {("k1", days[0]), ("k1", days[1])}
    assert store.finished([]) == set()
    assert store.finished(iter([("k2", days[0])])) == {("k2", days[0])}


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
    assert len(store.posts()) == len(PAIRS)


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
