"""Channels the bot is a member of, so it joins each public channel once, not every start."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.store.database import Database, to_db
from bot.store.schema import channel_members


class Members:
    def __init__(self, database: Database) -> None:
        self._db = database

    def channels(self, team_id: str) -> set[str]:
        query = select(channel_members.c.channel).where(channel_members.c.team_id == team_id)
        with self._db.connect() as db:
            return set(db.scalars(query))

    def add(self, *, team_id: str, channel: str, now: datetime) -> None:
        values = {"team_id": team_id, "channel": channel, "joined_at": to_db(now)}
        with self._db.begin() as db:
            self._db.insert_ignore(db, channel_members, values, ["team_id", "channel"])

    def remove(self, *, team_id: str, channel: str) -> None:
        c = channel_members.c
        with self._db.begin() as db:
            db.execute(
                delete(channel_members).where((c.team_id == team_id) & (c.channel == channel))
            )
