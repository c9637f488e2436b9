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
class ReportRow:
    """Someone's report of a problem with a quote: what it says now, what it should say.

    `was_*`: the quote as the reporter saw it; `text`, `speaker`, `source`: as they say
    it should be. `status`: "open", then "applied" or "dismissed".
    """

    team_id: str
    quote_id: str
    problem: str
    was_text: str
    was_speaker: str | None
    was_source: str | None
    text: str
    speaker: str | None
    source: str | None
    note: str | None
    reported_by: str
    reported_at: datetime
    status: str = "open"
    decided_by: str | None = None
    decided_at: datetime | None = None
    id: int = 0  # given by the store


@dataclass(frozen=True, slots=True)
class CorrectionRow:
    """A quote from a file shown corrected in Slack, until its file is fixed.

    `was_text`, `was_speaker`, `was_source`: the file's quote as it was corrected (`alias`:
    its text's, to find it by). Each field shows corrected while the file still says what
    was corrected there.
    """

    team_id: str
    quote_id: str
    alias: str
    was_text: str
    was_speaker: str | None
    was_source: str | None
    file: str
    line: int
    text: str
    speaker: str | None
    source: str | None
    changed_by: str
    changed_at: datetime
    seq: int = 0


@dataclass(frozen=True, slots=True)
class Loved:
    """A quote and how many different people reacted to its posts."""

    quote_id: str
    people: int
