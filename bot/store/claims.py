"""Daily-post claims and the no-repeat walk: who sends each day's post, and what it was.

Exactly-once posting rests on one rule: a post is claimed with a single
`INSERT … ON CONFLICT DO NOTHING` keyed by (schedule, local date) before it is sent.
Whoever inserts the row posts; everyone else sees the row and does nothing. Only the
claim's owner may then renew it, record its outcome or give it back.

The walk (which quotes the current cycle has used) is written in the same
transaction as the claim but kept in its own table, so pruning old claims never
resets it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from bot.store.database import Database, from_db, to_db
from bot.store.rows import Claim, PostRecord
from bot.store.schema import claims, walk_steps

FINISHED = ("sent", "failed", "unverified")  # a day whose post nobody will try again


class Claims:
    def __init__(self, database: Database) -> None:
        self._db = database

    # --- the walk ---------------------------------------------------------------

    def walk(self, subscription_id: str) -> tuple[int, set[str]]:
        """The current cycle of a schedule's no-repeat walk and the quotes used in it."""
        steps = walk_steps.c
        with self._db.connect() as db:
            cycle = db.scalar(
                select(func.max(steps.cycle)).where(steps.subscription_id == subscription_id)
            )
            if cycle is None:
                return 0, set()
            used = db.scalars(
                select(steps.quote_id).where(
                    (steps.subscription_id == subscription_id) & (steps.cycle == cycle)
                )
            )
            return cycle, set(used)

    # --- claims -----------------------------------------------------------------

    def claim(
        self,
        *,
        subscription_id: str,
        local_date: date,
        quote_id: str,
        cycle: int,
        owner: str,
        now: datetime | Callable[[], datetime],
        lease: timedelta,
    ) -> Claim | None:
        """Claim a day's post, or take over one whose sender's lease ran out; else None.

        The lease counts from the moment of claiming: give a clock for `now`, and it is
        read once the write transaction has begun, however long the claim waited for a
        connection or a lock.
        """
        clock = now if callable(now) else (lambda: now)
        # The usual case for every instance but one: take no write lock at all.
        if self.taken(subscription_id=subscription_id, local_date=local_date, now=clock()):
            return None
        with self._db.begin() as db:
            self._db.lock_for_writing(db)  # then read the clock: the lease starts now
            claimed = self._claim(db, subscription_id, local_date, quote_id, cycle, owner,
                                  to_db(clock()), lease)  # fmt: skip
        return claimed

    def _claim(
        self, db: Connection, subscription_id: str, local_date: date, quote_id: str,
        cycle: int, owner: str, now: datetime, lease: timedelta,
    ) -> Claim | None:  # fmt: skip
        values = {
            "subscription_id": subscription_id,
            "local_date": local_date,
            "status": "pending",
            "quote_id": quote_id,
            "cycle": cycle,
            "claimed_by": owner,
            "lease_until": now + lease,
            "attempts": 1,
            "updated_at": now,
        }
        if self._db.insert_ignore(db, claims, values, ["subscription_id", "local_date"]):
            self._step(db, subscription_id, local_date, cycle, quote_id)
            return Claim(subscription_id, local_date, quote_id, cycle, owner=owner)
        taken = db.execute(
            update(claims)
            .where(
                _this(subscription_id, local_date)
                & (claims.c.status == "pending")
                & (claims.c.lease_until < now)
            )
            .values(
                claimed_by=owner,
                lease_until=now + lease,
                attempts=claims.c.attempts + 1,
                updated_at=now,
            )
            .returning(claims.c.quote_id, claims.c.cycle)
        ).first()
        if taken is None:
            return None
        return Claim(subscription_id, local_date, taken.quote_id, taken.cycle, True, owner=owner)

    def _step(
        self, db: Connection, subscription_id: str, day: date, cycle: int, quote: str
    ) -> None:
        steps = walk_steps.c
        # Only the current cycle's steps are needed, and the one before: if the new
        # cycle's first post is given back, the walk is still at the end of that cycle
        # (and starts the new one afresh), never back at cycle 0.
        db.execute(
            delete(walk_steps).where(
                (steps.subscription_id == subscription_id) & (steps.cycle < cycle - 1)
            )
        )
        values = {"subscription_id": subscription_id, "local_date": day, "cycle": cycle,
                  "quote_id": quote}  # fmt: skip
        self._db.insert_ignore(db, walk_steps, values, ["subscription_id", "local_date"])

    def taken(self, *, subscription_id: str, local_date: date, now: datetime) -> bool:
        """Whether a day's post is done, or held by a live lease: a cheap read, no lock."""
        now = to_db(now)
        query = select(claims.c.status, claims.c.lease_until).where(
            _this(subscription_id, local_date)
        )
        with self._db.connect() as db:
            held = db.execute(query).first()
        return held is not None and (held.status != "pending" or from_db(held.lease_until) >= now)

    def renew(self, claim: Claim, *, now: datetime, lease: timedelta) -> bool:
        """Extend the owner's lease on a pending claim; False once another process took it over.

        Asked before a send once a third of the lease has gone: a sender that waited past its
        lease (a long fan-out, long 429 pauses) must not post what another now sends.
        """
        now = to_db(now)
        with self._db.begin() as db:
            renewed = db.execute(
                update(claims)
                .where(_ours(claim))
                .values(lease_until=now + lease, updated_at=now)
                .returning(claims.c.subscription_id)
            ).first()
        return renewed is not None

    def mark_sent(self, claim: Claim, *, ts: str, now: datetime) -> bool:
        """Record the post as sent; False (nothing written) when the claim is no longer ours."""
        return self._finish(claim, status="sent", ts=ts, error=None, now=now)

    def mark_unverified(self, claim: Claim, *, error: str, now: datetime) -> bool:
        """The send's outcome is unknown and the channel cannot be read: never send again."""
        return self._finish(claim, status="unverified", ts=None, error=error, now=now)

    def mark_failed(self, claim: Claim, *, error: str, now: datetime) -> bool:
        """A post that will not be retried today (a private channel the bot is not in, say).

        Its quote goes back to the walk: it was never shown.
        """
        return self._finish(claim, status="failed", ts=None, error=error, now=now, unstep=True)

    def expire(self, claim: Claim, *, now: datetime) -> None:
        """Give up a claim whose send may have reached Slack: keep it, its lease ending `now`.

        A later run takes it over, and a takeover looks in the channel before sending,
        so a post that went out after all is found, not sent again.
        """
        now = to_db(now)
        with self._db.begin() as db:
            db.execute(update(claims).where(_ours(claim)).values(lease_until=now, updated_at=now))

    def release(self, claim: Claim) -> None:
        """Give a claim back unsent, so a later run can try again within the grace window.

        Only while it is still ours: a process whose lease ran out must not delete the
        claim another process has taken over since.
        """
        # One transaction: a process claiming the day right after must find its own
        # walk step in place, not have it deleted by this release's second half.
        with self._db.begin() as db:
            gone = db.execute(
                delete(claims).where(_ours(claim)).returning(claims.c.subscription_id)
            ).first()
            if gone is not None:
                self._unstep(db, claim)

    def _unstep(self, db: Connection, claim: Claim) -> None:
        steps = walk_steps.c
        db.execute(
            delete(walk_steps).where(
                (steps.subscription_id == claim.subscription_id)
                & (steps.local_date == claim.local_date)
            )
        )

    def _finish(
        self, claim: Claim, *, status: str, ts: str | None, error: str | None, now: datetime,
        unstep: bool = False,
    ) -> bool:  # fmt: skip
        now = to_db(now)
        with self._db.begin() as db:
            done = db.execute(
                update(claims)
                .where(_ours(claim))
                .values(status=status, ts=ts, error=error, updated_at=now)
                .returning(claims.c.subscription_id)
            ).first()
            if done is not None and unstep:
                self._unstep(db, claim)
        return done is not None

    # --- reading and pruning the history ----------------------------------------

    def posts(self, *, subscription_id: str | None = None) -> list[PostRecord]:
        query = select(claims).order_by(claims.c.local_date)
        if subscription_id is not None:
            query = query.where(claims.c.subscription_id == subscription_id)
        with self._db.connect() as db:
            return [
                PostRecord(
                    row.subscription_id, row.local_date, row.status, row.quote_id, row.cycle,
                    row.ts, row.error,
                )
                for row in db.execute(query)
            ]  # fmt: skip

    def last_post(self, subscription_id: str) -> datetime | None:
        """When this schedule last posted (or last tried a post that may have gone out)."""
        c = claims.c
        query = select(func.max(c.updated_at)).where(
            (c.subscription_id == subscription_id) & (c.status != "failed")
        )
        with self._db.connect() as db:
            last = db.scalar(query)
        return from_db(last) if last is not None else None

    def finished(self, keys: Iterable[tuple[str, date]]) -> set[tuple[str, date]]:
        """Which of these (schedule, date) posts are already sent or finished for good."""
        return {key for key, status in self.statuses(keys).items() if status in FINISHED}

    def statuses(self, keys: Iterable[tuple[str, date]]) -> dict[tuple[str, date], str]:
        """The status of each of these (schedule, date) posts that has a claim at all."""
        wanted = set(keys)
        if not wanted:
            return {}
        dates = {day for _, day in wanted}
        query = select(claims.c.subscription_id, claims.c.local_date, claims.c.status).where(
            claims.c.local_date.in_(dates)
        )
        with self._db.connect() as db:
            found = {(row[0], row[1]): row[2] for row in db.execute(query)}
        return {key: status for key, status in found.items() if key in wanted}

    def prune(self, *, before: date, batch: int = 5000) -> int:
        """Delete finished claims for dates before `before`; returns how many went.

        In batches, each its own short transaction: a first prune of years of history
        must not hold the write lock (SQLite's is the whole file) while posts wait.
        """
        old = (claims.c.local_date < before) & claims.c.status.in_(FINISHED)
        gone = 0
        while True:
            with self._db.begin() as db:
                keys = db.execute(
                    select(claims.c.subscription_id, claims.c.local_date).where(old).limit(batch)
                ).all()
                if keys:
                    one = (claims.c.subscription_id == bindparam("sid")) & (
                        claims.c.local_date == bindparam("day")
                    )
                    db.execute(delete(claims).where(one), [{"sid": s, "day": d} for s, d in keys])
            gone += len(keys)
            if len(keys) < batch:
                return gone


def _this(subscription_id: str, local_date: date) -> ColumnElement[bool]:
    return (claims.c.subscription_id == subscription_id) & (claims.c.local_date == local_date)


def _ours(claim: Claim) -> ColumnElement[bool]:
    return (
        _this(claim.subscription_id, claim.local_date)
        & (claims.c.status == "pending")
        & (claims.c.claimed_by == claim.owner)
    )
