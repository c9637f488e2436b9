"""The bot's state in SQL, through SQLAlchemy: seen events, subscriptions, daily posts.

SQLite by default, PostgreSQL (in production, for several instances) through
`DATABASE_URL`. The schema is created, or migrated, when the store opens.

Exactly-once posting rests on one rule: a post is claimed with a single
`INSERT … ON CONFLICT DO NOTHING` keyed by (subscription, local date) before it is
sent. Whoever inserts the row posts; everyone else sees the row and does nothing.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    MetaData,
    Table,
    create_engine,
    delete,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot.daily.schedule import Subscription
from bot.schema import (
    SCHEMA_LOCK,
    SCHEMA_VERSION,
    daily_posts,
    metadata,
    schema_info,
    seen_events,
    subscriptions,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredSubscription:
    subscription: Subscription
    origin: str
    enabled: bool
    disabled_reason: str | None
    created_by: str | None
    created_at: datetime | None = None  # UTC

    @property
    def key(self) -> str:
        return self.subscription.key


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to send one day's post; `taken_over` means an earlier sender may have sent it."""

    subscription_key: str
    local_date: date
    quote_id: str
    cycle: int
    taken_over: bool = False
    owner: str = ""

    @property
    def id(self) -> str:
        return f"{self.subscription_key}:{self.local_date.isoformat()}"


@dataclass(frozen=True, slots=True)
class PostRecord:
    subscription_key: str
    local_date: date
    status: str
    quote_id: str
    cycle: int
    ts: str | None
    error: str | None


class StoreError(RuntimeError):
    """The database cannot be used by this quotebot (a newer schema, say)."""


class Store:
    """All reads and writes of the bot's state; one instance per process."""

    def __init__(self, url: str) -> None:
        self.engine = _engine(url)
        try:
            self._migrate()
        except Exception:
            self.engine.dispose()  # leave no connection open behind a refused database
            raise

    def close(self) -> None:
        self.engine.dispose()

    # --- schema -----------------------------------------------------------------

    def create_tables(self, tables: MetaData) -> None:
        """Create missing tables, one process at a time.

        Several instances starting together would otherwise race on CREATE TABLE
        ("table already exists"). On PostgreSQL a transaction-scoped advisory lock
        queues them; on SQLite, whose driver runs DDL outside any transaction, an
        explicit BEGIN IMMEDIATE takes the write lock first.
        """
        with self.engine.begin() as db:
            if self.engine.dialect.name == "postgresql":
                db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
            elif self.engine.dialect.name == "sqlite":
                db.exec_driver_sql("BEGIN IMMEDIATE")
            tables.create_all(db)

    def _migrate(self) -> None:
        """Create missing tables, then apply the migrations newer than the stored version."""
        self.create_tables(metadata)
        with self.engine.begin() as db:
            version = db.scalar(select(schema_info.c.version).where(schema_info.c.id == 1))
            if version is None:
                self._insert_ignore(db, schema_info, {"id": 1, "version": SCHEMA_VERSION}, ["id"])
            elif version > SCHEMA_VERSION:
                raise StoreError(
                    f"database schema is version {version}, newer than this quotebot "
                    f"({SCHEMA_VERSION}): upgrade quotebot"
                )
            # Migrations from older versions go here, each one step: `if version < 2: …`.

    def _insert_ignore(self, db, table: Table, values: dict, keys: list[str]) -> bool:
        """INSERT … ON CONFLICT DO NOTHING; True when the row was inserted."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=keys)
            # RETURNING says whether a row went in; rowcount is not reliable across drivers.
            .returning(table.c[keys[0]])
        )
        return db.execute(statement).first() is not None

    # --- events -----------------------------------------------------------------

    def first_delivery(self, event_id: str, *, now: datetime) -> bool:
        """Record an event id; False when it was seen before (a retry from Slack)."""
        now = _utc(now)
        with self.engine.begin() as db:
            fresh = self._insert_ignore(
                db, seen_events, {"event_id": event_id, "seen_at": now}, ["event_id"]
            )
            if fresh and hash(event_id) % 100 == 0:  # now and then, forget old ids
                db.execute(
                    delete(seen_events).where(seen_events.c.seen_at < now - timedelta(days=1))
                )
        return fresh

    # --- subscriptions ----------------------------------------------------------

    def sync_config(self, configured: Iterable[Subscription], *, now: datetime) -> None:
        """Make the stored config subscriptions match the settings file.

        New ones are added; ones gone from the file are removed; ones turned off in
        Slack stay off (the file is the baseline, Slack has the last word).
        """
        now = _utc(now)
        configured = list(configured)
        keys = {sub.key for sub in configured}
        with self.engine.begin() as db:
            for sub in configured:
                self._insert_ignore(db, subscriptions, _row(sub, "config", None, now), ["key"])
            stale = select(subscriptions.c.key).where(subscriptions.c.origin == "config")
            gone = [key for key in db.scalars(stale) if key not in keys]
            if gone:
                db.execute(delete(subscriptions).where(subscriptions.c.key.in_(gone)))

    def subscribe(self, sub: Subscription, *, user: str | None, now: datetime) -> None:
        """Add a subscription made in Slack, or turn an identical one back on."""
        now = _utc(now)
        with self.engine.begin() as db:
            if not self._insert_ignore(db, subscriptions, _row(sub, "slack", user, now), ["key"]):
                db.execute(
                    update(subscriptions)
                    .where(subscriptions.c.key == sub.key)
                    .values(enabled=True, disabled_reason=None)
                )

    def unsubscribe(self, *, team_id: str, channel: str, reason: str) -> int:
        """Stop a channel's subscriptions; returns how many were active."""
        # Subscriptions from the settings file name no workspace (""): they are the
        # single workspace's, so a command from that channel covers them too.
        where = subscriptions.c.team_id.in_((team_id, "")) & (subscriptions.c.channel == channel)
        with self.engine.begin() as db:
            active = db.scalar(
                select(func.count())
                .select_from(subscriptions)
                .where(where & subscriptions.c.enabled)
            )
            db.execute(delete(subscriptions).where(where & (subscriptions.c.origin == "slack")))
            # Config ones are kept, switched off, so a restart does not bring them back.
            db.execute(
                update(subscriptions).where(where).values(enabled=False, disabled_reason=reason)
            )
        return active or 0

    def disable(self, key: str, reason: str) -> None:
        with self.engine.begin() as db:
            db.execute(
                update(subscriptions)
                .where(subscriptions.c.key == key)
                .values(enabled=False, disabled_reason=reason)
            )

    def subscriptions(
        self, *, team_id: str | None = None, channel: str | None = None, enabled_only: bool = True
    ) -> list[StoredSubscription]:
        query = select(subscriptions).order_by(subscriptions.c.channel, subscriptions.c.time)
        if enabled_only:
            query = query.where(subscriptions.c.enabled)
        if team_id is not None:
            query = query.where(subscriptions.c.team_id.in_((team_id, "")))
        if channel is not None:
            query = query.where(subscriptions.c.channel == channel)
        with self.engine.connect() as db:
            return [_stored(row) for row in db.execute(query)]

    # --- daily posts ------------------------------------------------------------

    def walk(self, subscription_key: str) -> tuple[int, set[str]]:
        """The current cycle of a subscription's no-repeat walk and the quotes used in it."""
        posts = daily_posts.c
        with self.engine.connect() as db:
            cycle = db.scalar(
                select(func.max(posts.cycle)).where(
                    (posts.subscription_key == subscription_key) & (posts.status != "failed")
                )
            )
            if cycle is None:
                return 0, set()
            used = db.scalars(
                select(posts.quote_id).where(
                    (posts.subscription_key == subscription_key)
                    & (posts.cycle == cycle)
                    & (posts.status != "failed")
                )
            )
            return cycle, set(used)

    def claim(
        self,
        *,
        subscription_key: str,
        local_date: date,
        quote_id: str,
        cycle: int,
        owner: str,
        now: datetime,
        lease: timedelta,
    ) -> Claim | None:
        """Claim a day's post, or take over one whose sender's lease ran out; else None."""
        now = _utc(now)
        values = {
            "subscription_key": subscription_key,
            "local_date": local_date,
            "status": "pending",
            "quote_id": quote_id,
            "cycle": cycle,
            "claimed_by": owner,
            "lease_until": now + lease,
            "attempts": 1,
            "updated_at": now,
        }
        posts = daily_posts.c
        this = (posts.subscription_key == subscription_key) & (posts.local_date == local_date)
        # The usual case for every instance but one: take no write lock at all.
        if self.taken(subscription_key=subscription_key, local_date=local_date, now=now):
            return None
        with self.engine.begin() as db:
            if self._insert_ignore(db, daily_posts, values, ["subscription_key", "local_date"]):
                return Claim(subscription_key, local_date, quote_id, cycle, owner=owner)
            taken = db.execute(
                update(daily_posts)
                .where(this & (posts.status == "pending") & (posts.lease_until < now))
                .values(
                    claimed_by=owner,
                    lease_until=now + lease,
                    attempts=posts.attempts + 1,
                    updated_at=now,
                )
                .returning(posts.quote_id, posts.cycle)
            ).first()
            if taken is None:
                return None
            return Claim(
                subscription_key, local_date, taken.quote_id, taken.cycle, True, owner=owner
            )

    def taken(self, *, subscription_key: str, local_date: date, now: datetime) -> bool:
        """Whether a day's post is done, or held by a live lease: a cheap read, no lock."""
        now = _utc(now)
        posts = daily_posts.c
        this = (posts.subscription_key == subscription_key) & (posts.local_date == local_date)
        with self.engine.connect() as db:
            held = db.execute(select(posts.status, posts.lease_until).where(this)).first()
        return held is not None and (
            held.status != "pending" or _utc_stored(held.lease_until) >= now
        )

    def renew(self, claim: Claim, *, owner: str, now: datetime, lease: timedelta) -> bool:
        """Extend `owner`'s lease on a pending claim; False once another process took it over.

        Asked before a send once half the lease has gone: a sender that waited past its
        lease (a long fan-out, long 429 pauses) must not post what another now sends.
        """
        now = _utc(now)
        posts = daily_posts.c
        with self.engine.begin() as db:
            renewed = db.execute(
                update(daily_posts)
                .where(
                    (posts.subscription_key == claim.subscription_key)
                    & (posts.local_date == claim.local_date)
                    & (posts.status == "pending")
                    & (posts.claimed_by == owner)
                )
                .values(lease_until=now + lease, updated_at=now)
                .returning(posts.subscription_key)
            ).first()
        return renewed is not None

    def mark_sent(self, claim: Claim, *, ts: str, now: datetime) -> None:
        self._finish(claim, status="sent", ts=ts, error=None, now=now)

    def mark_failed(self, claim: Claim, *, error: str, now: datetime) -> None:
        """A post that will not be retried today (a private channel the bot is not in, say)."""
        self._finish(claim, status="failed", ts=None, error=error, now=now)

    def release(self, claim: Claim) -> None:
        """Give a claim back unsent, so a later run can try again within the grace window.

        Only while it is still ours: a process whose lease ran out must not delete the
        claim another process has taken over since.
        """
        posts = daily_posts.c
        with self.engine.begin() as db:
            db.execute(
                delete(daily_posts).where(
                    (posts.subscription_key == claim.subscription_key)
                    & (posts.local_date == claim.local_date)
                    & (posts.status == "pending")
                    & (posts.claimed_by == claim.owner)
                )
            )

    def _finish(
        self, claim: Claim, *, status: str, ts: str | None, error: str | None, now: datetime
    ) -> None:
        now = _utc(now)
        posts = daily_posts.c
        with self.engine.begin() as db:
            db.execute(
                update(daily_posts)
                .where(
                    (posts.subscription_key == claim.subscription_key)
                    & (posts.local_date == claim.local_date)
                )
                .values(status=status, ts=ts, error=error, updated_at=now)
            )

    def posts(self, *, subscription_key: str | None = None) -> list[PostRecord]:
        query = select(daily_posts).order_by(daily_posts.c.local_date)
        if subscription_key is not None:
            query = query.where(daily_posts.c.subscription_key == subscription_key)
        with self.engine.connect() as db:
            return [
                PostRecord(
                    row.subscription_key, row.local_date, row.status, row.quote_id, row.cycle,
                    row.ts, row.error,
                )
                for row in db.execute(query)
            ]  # fmt: skip

    def finished(self, keys: Iterable[tuple[str, date]]) -> set[tuple[str, date]]:
        """Which of these (subscription, date) posts are already sent or failed for good."""
        wanted = set(keys)
        if not wanted:
            return set()
        posts = daily_posts.c
        dates = {day for _, day in wanted}
        query = select(posts.subscription_key, posts.local_date).where(
            posts.local_date.in_(dates) & posts.status.in_(("sent", "failed"))
        )
        with self.engine.connect() as db:
            return {(row[0], row[1]) for row in db.execute(query)} & wanted


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # Several processes may share one SQLite file (a web and a worker process, or
        # two by mistake): wait for each other's locks instead of failing at once.
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record) -> None:
            connection.execute("PRAGMA busy_timeout=30000")
            _write_ahead_log(connection)

        return engine
    return create_engine(url, pool_pre_ping=True)


def _write_ahead_log(connection: sqlite3.Connection) -> None:
    """Switch a SQLite file to WAL (readers and the writer stop blocking each other).

    The switch needs the file to itself and SQLite answers "locked" at once, without
    waiting, when another process opens the new file at the same moment; the mode is
    kept in the file, so waiting a little until one of them has switched it is enough.
    """
    for attempt in range(50):
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 49:
                raise
            time.sleep(0.05)


def _row(sub: Subscription, origin: str, user: str | None, now: datetime) -> dict:
    return {
        "key": sub.key,
        "team_id": sub.team_id,
        "channel": sub.channel,
        "time": sub.time,
        "timezone": sub.timezone,
        "days": sub.days,
        "topics": json.dumps(list(sub.topics)),
        "origin": origin,
        "created_by": user,
        "enabled": True,
        "disabled_reason": None,
        "created_at": now,
    }


def _stored(row) -> StoredSubscription:
    sub = Subscription(
        channel=row.channel,
        time=row.time,
        timezone=row.timezone,
        days=row.days,
        topics=tuple(json.loads(row.topics)),
        team_id=row.team_id,
    )
    created = _utc_stored(row.created_at) if row.created_at is not None else None
    return StoredSubscription(
        sub, row.origin, row.enabled, row.disabled_reason, row.created_by, created
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def _utc_stored(moment: datetime) -> datetime:
    """A time read back from the database: SQLite returns it without its (UTC) zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    """Store every time in UTC: SQLite keeps no zone, so mixed zones would mis-compare."""
    if moment.tzinfo is None:
        raise ValueError("times given to the store must carry a time zone")
    return moment.astimezone(UTC)
