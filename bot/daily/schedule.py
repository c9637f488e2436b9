"""When a subscription posts: parsing its schedule and the date and time arithmetic.

Pure functions with `now` passed in, so daylight-saving changes and time zones are
tested by giving times, not by waiting for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.ids import derived_id

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
    """A channel's quote of the day: when, in which zone, on which days, on which topics.

    `id` is short (`K7Q2M`) and stays when the schedule is edited, so its walk and its
    claims follow it. Left empty, it is derived from the schedule's fields: the settings
    file's schedules get the same ID at every start, with or without a database.
    """

    channel: str
    time: str = "09:00"
    timezone: str = "UTC"
    days: str = "mon-fri"
    topics: tuple[str, ...] = ()
    team_id: str = ""
    id: str = field(default="", compare=False)
    # Only quotes of at most this many characters (their plain words): "short quotes".
    max_length: int | None = None

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", derived_id(*self.signature))

    @property
    def signature(self) -> tuple[str, ...]:
        """The fields, as given: what a derived ID is made of."""
        fields = (self.team_id, self.channel, self.time, self.timezone, self.days, *self.topics)
        # Only when set: the IDs schedules had before the option stay as they were.
        return (*fields, f"max_length={self.max_length}") if self.max_length else fields

    @property
    def posts_like(self) -> tuple[object, ...]:
        """What makes two schedules the same post, however written (`mon-fri` or
        `fri,thu,wed,tue,mon`, topics in any order): one channel never gets it twice."""
        return (
            self.channel, self.time, self.timezone, tuple(sorted(weekdays(self.days))),
            tuple(sorted(topic.casefold() for topic in self.topics)), self.max_length,
        )  # fmt: skip

    def describe(self) -> str:
        topics = f" on {', '.join(self.topics)}" if self.topics else ""
        short = f", quotes up to {self.max_length:,} characters" if self.max_length else ""
        return f"{self.time} {self.timezone} {self.days}{topics}{short}"


_MAX = re.compile(r"^max[=:](\S+)$", re.IGNORECASE)
MAX_LENGTHS = range(20, 3001)  # characters: shorter than 20 leaves no quotes to post


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
    if len(text) > 64:  # the longest useful list, every day by name, is 27
        raise ValueError(f"days must be at most 64 characters, got {len(text)}")
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


def zone_named(word: str) -> str | None:
    """The IANA zone a word names (`utc`, `Japan`, `europe/berlin`), or None.

    Matched against the zone list, case-insensitively, so `AI/ML` is a topic and
    `Japan` a zone: a `/` in a word says nothing either way.
    """
    return _zones_by_folded_name().get(word.casefold())


def _zones_by_folded_name() -> dict[str, str]:
    global _ZONES
    if _ZONES is None:
        zones = available_timezones() | {"UTC"}
        _ZONES = {name.casefold(): name for name in zones}
        _ZONES["gmt"] = "UTC"
    return _ZONES


_ZONES: dict[str, str] | None = None


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

    The time comes first; the word right after it is the zone when it names one (by
    the IANA list: `UTC`, `Japan`, `Europe/Berlin`); then days; every word after the
    days names the topic (`AI/ML` included). Raises ValueError saying what is wrong.
    """
    words = text.split()
    if not words:
        raise ValueError("say when: `/quote daily 09:00 [Europe/Berlin] [mon-fri] [topics]`")
    time_of_day = parse_time(words[0])
    max_length, rest = _max_length(words[1:])  # `max=280` anywhere after the time
    zone, days = default_zone, "mon-fri"
    zone_given = False
    for _ in range(2):  # a zone and days, in either order, before the topics
        if rest and (named := zone_named(rest[0])) and not zone_given:
            zone, rest, zone_given = named, rest[1:], True
        elif rest and _looks_like_days(rest[0]):
            days, rest = parse_days(rest[0]), rest[1:]
        elif rest and not zone_given and _looks_like_zone(rest[0]):
            check_zone(rest[0])  # `Europe/Berlim`: say it is no zone, not "no such topic"
    topics = rest
    return Subscription(
        channel=channel,
        time=time_of_day,
        timezone=zone,
        days=days,
        topics=(" ".join(topics),) if topics else (),
        team_id=team_id,
        max_length=max_length,
    )


def _max_length(words: list[str]) -> tuple[int | None, list[str]]:
    """`max=280` (or `max:280`) among the words: short quotes only; the other words."""
    found = [word for word in words if _MAX.match(word)]
    if not found:
        return None, words
    return check_max_length(_MAX.match(found[-1])[1]), [w for w in words if w not in found]


def check_max_length(value: object) -> int:
    """A schedule's maximum quote length: a whole number of characters, 20 to 3,000."""
    try:
        number = int(str(value).replace(",", ""))
    except ValueError:
        raise ValueError(f"a maximum length is a number of characters, not {value!r}") from None
    if not MAX_LENGTHS.start <= number < MAX_LENGTHS.stop:
        raise ValueError(
            f"a maximum length is {MAX_LENGTHS.start} to {MAX_LENGTHS.stop - 1:,} characters"
        )
    return number


def _looks_like_zone(word: str) -> bool:
    """`Europe/Berlim`: an area of the zone list, a slash, something."""
    area, slash, _ = word.casefold().partition("/")
    return bool(slash) and area in {name.split("/")[0] for name in _zones_by_folded_name()}


def _looks_like_days(word: str) -> bool:
    try:
        parse_days(word)
    except ValueError:
        return False
    return True
