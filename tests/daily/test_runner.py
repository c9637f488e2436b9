"""DailyRunner in-process: a real SQLite store, the Slack stand-in, and `now` passed in.

Time travel is `run_due(now=…)`: the runner never reads the clock, so days, zones and
daylight-saving changes are tested by giving instants. The Slack side is the real HTTP
path through slack-sdk to tests/slack_standin.py.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.corpus import Corpus, load_corpus, shipped_corpus
from bot.daily.runner import DailyRunner, RunReport, daily_message
from bot.daily.schedule import Subscription, post_time
from bot.daily.scheduler import DailyScheduler
from bot.daily.schedules import add, edit, pause, resume, schedules, sync_config, to_row
from bot.mrkdwn import escape
from bot.render import DAILY_ANOTHER, QUOTE_MENU
from bot.roles import Person, Policy
from bot.slack.sender import SlackSender
from bot.store import Store
from bot.store.schema import claims
from tests.harness import BOT_TOKEN, context_text, section_texts
from tests.slack_standin import Call, SlackStandIn

TOKEN = BOT_TOKEN  # the stand-in from conftest knows it (team T1)
GRACE = timedelta(hours=6)  # the scheduler's default catch-up window
BERLIN = ZoneInfo("Europe/Berlin")
# Small waits so fault tests are quick; the pacing per channel is tested by the stand-in's
# limits, not by the clock.
FAST: dict[str, Any] = {"channel_interval": 0.0, "backoff": 0.01}
NOW = datetime(2026, 3, 10, 9, 0, 30, tzinfo=UTC)  # a Tuesday, 30 s after 09:00 UTC


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(shipped_corpus()).corpus


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    # Made before the tests' times, as a deployed bot's database is: posts whose time came
    # before the database was made are looked for in the channel first (a tested case).
    made = utc(2026, 1, 1)
    opened = Store(f"sqlite:///{tmp_path / 'quotebot.sqlite3'}", clock=lambda: made)
    yield opened
    opened.close()


def make_runner(
    store: Store,
    corpus: Corpus,
    slack: SlackStandIn,
    *,
    owner: str = "runner-a",
    lease: timedelta = timedelta(minutes=5),
    timeout: float = 5.0,
    **poster: Any,
) -> DailyRunner:
    client = AsyncWebClient(
        token=TOKEN,
        base_url=slack.api_url,
        retry_handlers=[],  # as in production: the Poster retries, checking history first
        timeout=timeout,  # type: ignore[arg-type]  # slack-sdk says int; aiohttp takes float
    )
    sender = SlackSender(
        store=store,
        client_for=lambda _team_id: client,
        clock=lambda: NOW,
        poster_options={**FAST, **poster},
    )
    return DailyRunner(store=store, corpus=corpus, sender=sender, owner=owner, lease=lease)


def daily(channel: str, time: str = "09:00", zone: str = "UTC", **more: Any) -> Subscription:
    return Subscription(channel=channel, time=time, timezone=zone, days="mon-sun", **more)


def subscribe(store: Store, *subs: Subscription) -> None:
    sync_config(store, subs, now=utc(2026, 1, 1))


def left_by_a_dead_sender(store: Store, corpus: Corpus, *subs: Subscription) -> None:
    """Today's claim of each schedule, made by a process that died: its lease ran out."""
    for sub in subs:
        store.claims.claim(
            subscription_id=sub.id, local_date=NOW.date(), quote_id=corpus.quotes[0].id,
            cycle=0, owner="died", now=NOW - timedelta(minutes=10), lease=timedelta(minutes=5),
        )  # fmt: skip


def claim_id(sub: Subscription, day: date) -> str:
    return f"{sub.id}:{day.isoformat()}"


def posts_to(slack: SlackStandIn, channel: str) -> list[Call]:
    return [c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == channel]


def claim_of(message: dict[str, Any]) -> str:
    return message["metadata"]["event_payload"]["claim"]


def one_post_each(slack: SlackStandIn, channels: list[str]) -> None:
    counts = {channel: len(slack.messages(channel)) for channel in channels}
    assert counts == dict.fromkeys(channels, 1), slack.dump_calls()


async def until(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    """Wait for the bot, running in this event loop, to make `predicate` true."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


# --- time travel -------------------------------------------------------------------------


async def test_thirty_days_across_the_spring_change_post_once_a_day_at_nine_berlin(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    assert len(corpus) == 28  # the shipped quotes: one full cycle, then two of the next
    sub = daily("CDAY", "09:00", "Europe/Berlin")
    subscribe(store, sub)
    runner = make_runner(store, corpus, slack)
    first = date(2026, 3, 15)
    days = [first + timedelta(days=n) for n in range(30)]
    for day in days:
        # 09:00 in Berlin is 08:00 UTC in winter time, 07:00 UTC from Sunday 29 March.
        nine = utc(day.year, day.month, day.day, 8 if day < date(2026, 3, 29) else 7)
        for offset, expected in (
            (-timedelta(hours=1), []),  # the other regime's 09:00
            (-timedelta(minutes=1), []),
            (timedelta(0), [claim_id(sub, day)]),
            (timedelta(minutes=1), []),
            (timedelta(hours=1), []),  # the other regime's 09:00
            (timedelta(hours=5), []),  # still in the catch-up window, but done
        ):
            report = await runner.run_due(now=nine + offset, grace=GRACE)
            assert report.sent == expected, f"run at {nine + offset}: {report}"
            assert report == RunReport(sent=expected), report

    messages = slack.messages("CDAY")
    assert [claim_of(m) for m in messages] == [claim_id(sub, day) for day in days]
    records = store.claims.posts(subscription_id=sub.id)
    assert [(r.local_date, r.status) for r in records] == [(day, "sent") for day in days]
    assert [r.ts for r in records] == [m["ts"] for m in messages]

    quote_ids = [r.quote_id for r in records]
    assert sorted(quote_ids[:28]) == sorted(q.id for q in corpus), "no repeat in a cycle"
    assert [r.cycle for r in records] == [0] * 28 + [1] * 2
    assert len(set(quote_ids[28:])) == 2
    for message, record in zip(messages, records, strict=True):
        quote = corpus.get(record.quote_id)
        assert quote is not None
        assert message["text"].startswith(f"Quote of the day: “{escape(quote.text[:80])}")
        assert quote.speaker and f"— {quote.speaker}" in message["text"]


# Local post times on the two 2026 change days, worked out by hand. 02:30 does not exist
# on 29 March (taken as an hour later, 03:30 summer time) and happens twice on 25 October
# (taken the first time, still summer time).
CHANGE_DAYS = {
    date(2026, 3, 29): {
        "00:30": utc(2026, 3, 28, 23, 30),
        "02:30": utc(2026, 3, 29, 1, 30),
        "03:00": utc(2026, 3, 29, 1, 0),
        "09:00": utc(2026, 3, 29, 7, 0),
        "23:30": utc(2026, 3, 29, 21, 30),
    },
    date(2026, 10, 25): {
        "00:30": utc(2026, 10, 24, 22, 30),
        "02:30": utc(2026, 10, 25, 0, 30),
        "03:00": utc(2026, 10, 25, 2, 0),
        "09:00": utc(2026, 10, 25, 8, 0),
        "23:30": utc(2026, 10, 25, 22, 30),
    },
}


@pytest.mark.parametrize("change_day", sorted(CHANGE_DAYS))
async def test_around_a_change_each_time_posts_exactly_once_a_day(
    store: Store, corpus: Corpus, slack: SlackStandIn, change_day: date
) -> None:
    times = CHANGE_DAYS[change_day]
    subs = {t: daily(f"C{t.replace(':', '')}", t, "Europe/Berlin") for t in times}
    subscribe(store, *subs.values())
    runner = make_runner(store, corpus, slack)
    start = utc(change_day.year, change_day.month, change_day.day) - timedelta(days=1, hours=2)
    end = start + timedelta(days=3)
    posted_at: dict[str, datetime] = {}
    now = start
    while now <= end:  # the scheduler's ticks, every 10 minutes for three days
        report = await runner.run_due(now=now, grace=GRACE)
        assert not report.failed and not report.retry_later, report
        for claim in report.sent:
            assert claim not in posted_at, f"{claim} posted twice (again at {now})"
            posted_at[claim] = now
        now += timedelta(minutes=10)

    for t, sub in subs.items():
        for back in range(-2, 3):
            day = change_day + timedelta(days=back)
            instant = times[t] if back == 0 else post_time(sub, day)
            if back != 0:  # an ordinary day: the wall time is the subscription's time
                assert f"{instant.astimezone(BERLIN):%H:%M}" == t
            posted = posted_at.get(claim_id(sub, day))
            if start - GRACE <= instant <= end:  # the first tick catches up the last 6 h
                first_tick = max(instant, start)
                assert posted is not None, f"{t} on {day} (due {instant}) never posted"
                assert first_tick <= posted < first_tick + timedelta(minutes=10), (t, day, posted)
            else:
                assert posted is None, (t, day, posted)
    assert sum(len(slack.messages(sub.channel)) for sub in subs.values()) == len(posted_at)


async def test_a_topic_subscription_posts_only_that_topics_quotes(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    robotics = {q.id for q in corpus.in_topics(["Robotics"])}
    assert len(robotics) == 3
    sub = daily("CROBOTS", topics=("robotics",))
    subscribe(store, sub)
    runner = make_runner(store, corpus, slack)
    for n in range(7):
        report = await runner.run_due(now=NOW + timedelta(days=n), grace=GRACE)
        assert len(report.sent) == 1, report
    quote_ids = [r.quote_id for r in store.claims.posts(subscription_id=sub.id)]
    assert set(quote_ids) == robotics
    assert set(quote_ids[:3]) == robotics and set(quote_ids[3:6]) == robotics
    for message, quote_id in zip(slack.messages("CROBOTS"), quote_ids, strict=True):
        assert message["blocks"][-1]["elements"][0]["value"] == quote_id


async def test_the_post_is_the_quote_layout_headed_with_metadata_the_daily_button_and_menu(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    sub = daily("CSHAPE")
    subscribe(store, sub)
    report = await make_runner(store, corpus, slack).run_due(now=NOW, grace=GRACE)
    assert report.sent == [claim_id(sub, NOW.date())]

    [message] = slack.messages("CSHAPE")
    assert message["metadata"] == {
        "event_type": "quotebot_daily",
        "event_payload": {"claim": claim_id(sub, NOW.date())},
    }
    [record] = store.claims.posts()
    quote = corpus.get(record.quote_id)
    assert quote is not None
    first_line = escape(quote.text.splitlines()[0])
    shown = section_texts(message)[0]
    assert f"> {first_line[:60]}" in shown, shown
    if quote.lead_in:
        assert shown.startswith(f"*{escape(quote.lead_in)}*\n> "), shown
    assert quote.speaker and f"— *{quote.speaker}*" in context_text(message)
    header, *_, actions = message["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "Quote of the day"}}
    assert [e["action_id"] for e in actions["elements"]] == [DAILY_ANOTHER, QUOTE_MENU]
    assert message["text"].startswith("Quote of the day: ")
    [call] = slack.calls_to("chat.postMessage")
    assert call.args["unfurl_links"] is False and call.args["unfurl_media"] is False
    assert record.ts == message["ts"] and record.status == "sent"


async def test_catch_up_posts_within_the_grace_window_and_skips_beyond_it(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    late = daily("CLATE", "09:00", "Europe/Berlin")  # 08:00 UTC on 10 March
    missed = daily("CMISSED", "07:00", "Europe/Berlin")  # 06:00 UTC
    subscribe(store, late, missed)
    runner = make_runner(store, corpus, slack)
    back_up = utc(2026, 3, 10, 13, 0)  # 5 h after 09:00 Berlin, 7 h after 07:00

    report = await runner.run_due(now=back_up, grace=GRACE)

    assert report.sent == [claim_id(late, date(2026, 3, 10))]
    assert slack.messages("CMISSED") == []
    assert [r.subscription_id for r in store.claims.posts()] == [late.id]
    # The skip is for that day only: the next morning posts as usual.
    report = await runner.run_due(now=utc(2026, 3, 11, 6, 0), grace=GRACE)
    assert report.sent == [claim_id(missed, date(2026, 3, 11))]


async def test_the_scheduler_catches_up_at_start_and_logs_what_it_skips(
    store: Store, corpus: Corpus, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    late = daily("CLATE", "09:00", "Europe/Berlin")
    missed = daily("CMISSED", "07:00", "Europe/Berlin")
    subscribe(store, late, missed)
    back_up = utc(2026, 3, 10, 13, 0)
    scheduler = DailyScheduler(
        make_runner(store, corpus, slack),
        clock=lambda: back_up,
        grace=GRACE,
        follow_up=timedelta(minutes=5, seconds=1),
    )
    caplog.set_level(logging.INFO)

    await scheduler.start()
    try:
        await until(lambda: store.claims.posts() and store.claims.posts()[0].status == "sent")
    finally:
        await scheduler.stop()

    assert [claim_of(m) for m in slack.messages("CLATE")] == [claim_id(late, date(2026, 3, 10))]
    assert slack.messages("CMISSED") == []
    skipped = [
        r
        for r in caplog.records
        if "skipped the quote of the day" in r.getMessage() and "2026-03-10" in r.getMessage()
    ]
    assert len(skipped) == 1 and "CMISSED" in skipped[0].getMessage(), caplog.text
    assert skipped[0].levelno == logging.WARNING


async def test_daily_run_without_a_window_posts_today_and_a_given_date(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    sub = Subscription(channel="CRUN", time="09:00", timezone="Europe/Berlin", days="mon-fri")
    subscribe(store, sub)
    runner = make_runner(store, corpus, slack)
    evening = utc(2026, 3, 10, 20, 0)  # long after the post time: `daily run` still posts
    assert (await runner.run_due(now=evening)).sent == [claim_id(sub, date(2026, 3, 10))]
    assert (await runner.run_due(now=evening)).sent == []
    backfill = await runner.run_due(now=evening, day=date(2026, 3, 9))
    assert backfill.sent == [claim_id(sub, date(2026, 3, 9))]
    weekend = await runner.run_due(now=evening, day=date(2026, 3, 8))  # a Sunday: not a post day
    assert weekend.sent == []
    assert (await runner.run_due(now=utc(2026, 3, 11, 7, 59))).sent == []  # 08:59 in Berlin
    assert len(slack.messages("CRUN")) == 2


# --- Slack faults ------------------------------------------------------------------------


async def test_a_429_storm_on_one_channel_waits_retry_after_and_all_post_once(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    channels = ["C1", "C2", "C3", "C4", "C5", "CSTORM"]
    subs = [daily(channel) for channel in channels]
    subscribe(store, *subs)
    slack.fail("chat.postMessage", ratelimited=True, retry_after=1, channel="CSTORM", times=3)

    report = await make_runner(store, corpus, slack).run_due(now=NOW, grace=GRACE)

    assert sorted(report.sent) == sorted(claim_id(sub, NOW.date()) for sub in subs), report
    one_post_each(slack, channels)
    storm = posts_to(slack, "CSTORM")
    assert [call.status for call in storm] == [429, 429, 429, 200]
    for refused, retried in itertools.pairwise(storm):
        assert retried.at - refused.at >= 1.0, "each retry waits the Retry-After (1 s)"


async def test_many_channels_over_the_workspace_limit_each_post_once_after_pausing_on_429s(
    store: Store, corpus: Corpus
) -> None:
    channels = [f"C{n:02d}" for n in range(40)]
    subs = [daily(channel) for channel in channels]
    subscribe(store, *subs)
    with SlackStandIn(
        tokens={TOKEN: "T1"}, workspace_rate=20, workspace_burst=20, per_channel_rate=1
    ) as limited:
        report = await make_runner(store, corpus, limited).run_due(now=NOW, grace=GRACE)
        one_post_each(limited, channels)
        assert limited.ratelimited_count > 0, "the limit was reached: the test means something"
        # Each 429 pauses the whole workspace, not just the refused post: without that
        # pause every waiting post would hit the limit again, 40 posts or more.
        assert limited.ratelimited_count < len(channels), limited.ratelimited_count
    assert len(report.sent) == 40 and not report.failed and not report.retry_later, report


async def test_server_errors_and_a_timeout_after_posting_end_with_one_post_each(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    channels = ["C1", "C500", "C503", "CSLOW"]
    subscribe(store, *(daily(channel) for channel in channels))
    slack.fail("chat.postMessage", status=500, channel="C500", times=2)
    slack.fail("chat.postMessage", status=503, channel="C503", times=1)
    # Slack posts, but the answer comes after the client gave up: a retry would double it.
    slack.fail("chat.postMessage", delay=1.5, channel="CSLOW", times=1)

    runner = make_runner(store, corpus, slack, timeout=0.5)
    report = await runner.run_due(now=NOW, grace=GRACE)
    # A timeout is not looked into at once (the post may still be landing): a later
    # run takes the claim over and looks before sending.
    assert len(report.sent) == 3 and not report.failed, report
    assert [line.split(":")[0] for line in report.retry_later] == [daily("CSLOW").id]
    await asyncio.sleep(1.5)  # the slow answer has come by now
    soon = await runner.run_due(now=NOW + timedelta(seconds=30), grace=GRACE)
    assert soon.sent == [] and soon.skipped == 1, "not looked at before a minute has passed"
    later = await runner.run_due(now=NOW + timedelta(minutes=2), grace=GRACE)
    assert later.sent == [claim_id(daily("CSLOW"), NOW.date())] and later.taken_over == 1

    one_post_each(slack, channels)
    assert [c.status for c in posts_to(slack, "C500")] == [500, 500, 200]
    assert [c.status for c in posts_to(slack, "C503")] == [503, 200]
    assert len(posts_to(slack, "CSLOW")) == 1, "found in the history, not sent again"
    history = [c.args["channel"] for c in slack.calls_to("conversations.history")]
    assert "CSLOW" in history and "C500" in history
    records = {r.subscription_id: r for r in store.claims.posts()}
    slow = records[daily("CSLOW").id]
    assert slow.status == "sent" and slow.ts == slack.messages("CSLOW")[0]["ts"]


async def test_a_channel_still_failing_after_retries_is_retried_by_a_later_run(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    ok, broken = daily("COK"), daily("CBROKEN")
    subscribe(store, ok, broken)
    slack.fail("chat.postMessage", status=500, channel="CBROKEN", times=None)
    runner = make_runner(store, corpus, slack, attempts=3)

    report = await runner.run_due(now=NOW, grace=GRACE)

    assert report.sent == [claim_id(ok, NOW.date())]
    assert len(report.retry_later) == 1 and not report.failed, report
    assert [r.subscription_id for r in store.claims.posts()] == [ok.id], "the claim was given back"
    assert len(posts_to(slack, "CBROKEN")) == 3
    slack.reset()  # Slack recovers
    report = await runner.run_due(now=NOW + timedelta(minutes=1), grace=GRACE)
    assert report.sent == [claim_id(broken, NOW.date())]
    one_post_each(slack, ["COK", "CBROKEN"])


async def test_public_channels_are_joined_after_the_first_post_a_private_one_needs_an_invite(
    store: Store, corpus: Corpus, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    public, private, fine = daily("CPUB"), daily("CPRIV"), daily("CFINE")
    subscribe(store, public, private, fine)
    slack.add_channel("CPUB", is_member=False)
    slack.add_channel("CPRIV", is_private=True, is_member=False)
    slack.fail("chat.postMessage", "not_in_channel", channel="CPRIV", times=None)
    runner = make_runner(store, corpus, slack)

    report = await runner.run_due(now=NOW, grace=GRACE)
    await runner.sender.settle(5)  # the joins that follow the posts, in the background

    assert sorted(report.sent) == sorted([claim_id(public, NOW.date()), claim_id(fine, NOW.date())])
    assert report.failed == [f"{claim_id(private, NOW.date())}: private_channel_not_invited"]
    one_post_each(slack, ["CPUB", "CFINE"])
    assert slack.messages("CPRIV") == []
    joins = {c.args["channel"]: c.response.get("ok") for c in slack.calls_to("conversations.join")}
    assert joins == {"CPUB": True, "CPRIV": False, "CFINE": True}
    [join] = [c for c in slack.calls_to("conversations.join") if c.args["channel"] == "CPUB"]
    assert [c.status for c in posts_to(slack, "CPUB")] == [200], "chat:write.public: posted"
    assert posts_to(slack, "CPUB")[0].at < join.at, "the post did not wait for the join"
    assert store.members.channels("") == {"CPUB", "CFINE"}, "kept: no join again tomorrow"
    [failed] = store.claims.posts(subscription_id=private.id)
    assert (failed.status, failed.error) == ("failed", "private_channel_not_invited")
    assert private.id in {s.id for s in schedules(store)}, "the subscription stays"
    lines = [r for r in caplog.records if "CPRIV" in r.getMessage()]
    assert any(r.levelno == logging.ERROR and "/invite" in r.getMessage() for r in lines)

    # Not retried the same day; tried again the next day, where an invite would fix it.
    assert (await runner.run_due(now=NOW + timedelta(hours=1), grace=GRACE)).sent == []
    slack.reset()
    slack.add_channel("CPRIV", is_private=True, is_member=True)  # someone typed /invite
    report = await runner.run_due(now=NOW + timedelta(days=1), grace=GRACE)
    await runner.sender.settle(5)
    assert claim_id(private, NOW.date() + timedelta(days=1)) in report.sent
    assert len(slack.messages("CPRIV")) == 1
    joins = [c.args["channel"] for c in slack.calls_to("conversations.join")]
    assert joins == [], "the public channels are known members; CPRIV said it is private"


async def test_a_lost_answer_where_the_history_cannot_be_read_is_unverified_not_resent(
    store: Store, corpus: Corpus, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    locked = daily("CLOCKED")
    subscribe(store, locked)
    slack.fail("conversations.join", "restricted_action", channel="CLOCKED", times=None)
    slack.fail("chat.postMessage", status=500, channel="CLOCKED", after_effect=True)
    runner = make_runner(store, corpus, slack)

    report = await runner.run_due(now=NOW, grace=GRACE)
    later = await runner.run_due(now=NOW + timedelta(minutes=5), grace=GRACE)

    assert report.sent == [] and len(report.unverified) == 1, report
    assert later.sent == later.unverified == [], "finished for the day: never sent again"
    assert len(slack.messages("CLOCKED")) == 1, "Slack took the one post"
    assert len(posts_to(slack, "CLOCKED")) == 1, slack.dump_calls()
    [record] = store.claims.posts()
    assert record.status == "unverified" and "not_in_channel" in (record.error or "")
    assert any("UNVERIFIED" in r.getMessage() for r in caplog.records)


async def test_archived_and_missing_channels_disable_their_subscription(
    store: Store, corpus: Corpus, caplog: pytest.LogCaptureFixture
) -> None:
    archived, gone, fine = daily("CARCH"), daily("CGONE"), daily("CFINE")
    subscribe(store, archived, gone, fine)
    with SlackStandIn(tokens={TOKEN: "T1"}, strict_channels=True) as slack:
        slack.add_channel("CARCH", is_archived=True)
        slack.add_channel("CFINE")  # CGONE is unknown: channel_not_found
        runner = make_runner(store, corpus, slack)

        report = await runner.run_due(now=NOW, grace=GRACE)

        assert report.sent == [claim_id(fine, NOW.date())]
        assert sorted(report.failed) == sorted(
            [f"{claim_id(archived, NOW.date())}: is_archived",
             f"{claim_id(gone, NOW.date())}: channel_not_found"]
        )  # fmt: skip
        one_post_each(slack, ["CFINE"])
        state = {s.id: s for s in schedules(store, enabled_only=False)}
        assert state[fine.id].enabled
        for sub, error in ((archived, "is_archived"), (gone, "channel_not_found")):
            assert not state[sub.id].enabled
            assert error in (state[sub.id].disabled_reason or "")
            logged = [r for r in caplog.records if sub.channel in r.getMessage()]
            assert any("disabled" in r.getMessage() and error in r.getMessage() for r in logged)

        slack.reset()
        report = await runner.run_due(now=NOW + timedelta(days=1), grace=GRACE)
        assert report.sent == [claim_id(fine, NOW.date() + timedelta(days=1))]
        assert {c.args["channel"] for c in slack.calls_to("chat.postMessage")} == {"CFINE"}


async def test_invalid_auth_stops_posting_and_says_so_once(
    store: Store, corpus: Corpus, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    subs = [daily(channel) for channel in ("C1", "C2", "C3")]
    subscribe(store, *subs)
    slack.revoke(TOKEN)
    runner = make_runner(store, corpus, slack)

    first = await runner.run_due(now=NOW, grace=GRACE)
    tried = len(slack.calls)  # joins and posts, each refused
    second = await runner.run_due(now=NOW + timedelta(minutes=1), grace=GRACE)

    assert first.sent == second.sent == [], (first, second)
    assert all(slack.messages(sub.channel) == [] for sub in subs)
    assert 1 <= tried <= 6 and len(slack.calls) == tried, "the second run calls Slack no more"
    assert {c.response.get("error") for c in slack.calls} == {"invalid_auth"}
    critical = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(critical) == 1, caplog.text
    assert "invalid_auth" in critical[0].getMessage()
    assert store.claims.posts() == [], "claims are given back, nothing marked sent or failed"


# --- crashes and several senders ---------------------------------------------------------


async def test_a_post_sent_before_a_crash_is_found_in_history_not_sent_again(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    sub = daily("CCRASH")
    subscribe(store, sub)
    day = NOW.date()
    quote_id = corpus.quotes[0].id
    # The crashed process claimed the post and sent it, but never recorded the ts.
    store.claims.claim(
        subscription_id=sub.id, local_date=day, quote_id=quote_id, cycle=0,
        owner="crashed", now=NOW - timedelta(minutes=10), lease=timedelta(minutes=5),
    )  # fmt: skip
    quote = corpus.get(quote_id)
    assert quote is not None
    sent = await AsyncWebClient(token=TOKEN, base_url=slack.api_url).chat_postMessage(
        channel="CCRASH",
        metadata={"event_type": "quotebot_daily", "event_payload": {"claim": claim_id(sub, day)}},
        **daily_message(quote),
    )

    report = await make_runner(store, corpus, slack).run_due(now=NOW, grace=GRACE)

    assert report.sent == [claim_id(sub, day)]
    assert len(slack.calls_to("chat.postMessage")) == 1, slack.dump_calls()
    [record] = store.claims.posts()
    assert (record.status, record.ts, record.quote_id) == ("sent", sent["ts"], quote_id)


async def test_a_run_that_dies_before_recording_is_finished_by_the_next_one(
    store: Store, corpus: Corpus, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    subs = [daily(channel) for channel in ("C1", "C2", "C3")]
    subscribe(store, *subs)
    lease = timedelta(minutes=5)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("killed between sending and recording")

    with monkeypatch.context() as patch:
        patch.setattr(store.claims, "mark_sent", crash)
        dying = await make_runner(store, corpus, slack, owner="dying", lease=lease).run_due(
            now=NOW, grace=GRACE
        )
    assert dying.sent == [] and len(dying.failed) == 3
    assert {r.status for r in store.claims.posts()} == {"pending"}
    one_post_each(slack, ["C1", "C2", "C3"])

    # Within the lease, the claims still belong to the dead process: nobody touches them.
    other = make_runner(store, corpus, slack, owner="next", lease=lease)
    within = await other.run_due(now=NOW + timedelta(minutes=1), grace=GRACE)
    assert within.sent == [] and within.skipped == 3
    after = await other.run_due(now=NOW + lease + timedelta(minutes=1), grace=GRACE)

    assert sorted(after.sent) == sorted(claim_id(sub, NOW.date()) for sub in subs)
    assert len(slack.calls_to("chat.postMessage")) == 3, slack.dump_calls()
    one_post_each(slack, ["C1", "C2", "C3"])
    for sub in subs:
        [record] = store.claims.posts(subscription_id=sub.id)
        assert record.status == "sent"
        assert record.ts == slack.messages(sub.channel)[0]["ts"]


async def test_an_expired_claim_that_was_never_sent_is_sent_once_with_its_quote(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    sub = daily("CNEVER")
    subscribe(store, sub)
    quote_id = corpus.quotes[5].id
    store.claims.claim(
        subscription_id=sub.id, local_date=NOW.date(), quote_id=quote_id, cycle=0,
        owner="crashed", now=NOW - timedelta(minutes=10), lease=timedelta(minutes=5),
    )  # fmt: skip

    report = await make_runner(store, corpus, slack).run_due(now=NOW, grace=GRACE)

    assert report.sent == [claim_id(sub, NOW.date())]
    [message] = slack.messages("CNEVER")
    assert message["blocks"][-1]["elements"][0]["value"] == quote_id
    assert slack.calls_to("conversations.history"), "checked the channel before sending"


async def test_two_runners_on_one_database_post_each_channel_once(
    tmp_path: Path, corpus: Corpus, slack: SlackStandIn
) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first, second = Store(url), Store(url)
    try:
        channels = [f"C{n:02d}" for n in range(20)]
        subscribe(first, *(daily(channel) for channel in channels))
        runners = [
            make_runner(first, corpus, slack, owner="a"),
            make_runner(second, corpus, slack, owner="b"),
        ]
        reports = await asyncio.gather(*(r.run_due(now=NOW, grace=GRACE) for r in runners))
    finally:
        first.close()
        second.close()
    assert len(reports[0].sent) + len(reports[1].sent) == 20, reports
    one_post_each(slack, channels)


async def wait_for_call(slack: SlackStandIn, method: str, channel: str, status: int) -> None:
    def seen() -> bool:
        return any(
            c.args.get("channel") == channel and c.status == status for c in slack.calls_to(method)
        )

    await until(seen)


async def test_the_next_tick_does_not_take_over_a_post_still_waiting_in_this_process(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    """A fan-out longer than the lease (thousands of channels, long 429 pauses): the
    minute's next tick finds the claims expired, but they are still this process's work."""
    sub = daily("CQUEUED")
    subscribe(store, sub)
    lease = timedelta(minutes=5)
    runner = make_runner(store, corpus, slack, lease=lease)
    slack.fail("chat.postMessage", ratelimited=True, retry_after=2, channel="CQUEUED")
    first = asyncio.create_task(runner.run_due(now=NOW, grace=GRACE))
    await wait_for_call(slack, "chat.postMessage", "CQUEUED", 429)

    tick = await runner.run_due(now=NOW + lease + timedelta(minutes=1), grace=GRACE)
    done = await first

    assert tick.sent == [] and done.sent == [claim_id(sub, NOW.date())], (tick, done)
    assert len(slack.messages("CQUEUED")) == 1, slack.dump_calls()
    [record] = store.claims.posts()
    assert (record.status, record.ts) == ("sent", slack.messages("CQUEUED")[0]["ts"])


async def test_a_process_whose_claim_was_taken_over_does_not_send_it_too(
    tmp_path: Path, corpus: Corpus, slack: SlackStandIn
) -> None:
    """Another process takes over a claim whose lease ran out while its sender was still
    waiting (a long 429 pause): the slow sender must not post it as well.

    The lease is short and the pause longer than it, in real time: the sender trusts its
    lease without asking the database while less than half of it has gone by.
    """
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first_store, second_store = Store(url), Store(url)
    try:
        sub = daily("CQUEUED")
        subscribe(first_store, sub)
        lease = timedelta(seconds=2)
        slow = make_runner(first_store, corpus, slack, owner="slow", lease=lease)
        other = make_runner(second_store, corpus, slack, owner="other", lease=lease)
        slack.fail("chat.postMessage", ratelimited=True, retry_after=3, channel="CQUEUED")
        waiting = asyncio.create_task(slow.run_due(now=NOW, grace=GRACE))
        await wait_for_call(slack, "chat.postMessage", "CQUEUED", 429)

        taken = await other.run_due(now=NOW + lease + timedelta(seconds=1), grace=GRACE)
        late = await waiting
        records = second_store.claims.posts()
    finally:
        first_store.close()
        second_store.close()

    assert taken.sent == [claim_id(sub, NOW.date())] and late.sent == [], (taken, late)
    assert len(slack.messages("CQUEUED")) == 1, slack.dump_calls()
    [record] = records
    assert (record.status, record.ts) == ("sent", slack.messages("CQUEUED")[0]["ts"])


def test_instances_opening_one_new_database_at_once_all_start(tmp_path: Path) -> None:
    """Two `quotebot serve` started together both create the schema: neither may fail
    with "table already exists" (SQLite's driver runs CREATE TABLE outside a transaction)."""
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    together = threading.Barrier(8)

    def open_store(_: int) -> None:
        together.wait(timeout=10)
        Store(url).close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(open_store, range(8)))  # re-raises the first failure


async def test_a_subscription_made_in_slack_after_todays_time_starts_tomorrow(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    """`/quote daily 09:00` typed at 10:00 promises tomorrow 09:00, not a post right away."""
    sub = daily("CLATE", "09:00")
    made = add(
        store, sub, person=Person("U1"), policy=Policy(), now=utc(2026, 3, 10, 10, 0),
        rng=random.Random(1),
    )  # fmt: skip
    sub = made.schedule.subscription
    runner = make_runner(store, corpus, slack)

    today = await runner.run_due(now=utc(2026, 3, 10, 10, 1), grace=GRACE)
    tomorrow = await runner.run_due(now=utc(2026, 3, 11, 9, 0, 5), grace=GRACE)

    assert today.sent == []
    assert tomorrow.sent == [claim_id(sub, date(2026, 3, 11))]
    one_post_each(slack, ["CLATE"])


async def test_a_workspace_refused_once_posts_again_when_reinstalled_with_a_new_token(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    sub = daily("CREINSTALLED")
    subscribe(store, sub)
    slack.tokens["xoxb-reinstalled"] = "T1"
    token = {"now": "xoxb-uninstalled"}  # the stand-in refuses it: invalid_auth
    clients: dict[str, AsyncWebClient] = {}

    def client_for(_team_id: str) -> AsyncWebClient:
        return clients.setdefault(
            token["now"],
            AsyncWebClient(token=token["now"], base_url=slack.api_url, retry_handlers=[]),
        )

    sender = SlackSender(store=store, client_for=client_for, clock=lambda: NOW, poster_options=FAST)
    runner = DailyRunner(
        store=store, corpus=corpus, sender=sender, owner="runner-a", lease=timedelta(minutes=5)
    )
    refused = await runner.run_due(now=NOW, grace=GRACE)
    token["now"] = "xoxb-reinstalled"  # the workspace installed the app again
    again = await runner.run_due(now=NOW + timedelta(minutes=1), grace=GRACE)

    assert refused.sent == [] and refused.failed, refused
    assert again.sent == [claim_id(sub, NOW.date())], again
    one_post_each(slack, ["CREINSTALLED"])


# --- schedules: pauses, duplicates, leases --------------------------------------------------


async def test_a_workspace_without_a_token_pauses_its_posts_with_one_log_line(
    store: Store, corpus: Corpus, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    subscribe(store, daily("C1", team_id="TGONE"), daily("C2", team_id="TGONE"))
    sender = SlackSender(store=store, client_for=lambda _team: None, clock=lambda: NOW)
    runner = DailyRunner(
        store=store, corpus=corpus, sender=sender, owner="runner-a", lease=timedelta(minutes=5)
    )

    for minute in range(5):
        report = await runner.run_due(now=NOW + timedelta(minutes=minute), grace=GRACE)
        assert report.sent == report.failed == [] and report.skipped == 0, report

    lines = [r for r in caplog.records if "no token for workspace" in r.getMessage()]
    assert len(lines) == 1 and "'TGONE'" in lines[0].getMessage(), caplog.text
    assert store.claims.posts() == [], "nothing claimed while paused"
    assert slack.calls == []


async def test_the_same_schedule_from_the_settings_file_and_from_slack_posts_once(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    configured = daily("CBOTH", team_id="")
    subscribe(store, configured)
    from_slack = replace(configured, team_id="T1", id="SLACK")
    row = to_row(from_slack, origin="slack", user="U1", now=utc(2026, 1, 1), starts_at=None)
    assert store.schedules.add(row)  # as an older quotebot, without the duplicate check, made it

    report = await make_runner(store, corpus, slack).run_due(now=NOW, grace=GRACE)

    assert report.sent == [claim_id(configured, NOW.date())], "the settings file's wins"
    one_post_each(slack, ["CBOTH"])


async def test_a_schedule_turned_off_and_on_again_starts_at_its_next_time(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    sub = daily("CPAUSE", "09:00")
    subscribe(store, sub)
    admin, policy = Person("UADMIN", is_admin=True), Policy()
    [stored] = schedules(store)
    pause(store, stored, person=admin, policy=policy, reason="testing")
    [stored] = schedules(store, enabled_only=False)
    resumed = resume(store, stored, person=admin, policy=policy, now=utc(2026, 3, 10, 9, 30))
    assert resumed.decision.allowed
    runner = make_runner(store, corpus, slack)

    today = await runner.run_due(now=utc(2026, 3, 10, 9, 31), grace=GRACE)
    tomorrow = await runner.run_due(now=utc(2026, 3, 11, 9, 0, 5), grace=GRACE)

    assert today.sent == [], "09:00 had passed when it was turned back on"
    assert tomorrow.sent == [claim_id(sub, date(2026, 3, 11))]


async def test_an_edit_on_the_day_it_posted_does_not_post_again_that_day(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    sub = daily("CEDITED", "09:00")
    subscribe(store, sub)
    runner = make_runner(store, corpus, slack)
    assert (await runner.run_due(now=NOW, grace=GRACE)).sent == [claim_id(sub, NOW.date())]
    [stored] = schedules(store)
    later = replace(sub, time="11:00")
    edited = edit(store, stored, later, person=Person("UADMIN", is_admin=True), policy=Policy(),
                  now=NOW + timedelta(minutes=5))  # fmt: skip
    assert edited.decision.allowed and edited.schedule.id == sub.id

    again = await runner.run_due(now=utc(2026, 3, 10, 11, 0, 5), grace=GRACE)
    next_day = await runner.run_due(now=utc(2026, 3, 11, 11, 0, 5), grace=GRACE)

    assert again.sent == [], "today's post was claimed under the same ID"
    assert next_day.sent == [claim_id(sub, date(2026, 3, 11))]
    assert len(slack.messages("CEDITED")) == 2
    walked = [p.cycle for p in store.claims.posts(subscription_id=sub.id)]
    assert walked == [0, 0], "one walk, kept through the edit"


async def test_a_zone_moved_east_after_the_days_post_waits_for_the_next_day_there_resumed_too(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    """09:00 in Los Angeles is already tomorrow in Tokyo: moved there after posting, the
    schedule does not post at Tokyo's 09:00 seven hours later, but a day after that."""
    sub = daily("CMOVED", "09:00", "America/Los_Angeles")
    subscribe(store, sub)
    runner = make_runner(store, corpus, slack)
    posted_at = utc(2026, 3, 10, 16, 0, 30)  # 09:00 in Los Angeles (PDT), 01:00 in Tokyo
    assert (await runner.run_due(now=posted_at, grace=GRACE)).sent
    [stored] = schedules(store)
    tokyo = replace(sub, timezone="Asia/Tokyo")
    edited = edit(store, stored, tokyo, person=Person("UADMIN", is_admin=True), policy=Policy(),
                  now=posted_at + timedelta(minutes=30))  # fmt: skip
    assert edited.decision.allowed
    assert f"{edited.schedule.next_post(now=posted_at):%d %H:%M}" == "12 09:00"

    # Paused and resumed meanwhile: the edit's start stays.
    admin, policy = Person("UADMIN", is_admin=True), Policy()
    pause(store, edited.schedule, person=admin, policy=policy, reason="testing")
    [paused] = schedules(store, enabled_only=False)
    resume(store, paused, person=admin, policy=policy, now=posted_at + timedelta(hours=1))
    seven_hours_on = await runner.run_due(now=utc(2026, 3, 11, 0, 0, 30), grace=GRACE)
    next_day = await runner.run_due(now=utc(2026, 3, 12, 0, 0, 30), grace=GRACE)

    assert seven_hours_on.sent == [], "09:00 in Tokyo on the day it had posted"
    assert next_day.sent == [claim_id(tokyo, date(2026, 3, 12))]
    assert len(slack.messages("CMOVED")) == 2


async def test_a_claim_waiting_for_the_database_gets_its_full_lease(
    store: Store, corpus: Corpus, tmp_path: Path
) -> None:
    """The lease counts from the moment of claiming: here another process holds SQLite's
    write lock for 1.5 s, and the claim's lease starts once it has the lock."""
    sub = daily("CWAITS")
    subscribe(store, sub)
    other = sqlite3.connect(tmp_path / "quotebot.sqlite3", check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # a writer elsewhere, busy for a while
    released = threading.Timer(1.5, other.rollback)
    released.start()
    try:
        with SlackStandIn(tokens={TOKEN: "T1"}) as slack:
            lease = timedelta(minutes=5)
            runner = make_runner(store, corpus, slack, lease=lease)
            await runner.run_due(now=NOW, grace=GRACE)
            # The channel is joined in the background after the post: let that finish
            # while the stand-in still answers, or its connection outlives the test.
            await runner.sender.settle(5)
    finally:
        released.join()
        other.close()
    with store.engine.connect() as db:
        [lease_until] = db.execute(select(claims.c.lease_until)).scalars().all()
    claimed_at = lease_until.replace(tzinfo=UTC) - lease
    assert claimed_at - NOW >= timedelta(seconds=1.4), "counted from when the lock was had"
    assert claimed_at - NOW < timedelta(seconds=10)


async def test_a_history_check_slack_cannot_answer_now_is_retried_not_given_up(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    """A takeover must look in the channel first; a 429 or a 500 there is no reason to
    give the day's post up: the claim waits for the next run, which looks again."""
    sub = daily("CBUSY")
    subscribe(store, sub)
    quote_id = corpus.quotes[0].id
    left_by_a_dead_sender(store, corpus, sub)
    slack.fail("conversations.history", ratelimited=True, channel="CBUSY")
    slack.fail("conversations.history", status=500, channel="CBUSY")
    runner = make_runner(store, corpus, slack)

    first = await runner.run_due(now=NOW, grace=GRACE)
    second = await runner.run_due(now=NOW + timedelta(minutes=2), grace=GRACE)
    third = await runner.run_due(now=NOW + timedelta(minutes=4), grace=GRACE)

    assert first.sent == second.sent == [] and first.unverified == second.unverified == []
    assert len(first.retry_later) == len(second.retry_later) == 1, (first, second)
    assert third.sent == [claim_id(sub, NOW.date())], third
    assert [c.status for c in slack.calls_to("conversations.history")] == [429, 500, 200]
    assert len(slack.messages("CBUSY")) == 1
    [record] = store.claims.posts()
    assert record.status == "sent" and record.quote_id == quote_id, "the claimed quote, kept"


async def test_a_post_due_before_the_database_was_made_is_looked_for_first(
    tmp_path: Path, corpus: Corpus, slack: SlackStandIn
) -> None:
    """An ephemeral disk: the database is new, and the post may have gone out before."""
    sub = daily("CEPHEMERAL")
    # What the process before the restart sent at 09:00, before its disk was wiped.
    WebClient(token=TOKEN, base_url=slack.api_url).chat_postMessage(
        channel="CEPHEMERAL", text="Quote of the day: …",
        metadata={"event_type": "quotebot_daily",
                  "event_payload": {"claim": claim_id(sub, NOW.date())}},
    )  # fmt: skip
    fresh = Store(f"sqlite:///{tmp_path / 'new.sqlite3'}", clock=lambda: NOW)  # made 09:00:30
    try:
        subscribe(fresh, sub)
        report = await make_runner(fresh, corpus, slack).run_due(now=NOW, grace=GRACE)
        records = fresh.claims.posts()
    finally:
        fresh.close()
    assert report.sent == [claim_id(sub, NOW.date())]
    assert len(slack.messages("CEPHEMERAL")) == 1, "found in the channel, not posted again"
    assert [r.status for r in records] == ["sent"]
    assert [c.args["channel"] for c in slack.calls_to("conversations.history")] == ["CEPHEMERAL"]


async def test_a_post_due_after_the_database_was_made_trusts_the_database(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    subscribe(store, daily("CTRUSTED"))
    report = await make_runner(store, corpus, slack).run_due(now=NOW, grace=GRACE)
    assert len(report.sent) == 1
    assert slack.calls_to("conversations.history") == [], "no claim on record: none was sent"


async def test_under_slacks_tier3_limits_every_takeover_looks_first_and_posts_once(
    store: Store, corpus: Corpus
) -> None:
    """Twelve posts taken over from a sender that died: each must join its channel and
    read it before sending, and Slack lets only a few joins and reads through at once.
    Those refused wait for a later run; none is given up, none is sent twice."""
    channels = [f"CT3{n:02d}" for n in range(12)]
    subs = [daily(channel) for channel in channels]
    subscribe(store, *subs)
    left_by_a_dead_sender(store, corpus, *subs)
    with SlackStandIn(tokens={TOKEN: "T1"}, tier3_rate=6.0, tier3_burst=4) as slack:
        runner = make_runner(store, corpus, slack)
        sent: list[str] = []
        for step in range(8):
            report = await runner.run_due(now=NOW + timedelta(minutes=2 * step), grace=GRACE)
            assert report.unverified == [] and report.failed == [], report
            sent += report.sent
            if len(sent) == len(channels):
                break
            await asyncio.sleep(1.0)  # Slack's buckets refill
        one_post_each(slack, channels)
        assert slack.ratelimited_count > 0, "the limit was reached: the test means something"
        looked = {
            c.args["channel"] for c in slack.calls_to("conversations.history") if c.status == 200
        }
    assert sorted(sent) == sorted(claim_id(sub, NOW.date()) for sub in subs)
    assert looked == set(channels), "each looked for before it was sent"


async def test_a_join_slack_refuses_for_now_during_a_look_retries_later(
    store: Store, corpus: Corpus, slack: SlackStandIn
) -> None:
    sub = daily("CJOINLATER")
    subscribe(store, sub)
    left_by_a_dead_sender(store, corpus, sub)
    slack.fail("conversations.join", ratelimited=True, channel="CJOINLATER", times=2)
    runner = make_runner(store, corpus, slack)

    first = await runner.run_due(now=NOW, grace=GRACE)
    second = await runner.run_due(now=NOW + timedelta(minutes=2), grace=GRACE)
    third = await runner.run_due(now=NOW + timedelta(minutes=4), grace=GRACE)

    for report in (first, second):
        assert report.unverified == [] and len(report.retry_later) == 1, report
    assert third.sent == [claim_id(sub, NOW.date())], third
    assert len(slack.messages("CJOINLATER")) == 1
