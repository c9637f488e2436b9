"""Reactions to the bot's quotes, counted per person, and `/quote top` over signed HTTP.

The bot answers a mention with a quote (chat.postMessage, in a channel it is in);
people react to that post as Slack sends it (`reaction_added`, `reaction_removed`,
retried with the same event id); `/quote top` then lists the quote with how many
people love it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import (
    BOT_USER_ID,
    CHANNEL_ID,
    BotProcess,
    check_message,
    mention_event,
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


def _wait_for(bot: BotProcess, text: str, timeout: float = 5.0) -> str:
    """`/quote top` once it shows `text` (events are handled after their 200)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = top(bot)
        if text in shown or time.monotonic() > deadline:
            return shown
        time.sleep(0.05)
