"""When a subscription posts: parsing its schedule and the date and time arithmetic.

Pure functions with `now` passed in, so daylight-saving changes and time zones are
tested by giving times, not by waiting for them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]?([0-5]\d)$")
_DAY_WORDS = {
    "daily": "mon-sun",
    "everyday": "mon-sun",
    "weekdays": "mon-fri",
    "weekends": "sat,sun",
}


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel's quote of the day: when, in which zone, on which days, on which topics."""

    channel: str
    time: str = "09:00"
    timezone: str = "UTC"
    days: str = "mon-fri"
    topics: tuple[str, ...] = ()
    team_id: str = ""

    @property
    def key(self) -> str:
        """A stable id: the same subscription always has the same key, across restarts."""
        parts = (self.team_id, self.channel, self.time, self.timezone, self.days, *self.topics)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]

    def describe(self) -> str:
        topics = f" on {', '.join(self.topics)}" if self.topics else ""
        return f"{self.time} {self.timezone} {self.days}{topics}"


def parse_time(value: Any) -> str:
    """'9:00', '09:00' or '0900' as 'HH:MM'. YAML reads an unquoted 09:00 as 540 (minutes)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value < 24 * 60:
            raise ValueError(f"time must be HH:MM on a 24-hour clock, got {value!r}")
        value = f"{value // 60}:{value % 60:02d}"
    match = _TIME.match(str(value).strip())
    if not match:
        raise ValueError(f"time must be HH:MM on a 24-hour clock, got {value!r}")
    return f"{int(match[1]):02d}:{match[2]}"


def parse_days(value: Any) -> str:
    """Day names as APScheduler reads them ('mon-fri', 'sat,sun'); never numbers.

    Numbers are refused on purpose: APScheduler counts Monday as 0 and crontab counts
    Sunday as 0, so `1-5` would silently mean different days to different readers.
    """
    text = str(value).strip().lower().replace(" ", "")
    text = _DAY_WORDS.get(text, text)
    for part in text.split(","):
        names = part.split("-")
        if len(names) > 2 or not all(name in DAY_NAMES for name in names):
            raise ValueError(f"days must be day names like mon-fri or mon,wed,fri; got {value!r}")
    return text


def check_zone(value: Any) -> str:
    """An IANA time zone name, checked against the zone database."""
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin"
        ) from None
    return str(value)


def weekdays(days: str) -> frozenset[int]:
    """The weekday numbers (Monday is 0, as in `date.weekday()`) that `days` names."""
    numbers: set[int] = set()
    for part in days.split(","):
        first, _, last = part.partition("-")
        start = DAY_NAMES.index(first)
        end = DAY_NAMES.index(last) if last else start
        span = (end - start) % 7
        numbers.update((start + offset) % 7 for offset in range(span + 1))
    return frozenset(numbers)


def post_time(subscription: Subscription, day: date) -> datetime:
    """The instant of the post on a local date, as an aware UTC datetime.

    A time that does not exist on that date (skipped by a daylight-saving change)
    is taken as the wall time it would be an hour later in zoneinfo's reading, and a
    time that happens twice is taken the first time: either way exactly one instant.
    """
    zone = ZoneInfo(subscription.timezone)
    hour, minute = (int(part) for part in subscription.time.split(":"))
    local = datetime.combine(day, time(hour, minute), tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC"))


def local_date(subscription: Subscription, now: datetime) -> date:
    return now.astimezone(ZoneInfo(subscription.timezone)).date()


def due_dates(subscription: Subscription, *, now: datetime, grace: timedelta) -> list[date]:
    """Local dates whose post time has come, but not longer ago than `grace`."""
    today = local_date(subscription, now)
    days = weekdays(subscription.days)
    due = []
    for back in range(grace.days + 2, -1, -1):
        day = today - timedelta(days=back)
        if day.weekday() in days and now - grace <= post_time(subscription, day) <= now:
            due.append(day)
    return due


def next_post(subscription: Subscription, *, now: datetime) -> datetime:
    """The next post instant after `now` (in the subscription's own zone)."""
    zone = ZoneInfo(subscription.timezone)
    today = local_date(subscription, now)
    days = weekdays(subscription.days)
    for ahead in range(8):
        day = today + timedelta(days=ahead)
        if day.weekday() in days and post_time(subscription, day) > now:
            return post_time(subscription, day).astimezone(zone)
    raise ValueError(f"no post day in {subscription.days!r}")  # unreachable for valid days


def parse_request(text: str, *, channel: str, team_id: str, default_zone: str) -> Subscription:
    """`09:00 Europe/Berlin mon-fri robotics` as a subscription for `channel`.

    The time comes first; a zone (it has a `/`, or is UTC) and days may follow in
    either order; the other words, together, name one topic. Raises ValueError saying what is wrong.
    """
    words = text.split()
    if not words:
        raise ValueError("say when: `/quote daily 09:00 [Europe/Berlin] [mon-fri] [topics]`")
    time_of_day = parse_time(words[0])
    zone, days, topics = default_zone, "mon-fri", []
    for word in words[1:]:
        if "/" in word or word.upper() in ("UTC", "GMT"):
            zone = check_zone("UTC" if word.upper() in ("UTC", "GMT") else word)
        elif _looks_like_days(word):
            days = parse_days(word)
        else:
            topics.append(word)
    return Subscription(
        channel=channel,
        time=time_of_day,
        timezone=zone,
        days=days,
        topics=(" ".join(topics),) if topics else (),
        team_id=team_id,
    )


def _looks_like_days(word: str) -> bool:
    try:
        parse_days(word)
    except ValueError:
        return False
    return True
