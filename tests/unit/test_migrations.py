"""Older databases opened by this quotebot reach the current schema, on SQLite and PostgreSQL.

The version-1 tables are built by hand from a copy of their definitions (as
`bot/schema.py` had them before the store became a package), filled with the rows a
running version-1 bot would have left, and then opened with `Store(url)`. Version 3
differs from version 4 only by the `reactions` table: a version-3 database is a current
one, filled through the store, with that table dropped and the version set back to 3.
A version-4 database is a current one whose `reactions` table is version 4's (a copy of
its definition, with the rows a version-4 bot left), the version set back to 4.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from pathlib import Path

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    inspect,
    select,
    text,
)

from bot.daily.schedule import Subscription
from bot.daily.schedules import sync_config
from bot.ids import ALPHABET
from bot.store import BookRow, Loved, ScheduleRow, Store
from bot.store.schema import SCHEMA_VERSION, claims, reactions, schema_info, walk_steps
from tests.postgres import fresh_database

# --- version 1, as it was -----------------------------------------------------------------

v1 = MetaData()

v1_schema_info = Table(
    "quotebot_schema",
    v1,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

v1_seen_events = Table(
    "seen_events",
    v1,
    Column("event_id", String(64), primary_key=True),
    Column("seen_at", DateTime(timezone=True), nullable=False, index=True),
)

v1_subscriptions = Table(
    "subscriptions",
    v1,
    Column("key", String(32), primary_key=True),
    Column("team_id", String(32), nullable=False, default=""),
    Column("channel", String(32), nullable=False, index=True),
    Column("time", String(5), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("days", String(64), nullable=False),
    Column("topics", Text, nullable=False, default="[]"),
    Column("origin", String(8), nullable=False),  # "config" or "slack"
    Column("created_by", String(32), nullable=True),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("disabled_reason", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

v1_daily_posts = Table(
    "daily_posts",
    v1,
    Column("subscription_key", String(32), primary_key=True),
    Column("local_date", Date, primary_key=True),
    Column("status", String(8), nullable=False),  # pending, sent, failed
    Column("quote_id", String(32), nullable=False),
    Column("cycle", Integer, nullable=False, default=0),
    Column("ts", String(32), nullable=True),
    Column("claimed_by", String(64), nullable=False),
    Column("lease_until", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("error", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


def v1_key(*parts: str) -> str:
    """Version 1's subscription key: 16 hex digits of a hash of the fields."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


# --- what the version-1 bot left behind ---------------------------------------------------

MADE = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)

# The settings file's schedule (switched off in Slack since) and one made in Slack.
CONFIGURED = Subscription(
    channel="CCONF", time="09:00", timezone="Europe/Berlin", days="mon-fri", topics=("AI",)
)
MADE_IN_SLACK = Subscription(
    channel="CSLACK", time="12:30", timezone="UTC", days="sat,sun", team_id="T1"
)
CONFIG_KEY = v1_key(*CONFIGURED.signature)
SLACK_KEY = v1_key(*MADE_IN_SLACK.signature)

V1_SUBSCRIPTIONS = [
    {"key": CONFIG_KEY, "team_id": "", "channel": "CCONF", "time": "09:00",
     "timezone": "Europe/Berlin", "days": "mon-fri", "topics": json.dumps(["AI"]),
     "origin": "config", "created_by": None, "enabled": False,
     "disabled_reason": "off by U1", "created_at": MADE},
    {"key": SLACK_KEY, "team_id": "T1", "channel": "CSLACK", "time": "12:30",
     "timezone": "UTC", "days": "sat,sun", "topics": "[]", "origin": "slack",
     "created_by": "U9", "enabled": True, "disabled_reason": None,
     "created_at": MADE + timedelta(days=1)},
]  # fmt: skip


def post(key: str, days: int, status: str, quote: str, cycle: int, **more) -> dict:
    local = DAY + timedelta(days=days)
    claimed = datetime(local.year, local.month, local.day, 8, 0, tzinfo=UTC)
    values = {
        "subscription_key": key, "local_date": local, "status": status, "quote_id": quote,
        "cycle": cycle, "ts": None, "claimed_by": f"web.{days}",
        "lease_until": claimed + timedelta(minutes=5), "attempts": 1, "error": None,
        "updated_at": claimed + timedelta(seconds=2),
    }  # fmt: skip
    return values | more


V1_POSTS = [
    post(CONFIG_KEY, 0, "sent", "q1", 0, ts="1700000000.000100"),
    post(CONFIG_KEY, 1, "sent", "q2", 0, ts="1700000000.000200"),
    post(CONFIG_KEY, 2, "sent", "q3", 1, ts="1700000000.000300", attempts=2),
    post(CONFIG_KEY, 3, "failed", "q4", 1, error="not_in_channel"),
    post(CONFIG_KEY, 4, "pending", "q5", 1),
    post(SLACK_KEY, 0, "sent", "q7", 0, ts="1700000000.000400"),
    post(SLACK_KEY, 1, "failed", "q8", 0, error="channel_not_found"),
]


def build_v1(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as db:
            v1.create_all(db)
            db.execute(v1_schema_info.insert().values(id=1, version=1))
            db.execute(v1_seen_events.insert().values(event_id="Ev1", seen_at=NOW))
            db.execute(v1_subscriptions.insert(), V1_SUBSCRIPTIONS)
            db.execute(v1_daily_posts.insert(), V1_POSTS)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def v1_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A version-1 database of each backend, as a version-1 bot left it."""
    if request.param == "postgresql":
        url = fresh_database(request.getfixturevalue("postgres"))
    else:
        url = f"sqlite:///{tmp_path / 'quotebot.sqlite3'}"
    build_v1(url)
    return url


@pytest.fixture
def store(v1_url: str) -> Iterator[Store]:
    opened = Store(v1_url)
    yield opened
    opened.close()


def utc(moment: datetime) -> datetime:
    """SQLite gives times back without their (UTC) zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def new_ids(store: Store) -> dict[str, str]:
    """Each migrated schedule's new ID, by channel."""
    return {row.channel: row.id for row in store.schedules.list(enabled_only=False)}


def claim_rows(store: Store, schedule_id: str) -> list[dict]:
    """A schedule's claims, every column, in version 1's words (`subscription_key`)."""
    query = select(claims).where(claims.c.subscription_id == schedule_id)
    with store.engine.connect() as db:
        rows = [dict(row._mapping) for row in db.execute(query.order_by(claims.c.local_date))]
    for row in rows:
        row["subscription_key"] = row.pop("subscription_id")
        row["lease_until"], row["updated_at"] = utc(row["lease_until"]), utc(row["updated_at"])
    return rows


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, to compare a database before and after an open."""
    names = sorted(inspect(store.engine).get_table_names())
    everything = MetaData()
    with store.engine.connect() as db:
        tables = [Table(name, everything, autoload_with=db) for name in names]
        return {
            table.name: sorted(tuple(map(repr, row)) for row in db.execute(select(table)))
            for table in tables
        }


# --- the migration ------------------------------------------------------------------------


def test_a_version_1_database_reaches_the_current_version_and_the_old_tables_are_gone(
    store: Store,
) -> None:
    with store.engine.connect() as db:
        assert db.execute(select(schema_info)).all() == [(1, SCHEMA_VERSION)]
    tables = set(inspect(store.engine).get_table_names())
    assert not tables & {"subscriptions", "daily_posts"}
    assert {"daily_schedules", "daily_claims", "daily_walk", "channel_members"} <= tables
    assert {"book_quotes", "hidden_quotes", "book_changes"} <= tables  # version 3: the book
    assert "reactions" in tables  # version 4
    assert store.events.first_delivery("Ev1", now=NOW) is False, "seen events are kept"


def test_the_config_schedule_gets_the_id_the_settings_file_derives(store: Store) -> None:
    migrated = new_ids(store)
    configured_id = migrated["CCONF"]
    assert configured_id == CONFIGURED.id
    stored = store.schedules.get(configured_id)
    assert stored is not None
    assert (stored.team_id, stored.time, stored.timezone, stored.days, stored.topics) == (
        "", "09:00", "Europe/Berlin", "mon-fri", ("AI",),
    )  # fmt: skip
    assert (stored.origin, stored.created_by, stored.created_at, stored.starts_at) == (
        "config", None, MADE, None,
    )  # fmt: skip
    assert (stored.enabled, stored.disabled_reason) == (False, "off by U1")

    # So the next start's sync keeps it (switched off), rather than replacing it.
    sync_config(store, [CONFIGURED], now=NOW)
    assert new_ids(store) == migrated
    assert store.schedules.get(configured_id) == stored


def test_the_slack_schedule_gets_a_short_id(store: Store) -> None:
    slack_id = new_ids(store)["CSLACK"]
    assert len(slack_id) == 5 and set(slack_id) <= set(ALPHABET), slack_id
    stored = store.schedules.get(slack_id)
    assert stored is not None
    assert (stored.team_id, stored.time, stored.timezone, stored.days, stored.topics) == (
        "T1", "12:30", "UTC", "sat,sun", (),
    )  # fmt: skip
    assert (stored.origin, stored.created_by, stored.enabled, stored.disabled_reason) == (
        "slack", "U9", True, None,
    )  # fmt: skip
    # Made in Slack: no post time before it was made is due.
    assert stored.created_at == stored.starts_at == MADE + timedelta(days=1)


def test_the_claims_move_under_the_new_ids(store: Store) -> None:
    ids = new_ids(store)
    for channel, key in (("CCONF", CONFIG_KEY), ("CSLACK", SLACK_KEY)):
        expected = [
            {**old, "subscription_key": ids[channel]}
            for old in V1_POSTS
            if old["subscription_key"] == key
        ]
        assert claim_rows(store, ids[channel]) == expected
    assert {post.subscription_id for post in store.claims.posts()} == set(ids.values())
    assert len(store.claims.posts()) == len(V1_POSTS)


def test_the_walk_is_the_latest_cycle_without_its_failed_quotes(store: Store) -> None:
    ids = new_ids(store)
    # Cycle 1 of the settings file's schedule: q3 sent, q4 failed, q5 pending.
    assert store.claims.walk(ids["CCONF"]) == (1, {"q3", "q5"})
    assert store.claims.walk(ids["CSLACK"]) == (0, {"q7"})
    with store.engine.connect() as db:
        cycles = set(db.execute(select(walk_steps.c.subscription_id, walk_steps.c.cycle)))
    assert cycles == {(ids["CCONF"], 1), (ids["CSLACK"], 0)}, "only the latest cycle is kept"


def test_the_migrated_claims_still_decide_who_sends(store: Store) -> None:
    configured_id = new_ids(store)["CCONF"]
    pending_day, sent_day = DAY + timedelta(days=4), DAY + timedelta(days=2)
    leased = datetime(2026, 3, 6, 8, 1, tzinfo=UTC)  # within the pending claim's lease
    common = {"subscription_id": configured_id, "quote_id": "q9", "cycle": 1, "owner": "web.2",
              "lease": timedelta(minutes=5)}  # fmt: skip
    assert store.claims.claim(local_date=pending_day, now=leased, **common) is None
    assert store.claims.claim(local_date=sent_day, now=NOW, **common) is None
    assert store.claims.finished([(configured_id, sent_day)]) == {(configured_id, sent_day)}
    taken = store.claims.claim(local_date=pending_day, now=NOW, **common)
    assert taken is not None and taken.taken_over and taken.quote_id == "q5"


def test_opening_the_migrated_database_again_changes_nothing(store: Store, v1_url: str) -> None:
    before = snapshot(store)
    assert before["daily_claims"] and before["daily_walk"] and before["daily_schedules"]
    again = Store(v1_url)
    try:
        assert snapshot(again) == before
    finally:
        again.close()


# --- version 3 to 4: the reactions table ------------------------------------------------------


def build_v3(url: str) -> dict[str, list[tuple]]:
    """A version-3 database with a bit of everything in it; its rows, table by table."""
    store = Store(url, clock=lambda: MADE)
    try:
        store.events.first_delivery("Ev3", now=NOW)
        store.members.add(team_id="T1", channel="CSLACK", now=NOW)
        store.schedules.add(
            ScheduleRow(
                id="K7Q2M", team_id="T1", channel="CSLACK", time="09:00", timezone="UTC",
                days="mon-fri", topics=("AI",), origin="slack", created_by="U9", enabled=True,
                disabled_reason=None, created_at=MADE, starts_at=MADE,
            )
        )  # fmt: skip
        store.claims.claim(
            subscription_id="K7Q2M", local_date=DAY, quote_id="q1", cycle=0, owner="web.1",
            lease=timedelta(minutes=5), now=NOW,
        )  # fmt: skip
        store.book.add(
            BookRow(
                team_id="T1", id="B1", text="To be.", alias="a1b2c3d4e5f6", speaker="Hamlet",
                speaker_user=None, source=None, url=None, topics=(), lead_in=None,
                status="approved", added_by="U9", added_at=MADE, changed_by=None,
                changed_at=MADE,
            )
        )  # fmt: skip
        with store.engine.begin() as db:
            reactions.drop(db)  # its index goes with it
            db.execute(text("ALTER TABLE daily_schedules DROP COLUMN max_length"))
            db.execute(schema_info.update().values(version=3))
        return snapshot(store)
    finally:
        store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def v3_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return fresh_database(request.getfixturevalue("postgres"))
    return f"sqlite:///{tmp_path / 'quotebot-v3.sqlite3'}"


def test_a_version_3_database_gets_reactions_and_schedule_lengths_and_keeps_its_data(
    v3_url: str,
) -> None:
    before = build_v3(v3_url)
    assert "reactions" not in before and before["book_quotes"] and before["daily_claims"]
    store = Store(v3_url)
    try:
        with store.engine.connect() as db:
            assert db.execute(select(schema_info)).all() == [(1, SCHEMA_VERSION)]
        after = snapshot(store)
        assert after.pop("reactions") == []
        assert after.pop("quotebot_schema") == [("1", str(SCHEMA_VERSION))]
        before.pop("quotebot_schema")
        # Schedules gain their maximum quote length: none, every quote as before.
        assert [row[-1] for row in after["daily_schedules"]] == ["None"]
        after["daily_schedules"] = [row[:-1] for row in after["daily_schedules"]]
        assert after == before, "every version-3 row is kept as it was"
        assert store.schedules.get("K7Q2M").max_length is None
        indexes = {index["name"] for index in inspect(store.engine).get_indexes("reactions")}
        assert "reactions_loved" in indexes
        assert store.created_at == MADE, "it keeps the time it was made"
        common = {"channel": "CSLACK", "ts": "1772442000.000100", "user_id": "U1"}
        assert store.reactions.add(
            team_id="T1", quote_id="q1", reaction="heart", event_ts="1772442060.000200",
            now=NOW, **common,
        )  # fmt: skip
        assert store.reactions.most_loved("T1", since=None, limit=5) == [Loved("q1", 1)]
    finally:
        store.close()


# --- version 4 to 5: reactions keep their latest event --------------------------------------

v4 = MetaData()

v4_reactions = Table(
    "reactions",
    v4,
    Column("team_id", String(32), primary_key=True),
    Column("channel", String(32), primary_key=True),
    Column("ts", String(32), primary_key=True),
    Column("user_id", String(32), primary_key=True),
    Column("reaction", String(255), primary_key=True),
    Column("quote_id", String(32), nullable=False),
    Column("reacted_at", DateTime(timezone=True), nullable=False),
    Index("reactions_by_team_and_time", "team_id", "reacted_at", "quote_id", "user_id"),
)

V4_POST = {"channel": "CSLACK", "ts": "1772442000.000100"}
V4_REACTIONS = [
    {"team_id": "T1", **V4_POST, "user_id": "U1", "reaction": "heart", "quote_id": "q1",
     "reacted_at": NOW - timedelta(days=20)},
    {"team_id": "T1", **V4_POST, "user_id": "U1", "reaction": "tada", "quote_id": "q1",
     "reacted_at": NOW - timedelta(days=20)},
    {"team_id": "T1", **V4_POST, "user_id": "U2", "reaction": "heart", "quote_id": "q1",
     "reacted_at": NOW - timedelta(hours=1)},
    {"team_id": "T1", "channel": "CSLACK", "ts": "1772528400.000100", "user_id": "U3",
     "reaction": "heart", "quote_id": "q2", "reacted_at": NOW - timedelta(hours=2)},
    {"team_id": "T2", **V4_POST, "user_id": "U1", "reaction": "heart", "quote_id": "q1",
     "reacted_at": NOW},
]  # fmt: skip


def build_v4(url: str) -> dict[str, list[tuple]]:
    """A version-4 database with reactions in it; its rows, table by table."""
    store = Store(url, clock=lambda: MADE)
    try:
        store.events.first_delivery("Ev4", now=NOW)
        store.members.add(team_id="T1", channel="CSLACK", now=NOW)
        with store.engine.begin() as db:
            reactions.drop(db)
            v4_reactions.create(db)
            db.execute(v4_reactions.insert(), V4_REACTIONS)
            db.execute(schema_info.update().values(version=4))
        return snapshot(store)
    finally:
        store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def v4_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return fresh_database(request.getfixturevalue("postgres"))
    return f"sqlite:///{tmp_path / 'quotebot-v4.sqlite3'}"


def test_a_version_4_databases_reactions_are_kept_as_adds_and_count_as_before(
    v4_url: str,
) -> None:
    before = build_v4(v4_url)
    assert len(before["reactions"]) == len(V4_REACTIONS)
    store = Store(v4_url)
    try:
        with store.engine.connect() as db:
            assert db.execute(select(schema_info)).all() == [(1, SCHEMA_VERSION)]
            migrated = [dict(row._mapping) for row in db.execute(select(reactions))]
        expected = [{**row, "event_micros": 0, "added": True} for row in V4_REACTIONS]
        for row in migrated:
            row["reacted_at"] = utc(row["reacted_at"])
        key = itemgetter("team_id", "channel", "ts", "user_id", "reaction")
        assert sorted(migrated, key=key) == sorted(expected, key=key), "every reaction, an add"
        after = snapshot(store)
        for table in ("reactions", "quotebot_schema"):
            del after[table], before[table]
        assert after == before, "nothing else changes"
        indexes = {i["name"]: i for i in inspect(store.engine).get_indexes("reactions")}
        assert "reactions_by_team_and_time" not in indexes, "the old index is dropped"
        assert indexes["reactions_loved"]["column_names"] == [
            "team_id", "added", "reacted_at", "quote_id", "user_id",
        ]  # fmt: skip

        # What /quote top showed before the upgrade, it shows after: people, once per quote.
        loved = store.reactions.most_loved
        assert loved("T1", since=None, limit=5) == [Loved("q1", 2), Loved("q2", 1)]
        assert loved("T1", since=NOW - timedelta(days=1), limit=5) == [
            Loved("q1", 1), Loved("q2", 1),
        ]  # fmt: skip
        assert loved("T2", since=None, limit=5) == [Loved("q1", 1)]

        # Any event after the upgrade decides: U2 takes the heart back, then the (older)
        # add of a heart by U3 on the first post arrives after U3's removal of it.
        common = {"team_id": "T1", "reaction": "heart", "now": NOW, **V4_POST}
        assert store.reactions.remove(user_id="U2", event_ts="1772442100.000001", **common)
        assert not store.reactions.remove(user_id="U2", event_ts="1772442100.000001", **common)
        assert store.reactions.remove(user_id="U3", event_ts="1772442200.000002", **common)
        assert not store.reactions.add(
            user_id="U3", quote_id="q1", event_ts="1772442200.000001", **common
        )
        assert loved("T1", since=None, limit=5) == [Loved("q1", 1), Loved("q2", 1)]
        assert store.reactions.quote_on(team_id="T1", **V4_POST) == "q1"
    finally:
        store.close()


def test_opening_the_version_5_database_again_changes_nothing(v4_url: str) -> None:
    build_v4(v4_url)
    Store(v4_url).close()
    first = Store(v4_url)
    try:
        before = snapshot(first)
    finally:
        first.close()
    again = Store(v4_url)
    try:
        assert snapshot(again) == before
        assert len(before["reactions"]) == len(V4_REACTIONS)
    finally:
        again.close()
