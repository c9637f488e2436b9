"""The bot's state in SQL, through SQLAlchemy, split by what it holds.

- `events`: Slack event ids already handled;
- `schedules`: the quote-of-the-day schedules;
- `claims`: who sends each day's post, what it was, and the no-repeat walk;
- `members`: channels the bot has joined;
- `book`: the team's quote book (quotes added in Slack, file quotes hidden or corrected);
- `reports`: reports of a problem with a quote, until an approver decides;
- `reactions`: who reacted to which post, for the team's most loved quotes.

The store never imports the domain: it reads and writes its own row types
(`bot.store.rows`), and the domain turns them into its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from bot.store.book import Book, Changes, SameText
from bot.store.claims import Claims
from bot.store.database import Database, StoreError, utcnow
from bot.store.events import Events
from bot.store.members import Members
from bot.store.reactions import Reactions
from bot.store.reports import Reports
from bot.store.rows import (
    BookRow,
    Claim,
    CorrectionRow,
    HiddenRow,
    Loved,
    PostRecord,
    ReportRow,
    ScheduleRow,
)
from bot.store.schedules import Schedules

__all__ = [
    "BookRow",
    "Changes",
    "Claim",
    "CorrectionRow",
    "HiddenRow",
    "Loved",
    "PostRecord",
    "ReportRow",
    "SameText",
    "ScheduleRow",
    "Store",
    "StoreError",
    "utcnow",
]


class Store:
    """All of the bot's state; one instance per process."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None) -> None:
        self.database = Database(url, clock=clock)
        self.events = Events(self.database)
        self.schedules = Schedules(self.database)
        self.claims = Claims(self.database)
        self.members = Members(self.database)
        self.book = Book(self.database)
        self.reactions = Reactions(self.database)
        self.reports = Reports(self.database)

    @property
    def engine(self) -> Engine:
        """For slack-sdk's installation store, which keeps its tables in our database."""
        return self.database.engine

    @property
    def created_at(self) -> datetime:
        """When this database was made (UTC); long ago for one migrated from before."""
        return self.database.created_at

    def create_tables(self, tables: MetaData) -> None:
        self.database.create_tables(tables)

    def close(self) -> None:
        self.database.close()
