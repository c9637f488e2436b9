"""Slack event ids already handled, so a retried event gets no second reply."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from bot.store.database import Database, to_db
from bot.store.schema import seen_events


class Events:
    def __init__(self, database: Database) -> None:
        self._db = database

    def first_delivery(self, event_id: str, *, now: datetime) -> bool:
        """Record an event id; False when it was seen before (a retry from Slack)."""
        now = to_db(now)
        with self._db.begin() as db:
            fresh = self._db.insert_ignore(
                db, seen_events, {"event_id": event_id, "seen_at": now}, ["event_id"]
            )
            if fresh and hash(event_id) % 100 == 0:  # now and then, forget old ids
                db.execute(
                    delete(seen_events).where(seen_events.c.seen_at < now - timedelta(days=1))
                )
        return fresh
