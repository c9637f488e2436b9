"""Reactions to the bot's posts, counted by person for the team's most loved quotes.

A row is one person's emoji on one message and holds the latest event about it: added,
or taken back. Each event is written with one conditional upsert that changes the row
only when the event is newer than the one it holds (by Slack's `event_ts`), so the
outcome is the events' own order, whatever order they arrive in: a removal that comes
while its add is still looking up the message, or before it, wins; Slack's retry of an
event, or the same event reaching two instances, changes nothing. Several emoji by one
person, or reactions to two posts of the same quote, still count that person once.

The quote a post shows is known here without asking Slack when someone reacted to that
post before, or when it is a quote of the day (its claim holds the post's ts).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import distinct, func, select, true
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.database import Database, to_db
from bot.store.rows import Loved
from bot.store.schema import claims, reactions, schedules

_KEY = ["team_id", "channel", "ts", "user_id", "reaction"]


class Reactions:
    def __init__(self, database: Database) -> None:
        self._db = database

    def add(
        self,
        *,
        team_id: str,
        quote_id: str,
        channel: str,
        ts: str,
        user_id: str,
        reaction: str,
        event_ts: str,
        now: datetime,
    ) -> bool:
        """Record a reaction to a post showing `quote_id`, made at `event_ts` (Slack's).

        True when this is now the latest event about that reaction; False, changing
        nothing, for a retry or an event older than one recorded (a removal after it).
        """
        values = {"quote_id": quote_id, "reacted_at": to_db(now), "added": True}
        # Added again after a removal: it counts from now, as a new reaction would.
        return self._record(team_id, channel, ts, user_id, reaction, event_ts, values)

    def remove(
        self,
        *,
        team_id: str,
        channel: str,
        ts: str,
        user_id: str,
        reaction: str,
        event_ts: str,
        now: datetime,
    ) -> bool:
        """Record a reaction taken back at `event_ts`: it no longer counts.

        Kept as a row, so that its add, older but arriving later, counts for nothing.
        True when this is now the latest event about that reaction; False for a retry
        or an event older than one recorded.
        """
        # The quote is not known (it is not looked up for a removal): an add fills it in.
        values = {"quote_id": "", "reacted_at": to_db(now), "added": False}
        return self._record(team_id, channel, ts, user_id, reaction, event_ts, values)

    def _record(
        self, team_id: str, channel: str, ts: str, user_id: str, reaction: str,
        event_ts: str, values: dict[str, object],
    ) -> bool:  # fmt: skip
        key = {"team_id": team_id, "channel": channel, "ts": ts, "user_id": user_id,
               "reaction": reaction}  # fmt: skip
        event = {"event_micros": micros(event_ts)}
        dialect = postgresql if self._db.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(reactions).values(**key, **values, **event)
        # A removal leaves the row's quote and time as they were; an add sets them.
        changed = ["event_micros", "added"] + (
            ["quote_id", "reacted_at"] if values["added"] else []
        )
        statement = statement.on_conflict_do_update(
            index_elements=_KEY,
            set_={name: statement.excluded[name] for name in changed},
            # One statement, the row locked while it runs: two instances handling two
            # events about one reaction at once still end with the newer one.
            where=reactions.c.event_micros < statement.excluded.event_micros,
        ).returning(reactions.c.ts)  # as in insert_ignore: rowcount is not reliable
        with self._db.begin() as db:
            return db.execute(statement).first() is not None

    def quote_on(self, *, team_id: str, channel: str, ts: str) -> str | None:
        """The quote the bot's post `ts` in `channel` shows, if known here; else None.

        Known when someone's reaction to it was recorded before, or when it is a quote
        of the day (its claim holds the quote and the post's ts). Each is one indexed
        read: the reactions by their key's first columns, the claims by their channel's
        schedules.
        """
        r = reactions.c
        reacted = (
            select(r.quote_id)
            .where(r.team_id == team_id, r.channel == channel, r.ts == ts, r.quote_id != "")
            .limit(1)
        )
        # Any workspace's schedule: a channel's ID and a post's ts name one message.
        posted = (
            select(claims.c.quote_id)
            .join(schedules, schedules.c.id == claims.c.subscription_id)
            .where(schedules.c.channel == channel, claims.c.ts == ts, claims.c.quote_id != "")
            .limit(1)
        )
        with self._db.connect() as db:
            return db.scalar(reacted) or db.scalar(posted)

    def most_loved(self, team_id: str, *, since: datetime | None, limit: int) -> list[Loved]:
        """The quotes most people reacted to (since `since`, else ever), most first.

        Only reactions still there count (their latest event an add). Ties go by quote
        ID, so the list is the same on every instance and every call.
        """
        c = reactions.c
        people = func.count(distinct(c.user_id)).label("people")
        query = select(c.quote_id, people).where(c.team_id == team_id, c.added == true())
        if since is not None:
            query = query.where(c.reacted_at >= to_db(since))
        query = query.group_by(c.quote_id).order_by(people.desc(), c.quote_id).limit(limit)
        with self._db.connect() as db:
            return [Loved(row.quote_id, int(row.people)) for row in db.execute(query)]


def micros(slack_ts: str) -> int:
    """A Slack timestamp ("1772442000.000100", seconds and microseconds) in microseconds."""
    try:
        seconds = Decimal(slack_ts)
    except InvalidOperation:
        raise ValueError(f"not a Slack timestamp: {slack_ts!r}") from None
    if not seconds.is_finite() or seconds < 0:
        raise ValueError(f"not a Slack timestamp: {slack_ts!r}")
    return int(seconds * 1_000_000)
