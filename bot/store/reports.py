"""Reports of a problem with a quote: filed by anyone, applied or dismissed by an approver.

A report is decided once: of two approvers clicking at once, one decides it and the
other is told it was decided already (one conditional UPDATE).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Row

from bot.store.database import Database, from_db, to_db
from bot.store.rows import ReportRow
from bot.store.schema import reports


class Reports:
    def __init__(self, database: Database) -> None:
        self._db = database

    def add(self, row: ReportRow) -> ReportRow:
        """File a report; the stored row, with its number."""
        values = _values(row)
        with self._db.begin() as db:
            number = db.execute(insert(reports).values(**values).returning(reports.c.id)).scalar()
        return _row({**values, "id": int(number or 0)})

    def get(self, team_id: str, report_id: int) -> ReportRow | None:
        c = reports.c
        query = select(reports).where((c.team_id == team_id) & (c.id == report_id))
        with self._db.connect() as db:
            found = db.execute(query).first()
        return _row(found._mapping) if found else None

    def decide(
        self, team_id: str, report_id: int, *, status: str, by: str, now: datetime
    ) -> ReportRow | None:
        """Mark an open report applied or dismissed; None if it was not open any more."""
        c = reports.c
        statement = (
            update(reports)
            .where((c.team_id == team_id) & (c.id == report_id) & (c.status == "open"))
            .values(status=status, decided_by=by, decided_at=to_db(now))
            .returning(*reports.c)
        )
        with self._db.begin() as db:
            found = db.execute(statement).first()
        return _row(found._mapping) if found else None

    def reopen(self, team_id: str, report_id: int) -> None:
        """Open a report again: applying it failed after it was marked applied."""
        c = reports.c
        statement = (
            update(reports)
            .where((c.team_id == team_id) & (c.id == report_id))
            .values(status="open", decided_by=None, decided_at=None)
        )
        with self._db.begin() as db:
            db.execute(statement)

    def open(self, team_id: str | None, *, limit: int = 100) -> list[ReportRow]:
        """Open reports, oldest first (every workspace's when `team_id` is None)."""
        c = reports.c
        query = select(reports).where(c.status == "open")
        if team_id is not None:
            query = query.where(c.team_id == team_id)
        with self._db.connect() as db:
            return [_row(r._mapping) for r in db.execute(query.order_by(c.id).limit(limit))]

    def count_open(self, team_id: str) -> int:
        c = reports.c
        query = select(func.count()).where((c.team_id == team_id) & (c.status == "open"))
        with self._db.connect() as db:
            return int(db.scalar(query) or 0)


def _values(row: ReportRow) -> dict[str, Any]:
    return {
        "team_id": row.team_id, "quote_id": row.quote_id, "problem": row.problem,
        "was_text": row.was_text, "was_speaker": row.was_speaker, "was_source": row.was_source,
        "text": row.text, "speaker": row.speaker, "source": row.source, "note": row.note,
        "reported_by": row.reported_by, "reported_at": to_db(row.reported_at),
        "status": row.status, "decided_by": row.decided_by,
        "decided_at": to_db(row.decided_at) if row.decided_at else None,
    }  # fmt: skip


def _row(data: Row[Any] | dict[str, Any] | Any) -> ReportRow:
    values = dict(data)
    values["reported_at"] = from_db(values["reported_at"])
    if values.get("decided_at") is not None:
        values["decided_at"] = from_db(values["decided_at"])
    return ReportRow(**values)
