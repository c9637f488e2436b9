"""Schedule maths: parsing times, days and zones; post instants across daylight saving."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.daily.schedule import (
    Subscription,
    check_zone,
    due_dates,
    next_post,
    parse_days,
    parse_request,
    parse_time,
    post_time,
    weekdays,
)
from bot.ids import ALPHABET

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SPRING_FORWARD = date(2026, 3, 29)  # Berlin: 02:00 CET becomes 03:00 CEST
FALL_BACK = date(2026, 10, 25)  # Berlin: 03:00 CEST becomes 02:00 CET
MONDAY = date(2026, 3, 2)


def sub(time: str = "09:00", zone: str = "Europe/Berlin", days: str = "mon-fri") -> Subscription:
    """A subscription as settings and `/quote daily` make them: with its days parsed."""
    return Subscription(channel="C1", time=time, timezone=zone, days=parse_days(days))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_the_calendar_is_as_the_tests_assume() -> None:
    assert MONDAY.weekday() == 0
    assert SPRING_FORWARD.weekday() == FALL_BACK.weekday() == 6


# --- parse_time --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("09:00", "09:00"),
        ("9:00", "09:00"),
        ("0900", "09:00"),
        ("9.30", "09:30"),
        ("9h30", "09:30"),
        (" 17:45 ", "17:45"),
        ("00:00", "00:00"),
        ("23:59", "23:59"),
        (540, "09:00"),  # YAML's reading of an unquoted 9:00
        (0, "00:00"),
        (1439, "23:59"),
    ],
)
def test_parse_time(value: object, expected: str) -> None:
    assert parse_time(value) == expected


@pytest.mark.parametrize(
    "value", ["24:00", "12:60", "9am", "", "12:5", "noon", "-1:00", True, -1, 1440, 1500]
)
def test_parse_time_refuses_what_is_no_time_of_day(value: object) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_time(value)


# --- parse_days and weekdays -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mon-fri", "mon-fri"),
        ("Mon - Fri", "mon-fri"),
        ("mon,wed,fri", "mon,wed,fri"),
        ("sat,sun", "sat,sun"),
        ("fri-mon", "fri-mon"),
        ("sun", "sun"),
        ("daily", "mon-sun"),
        ("everyday", "mon-sun"),
        ("weekdays", "mon-fri"),
        ("Weekends", "sat,sun"),
    ],
)
def test_parse_days(value: str, expected: str) -> None:
    assert parse_days(value) == expected


@pytest.mark.parametrize(
    "value", ["1-5", "0", "0,6", 1, "mon-5", "", "mon-wed-fri", "mon,,fri", "monday", "someday"]
)
def test_parse_days_refuses_numbers_and_unknown_names(value: object) -> None:
    with pytest.raises(ValueError, match="day names"):
        parse_days(value)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("sat,sun", {5, 6}),
        ("mon-sun", set(range(7))),
        ("sun", {6}),
        ("mon,wed-thu", {0, 2, 3}),
        ("fri-mon", {4, 5, 6, 0}),  # wraps around the weekend
        ("sun-tue", {6, 0, 1}),
        (parse_days("weekends"), {5, 6}),
    ],
)
def test_weekdays(days: str, expected: set[int]) -> None:
    assert weekdays(days) == expected


# --- check_zone ----------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Europe/Berlin", "UTC", "America/New_York", "Asia/Kolkata"])
def test_check_zone_accepts_iana_names(zone: str) -> None:
    assert check_zone(zone) == zone


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "CEST", "../../etc/passwd", None])
def test_check_zone_refuses_unknown_zones(zone: object) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        check_zone(zone)


# --- post_time across daylight saving ----------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (SPRING_FORWARD - timedelta(days=1), utc(2026, 3, 28, 8, 0)),  # CET, UTC+1
        (SPRING_FORWARD, utc(2026, 3, 29, 7, 0)),  # the change is at 02:00, before 09:00
        (SPRING_FORWARD + timedelta(days=1), utc(2026, 3, 30, 7, 0)),  # CEST, UTC+2
        (FALL_BACK - timedelta(days=1), utc(2026, 10, 24, 7, 0)),
        (FALL_BACK, utc(2026, 10, 25, 8, 0)),
        (FALL_BACK + timedelta(days=1), utc(2026, 10, 26, 8, 0)),
    ],
)
def test_a_0900_berlin_post_follows_daylight_saving(day: date, expected: datetime) -> None:
    instant = post_time(sub("09:00", days="daily"), day)
    assert instant == expected
    assert instant.utcoffset() == timedelta(0)
    assert instant.astimezone(BERLIN).hour == 9


def test_a_time_skipped_by_spring_forward_is_posted_an_hour_later() -> None:
    instant = post_time(sub("02:30", days="daily"), SPRING_FORWARD)
    assert instant == utc(2026, 3, 29, 1, 30)
    assert instant.astimezone(BERLIN) == berlin(2026, 3, 29, 3, 30)


def test_a_time_that_happens_twice_in_the_fall_is_the_first_one() -> None:
    instant = post_time(sub("02:30", days="daily"), FALL_BACK)
    assert instant == utc(2026, 10, 25, 0, 30)  # 02:30 CEST; 02:30 CET is 01:30 UTC


def minutes_due(subscription: Subscription, day: date) -> list[datetime]:
    """Every minute of the local day at which a scheduler waking once a minute posts `day`."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=BERLIN).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=BERLIN)
    due = []
    now = start
    while now < end:
        if day in due_dates(subscription, now=now, grace=timedelta(seconds=59)):
            due.append(now)
        now += timedelta(minutes=1)
    return due


def test_a_0230_post_exists_exactly_once_on_the_spring_forward_day() -> None:
    assert minutes_due(sub("02:30", days="daily"), SPRING_FORWARD) == [utc(2026, 3, 29, 1, 30)]


def test_a_0230_post_happens_once_on_the_fall_back_day() -> None:
    assert minutes_due(sub("02:30", days="daily"), FALL_BACK) == [utc(2026, 10, 25, 0, 30)]


# --- due_dates ---------------------------------------------------------------------------

HOUR = timedelta(hours=1)


def test_due_inside_the_grace_window() -> None:
    assert due_dates(sub(), now=berlin(2026, 3, 2, 9, 30), grace=HOUR) == [MONDAY]


def test_not_due_before_the_post_time() -> None:
    assert due_dates(sub(), now=berlin(2026, 3, 2, 8, 59), grace=HOUR) == []


def test_not_due_after_the_grace_window() -> None:
    assert due_dates(sub(), now=berlin(2026, 3, 2, 10, 30), grace=HOUR) == []


def test_the_grace_window_includes_both_ends() -> None:
    at_post = berlin(2026, 3, 2, 9, 0)
    assert due_dates(sub(), now=at_post, grace=timedelta(0)) == [MONDAY]
    assert due_dates(sub(), now=at_post + HOUR, grace=HOUR) == [MONDAY]
    past = at_post + HOUR + timedelta(microseconds=1)
    assert due_dates(sub(), now=past, grace=HOUR) == []


def test_now_may_be_given_in_any_zone() -> None:
    now = berlin(2026, 3, 2, 9, 30)
    assert due_dates(sub(), now=now.astimezone(UTC), grace=HOUR) == [MONDAY]
    assert due_dates(sub(), now=now.astimezone(NEW_YORK), grace=HOUR) == [MONDAY]


def test_days_not_in_the_schedule_are_never_due() -> None:
    saturday = berlin(2026, 3, 7, 9, 30)
    assert due_dates(sub(days="mon-fri"), now=saturday, grace=HOUR) == []
    assert due_dates(sub(days="weekends"), now=saturday, grace=HOUR) == [date(2026, 3, 7)]


def test_a_restart_after_midnight_catches_up_yesterday_within_grace() -> None:
    late = sub("23:30", days="daily")
    after_midnight = berlin(2026, 3, 3, 0, 15)
    assert due_dates(late, now=after_midnight, grace=HOUR) == [MONDAY]
    assert due_dates(late, now=after_midnight, grace=timedelta(minutes=30)) == []


def test_catching_up_friday_on_saturday_morning() -> None:
    late = sub("23:30", days="mon-fri")
    assert due_dates(late, now=berlin(2026, 3, 7, 0, 15), grace=HOUR) == [date(2026, 3, 6)]


def test_a_long_grace_lists_each_missed_day_oldest_first() -> None:
    monday_morning = berlin(2026, 3, 9, 10, 0)
    three_days = timedelta(days=3)
    assert due_dates(sub(days="daily"), now=monday_morning, grace=three_days) == [
        date(2026, 3, 7),
        date(2026, 3, 8),
        date(2026, 3, 9),
    ]
    assert due_dates(sub(days="mon-fri"), now=monday_morning, grace=three_days) == [
        date(2026, 3, 9)
    ]


# --- next_post ----------------------------------------------------------------------------


def test_next_post_later_today() -> None:
    assert next_post(sub(), now=berlin(2026, 3, 6, 8, 0)) == berlin(2026, 3, 6, 9, 0)


def test_next_post_skips_the_weekend_for_mon_fri() -> None:
    friday_after = berlin(2026, 3, 6, 10, 0)
    assert next_post(sub(), now=friday_after) == berlin(2026, 3, 9, 9, 0)


def test_next_post_is_strictly_after_now() -> None:
    friday_at_post = berlin(2026, 3, 6, 9, 0)
    assert next_post(sub(), now=friday_at_post) == berlin(2026, 3, 9, 9, 0)


def test_next_post_is_in_the_subscriptions_zone() -> None:
    # Saturday 02:00 UTC is still Friday evening in New York: Monday is next.
    when = next_post(sub("09:00", "America/New_York"), now=utc(2026, 3, 7, 2, 0))
    assert when.tzinfo == NEW_YORK
    assert (when.date(), when.hour, when.minute) == (date(2026, 3, 9), 9, 0)
    assert when == utc(2026, 3, 9, 13, 0)  # New York is on daylight time from 8 March


def test_next_post_on_a_weekend_only_schedule() -> None:
    wednesday = berlin(2026, 3, 4, 12, 0)
    assert next_post(sub(days="weekends"), now=wednesday) == berlin(2026, 3, 7, 9, 0)


# --- parse_request -------------------------------------------------------------------------


def request(text: str, zone: str = "UTC") -> Subscription:
    return parse_request(text, channel="C42", team_id="T1", default_zone=zone)


def test_parse_request_with_everything() -> None:
    assert request("09:00 Europe/Berlin mon-fri robotics") == Subscription(
        channel="C42",
        time="09:00",
        timezone="Europe/Berlin",
        days="mon-fri",
        topics=("robotics",),
        team_id="T1",
    )


def test_parse_request_takes_zone_and_days_in_either_order() -> None:
    assert request("9:00 mon-fri Europe/Berlin robotics") == request(
        "09:00 Europe/Berlin mon-fri robotics"
    )


def test_parse_request_joins_the_words_of_a_topic() -> None:
    parsed = request("07:30 weekends self driving cars")
    assert parsed.topics == ("self driving cars",)
    assert parsed.days == "sat,sun"
    assert parsed.time == "07:30"


def test_parse_request_defaults() -> None:
    parsed = request("08:15", zone="Asia/Tokyo")
    assert (parsed.timezone, parsed.days, parsed.topics) == ("Asia/Tokyo", "mon-fri", ())


@pytest.mark.parametrize("word", ["UTC", "utc", "GMT"])
def test_parse_request_reads_utc_in_any_case(word: str) -> None:
    assert request(f"09:00 {word}", zone="Europe/Berlin").timezone == "UTC"


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("09:00 Japan", "Japan"),
        ("09:00 europe/berlin", "Europe/Berlin"),
        ("09:00 America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("09:00 Etc/GMT+5", "Etc/GMT+5"),
    ],
)
def test_parse_request_knows_zones_by_the_iana_list_not_by_a_slash(text: str, zone: str) -> None:
    assert request(text, zone="Europe/Berlin").timezone == zone


def test_parse_request_takes_a_slashed_word_after_the_days_as_a_topic() -> None:
    parsed = request("09:00 Europe/Berlin mon-fri AI/ML", zone="UTC")
    assert (parsed.timezone, parsed.days, parsed.topics) == ("Europe/Berlin", "mon-fri", ("AI/ML",))
    no_zone = request("09:00 AI/ML", zone="Asia/Tokyo")
    assert (no_zone.timezone, no_zone.topics) == ("Asia/Tokyo", ("AI/ML",))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("09:00 Europe/Berlim robotics", "unknown time zone"),
        ("", "say when"),
        ("   ", "say when"),
        ("robotics", "HH:MM"),
        ("25:00 robotics", "HH:MM"),
    ],
)
def test_parse_request_errors_say_what_is_wrong(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        request(text)


# --- Subscription.id -------------------------------------------------------------------------


def test_a_settings_file_schedule_derives_the_same_short_id_in_every_release() -> None:
    # The settings file's schedules are stored and claimed under it: a changed formula
    # would start a new walk and could post twice on the day of the upgrade.
    fixed = Subscription(
        channel="C1", time="09:00", timezone="Europe/Berlin", days="mon-fri", topics=("robotics",)
    )
    assert fixed.id == "MT5NX"
    assert len(fixed.id) == 5 and set(fixed.id) <= set(ALPHABET)
    assert (
        request("09:00 Europe/Berlin mon-fri robotics").id
        == request("9:00 mon-fri Europe/Berlin robotics").id
    )


@pytest.mark.parametrize(
    "change",
    [
        {"channel": "C2"},
        {"time": "09:01"},
        {"timezone": "Europe/Paris"},
        {"days": "mon-sun"},
        {"topics": ("education",)},
        {"topics": ("robotics", "education")},
        {"topics": ()},
        {"team_id": "T2"},
    ],
)
def test_a_derived_id_differs_when_any_field_differs(change: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "channel": "C1", "time": "09:00", "timezone": "Europe/Berlin", "days": "mon-fri",
        "topics": ("robotics",), "team_id": "T1",
    }  # fmt: skip
    assert Subscription(**{**fields, **change}).id != Subscription(**fields).id  # type: ignore[arg-type]


def test_an_edited_schedule_keeps_its_id() -> None:
    made = Subscription(channel="C1", time="09:00", id="K7Q2M")
    assert replace(made, time="10:30").id == "K7Q2M"


def test_a_derived_id_tells_one_topic_of_two_words_from_two_topics() -> None:
    one = Subscription(channel="C1", topics=("self driving",))
    two = Subscription(channel="C1", topics=("self", "driving"))
    assert one.id != two.id


def test_parse_days_refuses_a_list_longer_than_the_database_keeps() -> None:
    with pytest.raises(ValueError, match="at most 64 characters"):
        parse_days(",".join(["mon", "tue", "wed"] * 6))  # 71 characters, valid names
    assert parse_days("mon,tue,wed,thu,fri,sat,sun") == "mon,tue,wed,thu,fri,sat,sun"
