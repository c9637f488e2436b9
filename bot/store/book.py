"""The team's quote book: quotes added in Slack, file quotes hidden or corrected, and the
change feed.

Every change takes the next number from the one-row `book_changes` table, in the same
transaction. Taking it locks that row until the change commits, so a change numbered
N+1 can only commit after N did: an instance that has applied everything up to N asks
for the rows above N (`changes_since`) and never skips one that committed late. That
one indexed query, every second, is how every instance sharing the database sees a
saved quote within two seconds (`bot.book.watch`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, true, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from bot.store.database import Database, from_db, to_db
from bot.store.rows import BookRow, CorrectionRow, HiddenRow
from bot.store.schema import book_changes, book_quotes, corrections, hidden_quotes

_BATCH = 1000  # rows per INSERT of an import


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed after a given number, and the number of the latest change."""

    quotes: tuple[BookRow, ...]
    hidden: tuple[HiddenRow, ...]
    seq: int
    corrections: tuple[CorrectionRow, ...] = ()


class SameText(Exception):
    """Another open quote of the workspace has this text (its alias)."""


class Book:
    def __init__(self, database: Database) -> None:
        self._db = database  # its one `book_changes` row is made with the schema

    # ----- quotes ----------------------------------------------------------------------

    def add(self, row: BookRow) -> BookRow | None:
        """Store a new quote; None when its ID is taken in that workspace (draw another).

        Raises `SameText` when an open quote of that workspace has the same text (its
        alias): saved by someone else a moment before.
        """
        try:
            with self._db.begin() as db:
                seq = self._next(db)
                values = _quote_values(row) | {"seq": seq}
                if not self._db.insert_ignore(db, book_quotes, values, ["team_id", "id"]):
                    return None  # a number left unused is harmless: readers ask for "above N"
        except IntegrityError as error:
            if not self.with_alias(row.team_id, row.alias, statuses=["pending", "approved"]):
                raise  # not the one-open-quote-per-text rule
            raise SameText(row.alias) from error
        return _book_row_from(values)

    def add_many(self, rows: Sequence[BookRow]) -> int:
        """Store many new quotes in one transaction (an import); how many went in.

        A row whose ID is taken, or whose text an open quote of its workspace has, is
        left out: the caller checked both, so only a quote saved at the same moment
        is. Each row gets its own change number, so every instance picks them all up.
        """
        if not rows:
            return 0
        with self._db.begin() as db:
            last = self._next(db, len(rows))
            values = [
                _quote_values(row) | {"seq": last - len(rows) + 1 + number}
                for number, row in enumerate(rows)
            ]
            statement = self._db.insert_or_skip(book_quotes).returning(book_quotes.c.id)
            added = 0
            for start in range(0, len(values), _BATCH):
                added += len(db.execute(statement, values[start : start + _BATCH]).all())
        return added

    def id_taken(self, team_id: str, quote_id: str) -> bool:
        c = book_quotes.c
        query = select(c.id).where((c.team_id == team_id) & (c.id == quote_id))
        with self._db.connect() as db:
            return db.scalar(query) is not None

    def get(self, team_id: str, quote_id: str) -> BookRow | None:
        c = book_quotes.c
        query = select(book_quotes).where((c.team_id == team_id) & (c.id == quote_id))
        with self._db.connect() as db:
            row = db.execute(query).first()
        return _book_row(row) if row else None

    def with_alias(self, team_id: str, alias: str, *, statuses: Iterable[str]) -> BookRow | None:
        """A quote of this workspace with the same text (its alias), in one of `statuses`."""
        c = book_quotes.c
        query = (
            select(book_quotes)
            .where((c.team_id == team_id) & (c.alias == alias) & c.status.in_(list(statuses)))
            .order_by(c.added_at)
        )
        with self._db.connect() as db:
            row = db.execute(query).first()
        return _book_row(row) if row else None

    def change(
        self,
        team_id: str,
        quote_id: str,
        *,
        when_status: Iterable[str],
        by: str,
        now: datetime,
        when_seq: int | None = None,
        **values: Any,
    ) -> BookRow | None:
        """Change a quote if its status is one of `when_status`; the new row, or None.

        One conditional UPDATE: of two approvers clicking at once, one changes it and the
        other is told it was already done. `when_seq`: only if the quote has not changed
        since that change number (an approver approves the text they saw).
        """
        if "topics" in values:
            values["topics"] = json.dumps(list(values["topics"]), ensure_ascii=False)
        try:
            return self._change(team_id, quote_id, when_status, by, now, when_seq, values)
        except IntegrityError as error:
            alias = str(values.get("alias"))
            if not self.with_alias(team_id, alias, statuses=["pending", "approved"]):
                raise
            raise SameText(alias) from error

    def _change(
        self, team_id: str, quote_id: str, when_status: Iterable[str], by: str, now: datetime,
        when_seq: int | None, values: dict[str, Any],
    ) -> BookRow | None:  # fmt: skip
        c = book_quotes.c
        with self._db.begin() as db:
            seq = self._next(db)
            statement = (
                update(book_quotes)
                .where(
                    (c.team_id == team_id)
                    & (c.id == quote_id)
                    & c.status.in_(list(when_status))
                    & (c.seq == when_seq if when_seq is not None else true())
                )
                .values(**values, changed_by=by, changed_at=to_db(now), seq=seq)
                .returning(*book_quotes.c)
            )
            row = db.execute(statement).first()
        return _book_row(row) if row else None

    def waiting(self, team_id: str | None) -> list[BookRow]:
        """What waits for review (in every workspace when `team_id` is None): new quotes,
        and changes to approved ones."""
        c = book_quotes.c
        query = select(book_quotes).where(
            (c.status == "pending") | ((c.status == "approved") & c.proposed.is_not(None))
        )
        if team_id is not None:
            query = query.where(c.team_id == team_id)
        with self._db.connect() as db:
            return [_book_row(row) for row in db.execute(query.order_by(c.changed_at, c.id))]

    def quotes(self, team_id: str | None = None, *, statuses: Iterable[str]) -> list[BookRow]:
        """Quotes in these statuses (every workspace's when `team_id` is None), oldest first."""
        c = book_quotes.c
        query = select(book_quotes).where(c.status.in_(list(statuses)))
        if team_id is not None:
            query = query.where(c.team_id == team_id)
        with self._db.connect() as db:
            return [_book_row(row) for row in db.execute(query.order_by(c.added_at, c.id))]

    # ----- quotes from files, hidden -----------------------------------------------------

    def set_hidden(self, row: HiddenRow) -> HiddenRow:
        """Hide a file's quote in one workspace (or show it again: `row.hidden` False)."""
        c = hidden_quotes.c
        with self._db.begin() as db:
            seq = self._next(db)
            values = _hidden_values(row) | {"seq": seq}
            keys = ["team_id", "quote_id"]
            if not self._db.insert_ignore(db, hidden_quotes, values, keys):
                db.execute(
                    update(hidden_quotes)
                    .where((c.team_id == row.team_id) & (c.quote_id == row.quote_id))
                    .values(**{k: v for k, v in values.items() if k not in keys})
                )
        return HiddenRow(**{**_hidden_values(row), "changed_at": row.changed_at, "seq": seq})

    def hidden(self, team_id: str | None = None) -> list[HiddenRow]:
        """The file quotes hidden now (in every workspace when `team_id` is None)."""
        c = hidden_quotes.c
        query = select(hidden_quotes).where(c.hidden.is_(True))
        if team_id is not None:
            query = query.where(c.team_id == team_id)
        with self._db.connect() as db:
            return [_hidden_row(row) for row in db.execute(query.order_by(c.file, c.line))]

    # ----- quotes from files, corrected -----------------------------------------------------

    def set_correction(
        self, team_id: str, quote_id: str, build: Callable[[CorrectionRow | None], CorrectionRow]
    ) -> CorrectionRow:
        """Correct a file's quote in one workspace: `build` makes the new row from the one
        stored (None at first), read in the same transaction after the change feed's lock,
        so two corrections at once both hold."""
        c = corrections.c
        with self._db.begin() as db:
            seq = self._next(db)  # the feed's row stays locked until this commits
            found = db.execute(
                select(corrections).where((c.team_id == team_id) & (c.quote_id == quote_id))
            ).first()
            row = build(_correction_row(found) if found else None)
            values = _correction_values(row) | {"seq": seq}
            keys = ["team_id", "quote_id"]
            if found is None:
                db.execute(corrections.insert().values(**values))
            else:
                db.execute(
                    update(corrections)
                    .where((c.team_id == team_id) & (c.quote_id == quote_id))
                    .values(**{k: v for k, v in values.items() if k not in keys})
                )
        return replace(row, seq=seq)

    def corrections(self, team_id: str | None = None) -> list[CorrectionRow]:
        """The corrected file quotes (in every workspace when `team_id` is None), by file."""
        c = corrections.c
        query = select(corrections)
        if team_id is not None:
            query = query.where(c.team_id == team_id)
        with self._db.connect() as db:
            rows = db.execute(query.order_by(c.file, c.line, c.quote_id))
            return [_correction_row(row) for row in rows]

    # ----- the change feed ----------------------------------------------------------------

    def latest(self) -> int:
        with self._db.connect() as db:
            return int(db.scalar(select(book_changes.c.seq).where(book_changes.c.id == 1)) or 0)

    def changes_since(self, seq: int) -> Changes:
        """Every quote, hidden and corrected file quote changed after change number `seq`."""
        q, h, k = book_quotes.c, hidden_quotes.c, corrections.c
        with self._db.connect() as db:
            latest = db.scalar(select(func.max(book_changes.c.seq))) or 0
            if latest <= seq:
                return Changes((), (), max(latest, seq))
            quotes = db.execute(
                select(book_quotes).where((q.seq > seq) & (q.seq <= latest)).order_by(q.seq)
            )
            hidden = db.execute(
                select(hidden_quotes).where((h.seq > seq) & (h.seq <= latest)).order_by(h.seq)
            )
            corrected = db.execute(
                select(corrections).where((k.seq > seq) & (k.seq <= latest)).order_by(k.seq)
            )
            return Changes(
                tuple(_book_row(row) for row in quotes),
                tuple(_hidden_row(row) for row in hidden),
                int(latest),
                tuple(_correction_row(row) for row in corrected),
            )

    def _next(self, db: Connection, count: int = 1) -> int:
        """The next change number (the last of `count`); the row stays locked until the
        transaction ends."""
        statement = (
            update(book_changes)
            .where(book_changes.c.id == 1)
            .values(seq=book_changes.c.seq + count)
            .returning(book_changes.c.seq)
        )
        return int(db.execute(statement).scalar_one())


def _quote_values(row: BookRow) -> dict[str, Any]:
    return {
        "team_id": row.team_id, "id": row.id, "text": row.text, "alias": row.alias,
        "speaker": row.speaker, "speaker_user": row.speaker_user, "source": row.source,
        "url": row.url, "topics": json.dumps(list(row.topics), ensure_ascii=False),
        "lead_in": row.lead_in, "status": row.status, "added_by": row.added_by,
        "added_at": to_db(row.added_at), "changed_by": row.changed_by,
        "changed_at": to_db(row.changed_at), "proposed": row.proposed,
    }  # fmt: skip


def _book_row_from(values: dict[str, Any]) -> BookRow:
    return BookRow(**{**values, "topics": tuple(json.loads(values["topics"]))})


def _book_row(row: Row[Any]) -> BookRow:
    data = dict(row._mapping)
    data["topics"] = tuple(json.loads(data["topics"] or "[]"))
    data["added_at"] = from_db(data["added_at"])
    data["changed_at"] = from_db(data["changed_at"])
    return BookRow(**data)


def _hidden_values(row: HiddenRow) -> dict[str, Any]:
    return {
        "team_id": row.team_id, "quote_id": row.quote_id, "alias": row.alias,
        "file": row.file, "line": row.line, "text": row.text, "hidden": row.hidden,
        "changed_by": row.changed_by, "changed_at": to_db(row.changed_at),
    }  # fmt: skip


def _hidden_row(row: Row[Any]) -> HiddenRow:
    data = dict(row._mapping)
    data["changed_at"] = from_db(data["changed_at"])
    return HiddenRow(**data)


def _correction_values(row: CorrectionRow) -> dict[str, Any]:
    return {
        "team_id": row.team_id, "quote_id": row.quote_id, "alias": row.alias,
        "was_text": row.was_text, "was_speaker": row.was_speaker,
        "was_source": row.was_source, "file": row.file, "line": row.line, "text": row.text,
        "speaker": row.speaker, "source": row.source, "changed_by": row.changed_by,
        "changed_at": to_db(row.changed_at),
    }  # fmt: skip


def _correction_row(row: Row[Any]) -> CorrectionRow:
    data = dict(row._mapping)
    data["changed_at"] = from_db(data["changed_at"])
    return CorrectionRow(**data)
