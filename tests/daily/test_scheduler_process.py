"""The quote-of-the-day scheduler inside real `quotebot serve` processes.

Each test starts the bot as a subprocess (tests/harness.py) against the Slack stand-in,
with subscriptions whose time is the current minute, so the catch-up run at start posts
them at once. Restarts, SIGKILL in the middle of a fan-out and two processes sharing one
database must all end with exactly one post per channel.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.store import Store
from tests.harness import BOT_TOKEN, TEAM_ID, BotProcess, bot_environment
from tests.slack_standin import Call, SlackStandIn


def this_minute() -> str:
    """The current UTC minute as HH:MM: a post time that has just passed."""
    return f"{datetime.now(UTC):%H:%M}"


def write_config(folder: Path, channels: Iterable[str], *, lease_seconds: float = 300) -> Path:
    """A settings file subscribing each channel, daily, at the current UTC minute."""
    at = this_minute()
    lines = ["timezone: UTC", f"lease_seconds: {lease_seconds}", "daily:"]
    lines += [f'  - {{channel: {channel}, time: "{at}", days: daily}}' for channel in channels]
    path = folder / "quotebot.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def posted(calls: list[Call], channel: str | None = None) -> list[Call]:
    """Successful chat.postMessage calls (to `channel`)."""
    return [
        c
        for c in calls
        if c.method == "chat.postMessage"
        and c.status == 200
        and c.response.get("ok")
        and (channel is None or c.args.get("channel") == channel)
    ]


def posts_per_channel(slack: SlackStandIn, channels: Iterable[str]) -> dict[str, int]:
    return {channel: len(slack.messages(channel)) for channel in channels}


def all_recorded(database_url: str, count: int) -> bool:
    store = Store(database_url)
    try:
        records = store.claims.posts()
    finally:
        store.close()
    return len(records) == count and all(r.status == "sent" and r.ts for r in records)


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str, log: str = "") -> None:
    """Poll `predicate` (bounded); fail naming `what`, with the bot's log."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}\n{log}")
        time.sleep(0.05)


def test_catch_up_at_start_posts_once_and_a_restart_does_not_post_again(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    write_config(tmp_path, ["CFIRST"])
    env = bot_environment(tmp_path, slack)
    with BotProcess(env, cwd=tmp_path, slack=slack) as bot:
        slack.wait_for(lambda calls: len(posted(calls, "CFIRST")) == 1, timeout=15)
        wait_until(
            lambda: all_recorded(env["DATABASE_URL"], 1), timeout=10, what="recorded", log=bot.log()
        )
        assert bot.stop() == 0, bot.log()

    # The restart's catch-up run posts CSECOND (added meanwhile), so once that is there
    # the run has also looked at CFIRST, and must have left it alone.
    write_config(tmp_path, ["CFIRST", "CSECOND"])
    with BotProcess(env, cwd=tmp_path, slack=slack) as bot:
        slack.wait_for(lambda calls: len(posted(calls, "CSECOND")) == 1, timeout=15)
        wait_until(
            lambda: all_recorded(env["DATABASE_URL"], 2), timeout=10, what="recorded", log=bot.log()
        )
        assert bot.stop() == 0, bot.log()

    assert posts_per_channel(slack, ["CFIRST", "CSECOND"]) == {"CFIRST": 1, "CSECOND": 1}
    assert len(posted(slack.calls, "CFIRST")) == 1, slack.dump_calls()
    assert "posted quote of the day in CFIRST" in (tmp_path / "bot.log").read_text()


def test_a_restart_in_the_middle_of_a_fan_out_leaves_one_post_per_channel(
    tmp_path: Path,
) -> None:
    channels = [f"C{n:02d}" for n in range(60)]
    write_config(tmp_path, channels, lease_seconds=30)
    # Slow enough that the fan-out takes seconds: 20 posts a second for the workspace.
    with SlackStandIn(
        tokens={BOT_TOKEN: TEAM_ID}, latency=0.05, workspace_rate=20, workspace_burst=10
    ) as slack:
        env = bot_environment(tmp_path, slack)
        with BotProcess(env, cwd=tmp_path, slack=slack) as bot:
            slack.wait_for(lambda calls: len(posted(calls)) >= 15, timeout=20)
            bot.stop(signal.SIGKILL)
        killed_at = time.monotonic()
        sent_before = len(posted(slack.calls))
        assert sent_before < len(channels), "killed after the fan-out: the test means nothing"

        # The killed process's claims are its own for lease_seconds (30 s, the least allowed)
        # after each was claimed; start again once they have run out, so the catch-up run
        # takes them over.
        time.sleep(max(0.0, killed_at + 30.5 - time.monotonic()))
        with BotProcess(env, cwd=tmp_path, slack=slack) as bot:
            wait_until(
                lambda: all_recorded(env["DATABASE_URL"], len(channels)),
                timeout=40,
                what="every post recorded as sent",
                log=bot.log(),
            )
            assert bot.stop() == 0, bot.log()

        counts = posts_per_channel(slack, channels)
        assert counts == dict.fromkeys(channels, 1), f"{counts}\n{slack.dump_calls()}"
        # The restart took over the killed process's claims: it looked before sending.
        assert slack.calls_to("conversations.history"), slack.dump_calls()
        store = Store(env["DATABASE_URL"])
        try:
            recorded = {r.ts for r in store.claims.posts()}
        finally:
            store.close()
        assert recorded == {slack.messages(channel)[0]["ts"] for channel in channels}


def test_two_scheduler_processes_on_one_database_post_each_channel_once(
    tmp_path: Path,
) -> None:
    channels = [f"C{n:02d}" for n in range(30)]
    config = write_config(tmp_path, channels)
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    with SlackStandIn(tokens={BOT_TOKEN: TEAM_ID}, latency=0.02) as slack:
        bots = []
        for name in ("a", "b"):
            folder = tmp_path / name
            folder.mkdir()
            env = bot_environment(folder, slack, DATABASE_URL=database, QUOTEBOT_CONFIG=str(config))
            bots.append(BotProcess(env, cwd=folder, slack=slack))
        try:
            with ThreadPoolExecutor(2) as pool:  # both start at the same moment
                list(pool.map(lambda bot: bot.start(), bots))
            wait_until(
                lambda: all_recorded(database, len(channels)),
                timeout=30,
                what="every post recorded as sent",
                log="\n".join(bot.log() for bot in bots),
            )
            for bot in bots:
                assert bot.stop() == 0, bot.log()
        finally:
            for bot in bots:
                bot.kill()

        counts = posts_per_channel(slack, channels)
        assert counts == dict.fromkeys(channels, 1), f"{counts}\n{slack.dump_calls()}"
    logs = [bot.log() for bot in bots]
    assert sum(log.count("posted quote of the day in") for log in logs) == len(channels)


def next_weekday_nine_in_berlin(now: datetime) -> datetime:
    """Worked out here, not by the bot's own schedule maths: the next weekday 09:00 in Berlin."""
    berlin = ZoneInfo("Europe/Berlin")
    day = now.astimezone(berlin).date()
    while True:
        nine = datetime.combine(day, dt_time(9, 0), tzinfo=berlin)
        if day.weekday() < 5 and nine > now:
            return nine
        day += timedelta(days=1)


def test_a_subscription_made_in_slack_survives_a_restart_until_turned_off(
    tmp_path: Path, slack: SlackStandIn, bot_env: dict[str, str]
) -> None:
    channel = "C0DAILY"
    with BotProcess(bot_env, cwd=tmp_path, slack=slack) as bot:
        status, body = bot.command("daily 09:00 Europe/Berlin mon-fri robotics", channel_id=channel)
        assert status == 200, f"{status} {body}\n{bot.log()}"
        assert body["response_type"] == "in_channel", body
        assert "09:00 Europe/Berlin mon-fri on Robotics" in body["text"], body
        assert bot.stop() == 0, bot.log()

    with BotProcess(bot_env, cwd=tmp_path, slack=slack) as again:
        before = next_weekday_nine_in_berlin(datetime.now(UTC))
        status, body = again.command("daily", channel_id=channel)
        after = next_weekday_nine_in_berlin(datetime.now(UTC))
        assert status == 200, f"{status} {body}\n{again.log()}"
        listed = body["text"]
        assert "09:00 Europe/Berlin mon-fri on Robotics · next " in listed, body
        expected = {f"{when:%a %d %b %H:%M %Z}" for when in (before, after)}
        assert any(f"next {text}" in listed for text in expected), (listed, expected)

        status, body = again.command("daily off", channel_id=channel)
        assert status == 200 and "No more quotes of the day here." in body["text"], body
        assert again.stop() == 0, again.log()

    with BotProcess(bot_env, cwd=tmp_path, slack=slack) as third:
        status, body = third.command("daily", channel_id=channel)
        assert status == 200 and "No quote of the day here yet" in body["text"], body
    store = Store(bot_env["DATABASE_URL"])
    try:
        assert store.schedules.list(enabled_only=False) == []
    finally:
        store.close()
