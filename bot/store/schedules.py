"""Quote-of-the-day schedules: the settings file's baseline and the ones made in Slack."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select, update

from bot.store.database import Database, from_db, to_db
from bot.store.rows import ScheduleRow
from bot.store.schema import schedules


class Schedules:
    def __init__(self, database: Database) -> None:
        self._db = database

    def sync_config(self, configured: Iterable[ScheduleRow]) -> None:
        """Make the stored config schedules match the settings file.

        New ones are added; ones gone from the file are removed; ones switched off in
        Slack stay off (the file is the baseline, Slack has the last word).
        """
        configured = list(configured)
        ids = {row.id for row in configured}
        with self._db.begin() as db:
            for row in configured:
                self._db.insert_ignore(db, schedules, _values(row), ["id"])
            stale = select(schedules.c.id).where(schedules.c.origin == "config")
            gone = [key for key in db.scalars(stale) if key not in ids]
            if gone:
                db.execute(delete(schedules).where(schedules.c.id.in_(gone)))

    def add(self, row: ScheduleRow) -> bool:
        """Insert a new schedule; False when its ID is taken (draw another)."""
        with self._db.begin() as db:
            return self._db.insert_ignore(db, schedules, _values(row), ["id"])

    def update(self, schedule_id: str, **fields: object) -> bool:
        """Change some fields of a schedule (never its ID); False when there is none."""
        values = {
            name: (
                json.dumps(list(value))  # type: ignore[call-overload]
                if name == "topics"
                else to_db(value)
                if isinstance(value, datetime)
                else value
            )
            for name, value in fields.items()
        }
        with self._db.begin() as db:
            changed = db.execute(
                update(schedules)
                .where(schedules.c.id == schedule_id)
                .values(**values)
                .returning(schedules.c.id)
            ).first()
        return changed is not None

    def delete(self, schedule_id: str) -> None:
        with self._db.begin() as db:
            db.execute(delete(schedules).where(schedules.c.id == schedule_id))

    def get(self, schedule_id: str) -> ScheduleRow | None:
        with self._db.connect() as db:
            row = db.execute(select(schedules).where(schedules.c.id == schedule_id)).first()
        return _row(row) if row is not None else None

    def list(
        self, *, team_id: str | None = None, channel: str | None = None, enabled_only: bool = True
    ) -> list[ScheduleRow]:
        """Schedules by channel and time; a team's include the settings file's team-less ones."""
        query = select(schedules).order_by(schedules.c.channel, schedules.c.time, schedules.c.id)
        if enabled_only:
            query = query.where(schedules.c.enabled)
        if team_id is not None:
            query = query.where(schedules.c.team_id.in_((team_id, "")))
        if channel is not None:
            query = query.where(schedules.c.channel == channel)
        with self._db.connect() as db:
            return [_row(row) for row in db.execute(query)]

    def count(self, *, team_id: str, channel: str) -> int:
        """How many schedules a channel has (on or off), for the per-channel cap."""
        c = schedules.c
        query = (
            select(func.count())
            .select_from(schedules)
            .where(c.team_id.in_((team_id, "")) & (c.channel == channel))
        )
        with self._db.connect() as db:
            return db.scalar(query) or 0


def _values(row: ScheduleRow) -> dict:
    return {
        "id": row.id,
        "team_id": row.team_id,
        "channel": row.channel,
        "time": row.time,
        "timezone": row.timezone,
        "days": row.days,
        "topics": json.dumps(list(row.topics)),
        "origin": row.origin,
        "created_by": row.created_by,
        "enabled": row.enabled,
        "disabled_reason": row.disabled_reason,
        "created_at": to_db(row.created_at),
        "starts_at": to_db(row.starts_at) if row.starts_at else None,
        "max_length": row.max_length,
    }


def _row(row) -> ScheduleRow:
    return ScheduleRow(
        id=row.id,
        team_id=row.team_id,
        channel=row.channel,
        time=row.time,
        timezone=row.timezone,
        days=row.days,
        topics=tuple(json.loads(row.topics)),
        origin=row.origin,
        created_by=row.created_by,
        enabled=row.enabled,
        disabled_reason=row.disabled_reason,
        created_at=from_db(row.created_at),
        starts_at=from_db(row.starts_at) if row.starts_at is not None else None,
        max_length=row.max_length,
    )
