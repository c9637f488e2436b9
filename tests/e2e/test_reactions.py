"""Reactions to the bot's quotes, counted per person, and `/quote top` over signed HTTP.

The bot answers a mention with a quote (chat.postMessage, in a channel it is in), or
posts the quote of the day; people react to that post as Slack sends it
(`reaction_added`, `reaction_removed`, retried with the same event id, sometimes out of
order); `/quote top` then lists the quote with how many people love it. What the bot
asked Slack to learn which quote a post shows is in the stand-in's calls.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.harness import (
    BOT_USER_ID,
    CHANNEL_ID,
    BotProcess,
    bot_environment,
    check_message,
    mention_event,
    reaction_event,
    visible_text,
)
from tests.slack_standin import SlackStandIn


@pytest.fixture
def bot(bot_env: dict[str, str], slack: SlackStandIn, tmp_path: Path) -> Iterator[BotProcess]:
    """A bot of this test's own: reactions are kept in its database, so none carry over."""
    with BotProcess(bot_env, cwd=tmp_path, slack=slack) as process:
        yield process


def posted_quote(bot: BotProcess, slack: SlackStandIn) -> tuple[str, str]:
    """The ts of a quote the bot posted in answer to a mention, and the quote's ID.

    The bot was invited to the channel: Slack sends reactions only from channels it is in.
    """
    slack.add_channel(CHANNEL_ID, "general", is_member=True)

    def ours() -> list[dict]:
        return [m for m in slack.messages(CHANNEL_ID) if m.get("user") == BOT_USER_ID]

    before = len(ours())
    status, _ = bot.event(mention_event(f"<@{BOT_USER_ID}> robotics"))
    assert status == 200, bot.log()
    slack.wait_for(lambda _: len(ours()) > before, timeout=10)
    message = ours()[-1]
    quote_id = next(
        block["block_id"].removeprefix("quote:")
        for block in message["blocks"]
        if str(block.get("block_id", "")).startswith("quote:")
    )
    return message["ts"], quote_id


def top(bot: BotProcess) -> str:
    status, body = bot.command("top")
    assert status == 200 and isinstance(body, dict), f"{status} {body}\n{bot.log()}"
    check_message(body)
    return visible_text(body)


def test_people_who_react_are_counted_once_each_through_retries_and_several_emoji(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    ts, quote_id = posted_quote(bot, slack)
    assert "No reactions yet" in top(bot)

    first = bot.react(CHANNEL_ID, ts, "heart", user="U0ADA", event_id="Ev0HEART")
    assert first[0] == 200, bot.log()
    assert bot.react(CHANNEL_ID, ts, "heart", event_id="Ev0HEART", retry_num=1)[0] == 200
    assert bot.react(CHANNEL_ID, ts, "tada", user="U0ADA")[0] == 200  # same person
    assert bot.react(CHANNEL_ID, ts, "heart", user="U0BOB")[0] == 200

    listed = _wait_for(bot, "2 people")
    assert "❤ 2 people" in listed and "❤ 3 people" not in listed
    assert listed.count(f"#{quote_id}") == 2  # this month, and all time


def test_a_removed_reaction_no_longer_counts(bot: BotProcess, slack: SlackStandIn) -> None:
    ts, _ = posted_quote(bot, slack)
    bot.react(CHANNEL_ID, ts, "heart", user="U0ADA")
    bot.react(CHANNEL_ID, ts, "heart", user="U0BOB")
    assert "❤ 2 people" in _wait_for(bot, "2 people")

    bot.react(CHANNEL_ID, ts, "heart", user="U0BOB", added=False)

    assert "❤ 1 person" in _wait_for(bot, "1 person")


def test_a_reaction_to_someone_elses_message_counts_for_nothing(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    slack.add_channel(CHANNEL_ID, "general", is_member=True)
    theirs = slack.add_message(CHANNEL_ID, "Robots build robots.", user="U0ADA")

    assert bot.react(CHANNEL_ID, theirs["ts"], "heart", user="U0BOB")[0] == 200

    assert "No reactions yet" in top(bot)


def test_a_reaction_taken_back_while_its_message_is_read_does_not_count(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    ts, quote_id = posted_quote(bot, slack)
    # Slack answers the add's history lookup late: the removal comes meanwhile.
    slack.fail("conversations.history", delay=2.0)
    assert bot.react(CHANNEL_ID, ts, "heart", user="U0ADA")[0] == 200
    slack.wait_for(lambda calls: any(c.method == "conversations.history" for c in calls))
    assert bot.react(CHANNEL_ID, ts, "heart", user="U0ADA", added=False)[0] == 200

    shown = _wait_for_add(bot, "U0ADA", timeout=10)
    assert "No reactions yet" in shown, f"{shown}\n{bot.log()}"
    assert "1 person" not in shown
    assert "reaction_added :heart: by U0ADA" in bot.log(), "the add was handled, and lost"

    bot.react(CHANNEL_ID, ts, "heart", user="U0ADA")  # later, for real: that counts
    listed = _wait_for(bot, "1 person")
    assert "❤ 1 person" in listed and f"#{quote_id}" in listed


def test_a_removal_delivered_before_its_add_leaves_the_reaction_uncounted(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    ts, _ = posted_quote(bot, slack)
    added = reaction_event(CHANNEL_ID, ts, "heart", user="U0ADA")
    removed = reaction_event(CHANNEL_ID, ts, "heart", user="U0ADA", added=False)
    assert float(added["event_ts"]) < float(removed["event_ts"]), "added first, in Slack"

    assert bot.event(removed)[0] == 200  # but delivered first
    assert bot.event(added)[0] == 200

    shown = _wait_for_add(bot, "U0ADA", timeout=10)
    assert "No reactions yet" in shown, f"{shown}\n{bot.log()}"
    assert "reaction_added :heart: by U0ADA" in bot.log(), "the add was handled, and lost"


def test_a_second_reaction_to_a_post_reads_the_channel_no_more(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    ts, _ = posted_quote(bot, slack)  # a reply in a thread: history, then the thread
    bot.react(CHANNEL_ID, ts, "heart", user="U0ADA")
    _wait_for(bot, "1 person")
    read = lookups(slack)
    assert read == {"conversations.history": 1, "conversations.replies": 1}, slack.dump_calls()

    bot.react(CHANNEL_ID, ts, "heart", user="U0BOB")
    bot.react(CHANNEL_ID, ts, "tada", user="U0ADA")
    bot.react(CHANNEL_ID, ts, "heart", user="U0ADA", added=False)
    bot.react(CHANNEL_ID, ts, "heart", user="U0ADA")

    assert "❤ 2 people" in _wait_for(bot, "2 people")
    assert lookups(slack) == read, f"the quote was known: no more lookups\n{slack.dump_calls()}"


def test_a_reaction_to_a_quote_of_the_day_is_counted_without_reading_the_channel(
    slack: SlackStandIn, tmp_path: Path
) -> None:
    channel = "C0DAILY"
    slack.add_channel(channel, "daily-quote", is_member=True)
    now = f"{datetime.now(UTC):%H:%M}"  # just passed: the catch-up at start posts it
    (tmp_path / "quotebot.yaml").write_text(
        f'timezone: UTC\ndaily:\n  - {{channel: {channel}, time: "{now}", days: daily}}\n',
        encoding="utf-8",
    )
    with BotProcess(bot_environment(tmp_path, slack), cwd=tmp_path, slack=slack) as bot:
        bot.wait_for_log(f"posted quote of the day in {channel}", timeout=15)
        [post] = slack.messages(channel)
        quote_id = next(
            block["block_id"].removeprefix("quote:")
            for block in post["blocks"]
            if str(block.get("block_id", "")).startswith("quote:")
        )
        # Before posting, the bot may have looked for the post in the channel (a database
        # made after the post time); from here on, nothing is read.
        read = lookups(slack)

        assert bot.react(channel, post["ts"], "heart", user="U0ADA")[0] == 200
        assert bot.react(channel, post["ts"], "heart", user="U0BOB")[0] == 200

        listed = _wait_for(bot, "2 people")
        assert "❤ 2 people" in listed and f"#{quote_id}" in listed, f"{listed}\n{bot.log()}"
        assert lookups(slack) == read, slack.dump_calls()


def lookups(slack: SlackStandIn) -> dict[str, int]:
    """How many times the bot read a channel's history, or a thread, so far."""
    return {m: len(slack.calls_to(m)) for m in ("conversations.history", "conversations.replies")}


def _wait_for_add(bot: BotProcess, user: str, timeout: float) -> str:
    """`/quote top` once `user`'s reaction_added was handled: recorded, or found outdated."""
    deadline = time.monotonic() + timeout
    while True:
        shown = top(bot)
        outdated = f"reaction_added :heart: by {user}" in bot.log()
        if outdated or "1 person" in shown or time.monotonic() > deadline:
            return shown
        time.sleep(0.05)


def _wait_for(bot: BotProcess, text: str, timeout: float = 5.0) -> str:
    """`/quote top` once it shows `text` (events are handled after their 200)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = top(bot)
        if text in shown or time.monotonic() > deadline:
            return shown
        time.sleep(0.05)
