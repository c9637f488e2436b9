"""The store's own row types: what it reads and writes, independent of the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """A quote-of-the-day schedule as stored (times in UTC)."""

    id: str
    team_id: str
    channel: str
    time: str
    timezone: str
    days: str
    topics: tuple[str, ...]
    origin: str  # "config" (the settings file) or "slack"
    created_by: str | None
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    starts_at: datetime | None
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to send one day's post; `taken_over` means an earlier sender may have sent it."""

    subscription_id: str
    local_date: date
    quote_id: str
    cycle: int
    taken_over: bool = False
    owner: str = ""

    @property
    def id(self) -> str:
        """The claim's name in the post's metadata, found again in the channel's history."""
        return f"{self.subscription_id}:{self.local_date.isoformat()}"


@dataclass(frozen=True, slots=True)
class PostRecord:
    subscription_id: str
    local_date: date
    status: str  # pending, sent, failed, unverified
    quote_id: str
    cycle: int
    ts: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class BookRow:
    """A quote of the team's quote book as stored (times in UTC)."""

    team_id: str
    id: str
    text: str
    alias: str
    speaker: str | None
    speaker_user: str | None
    source: str | None
    url: str | None
    topics: tuple[str, ...]
    lead_in: str | None
    status: str  # pending, approved, rejected, removed
    added_by: str
    added_at: datetime
    changed_by: str | None
    changed_at: datetime
    seq: int = 0
    proposed: str | None = None  # JSON: a change waiting for review (see the schema)


@dataclass(frozen=True, slots=True)
class HiddenRow:
    """A quote from a file that approvers hid from Slack, or showed again (`hidden` False)."""

    team_id: str
    quote_id: str
    alias: str
    file: str
    line: int
    text: str
    hidden: bool
    changed_by: str
    changed_at: datetime
    seq: int = 0


@dataclass(frozen=True, slots=True)
class Loved:
    """A quote and how many different people reacted to its posts."""

    quote_id: str
    people: int
