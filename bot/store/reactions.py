"""Reactions to the bot's posts, counted by person for the team's most loved quotes.

A row is one person's emoji on one message, so Slack's retry of a `reaction_added`
event, or the same event reaching two instances, changes nothing; several emoji by one
person, or reactions to two posts of the same quote, still count that person once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, distinct, func, select

from bot.store.database import Database, to_db
from bot.store.rows import Loved
from bot.store.schema import reactions

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
        now: datetime,
    ) -> bool:
        """Record a reaction to a post showing `quote_id`; False when it was recorded before."""
        values = {
            "team_id": team_id, "channel": channel, "ts": ts, "user_id": user_id,
            "reaction": reaction, "quote_id": quote_id, "reacted_at": to_db(now),
        }  # fmt: skip
        with self._db.begin() as db:
            return self._db.insert_ignore(db, reactions, values, _KEY)

    def remove(self, *, team_id: str, channel: str, ts: str, user_id: str, reaction: str) -> bool:
        """Forget a reaction taken back; False when there was none (or it went already)."""
        c = reactions.c
        statement = (
            delete(reactions)
            .where(c.team_id == team_id, c.channel == channel, c.ts == ts)
            .where(c.user_id == user_id, c.reaction == reaction)
            .returning(c.ts)  # as in insert_ignore: rowcount is not reliable across drivers
        )
        with self._db.begin() as db:
            return db.execute(statement).first() is not None

    def most_loved(self, team_id: str, *, since: datetime | None, limit: int) -> list[Loved]:
        """The quotes most people reacted to (since `since`, else ever), most first.

        Ties go by quote ID, so the list is the same on every instance and every call.
        """
        c = reactions.c
        people = func.count(distinct(c.user_id)).label("people")
        query = select(c.quote_id, people).where(c.team_id == team_id)
        if since is not None:
            query = query.where(c.reacted_at >= to_db(since))
        query = query.group_by(c.quote_id).order_by(people.desc(), c.quote_id).limit(limit)
        with self._db.connect() as db:
            return [Loved(row.quote_id, int(row.people)) for row in db.execute(query)]
