"""Mentions and direct messages over signed HTTP: a reply for everyone, posted once.

Slack gets its 200 before the bot answers, so each test waits for the stand-in to record
the reply. Where a test checks that no reply comes, it then sends an event that does get
a reply and waits for that one (`barrier`): the bot decides whether to answer an event
before it returns the 200, and starts each reply in that order, so an unwanted reply
would be recorded before the barrier's.
"""

from __future__ import annotations

from pathlib import Path

from tests.harness import (
    BOT_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    BotProcess,
    blocks_of,
    button_labels,
    check_message,
    context_text,
    mention_event,
    message_event,
    next_ts,
    section_texts,
    visible_text,
)
from tests.slack_standin import Call, SlackStandIn

ROBOTICS_QUOTE = "Tesla, I don't think it's a car company."


def delivered(reply: tuple[int, object], bot: BotProcess) -> None:
    status, body = reply
    assert status == 200, f"{status} {body!r}\n{bot.log()}"


def posts(slack: SlackStandIn, count: int) -> list[Call]:
    """Wait until chat.postMessage was called `count` times; the calls, oldest first."""
    slack.wait_for(lambda calls: len([c for c in calls if c.method == "chat.postMessage"]) >= count)
    return slack.calls_to("chat.postMessage")


def barrier(bot: BotProcess, slack: SlackStandIn, expected_posts: int) -> list[Call]:
    """Send a DM that gets a reply and wait for it: every earlier event is handled by then."""
    ts = next_ts()
    delivered(bot.event(message_event("help", ts=ts, channel="D0BARRIER")), bot)
    calls = posts(slack, expected_posts + 1)
    assert calls[-1].args["channel"] == "D0BARRIER", slack.dump_calls()
    return calls[:-1]


def test_a_mention_is_answered_in_its_thread_for_everyone(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    event = mention_event(f"<@{BOT_USER_ID}> robotics")

    delivered(bot.event(event), bot)

    (call,) = posts(slack, 1)
    reply = check_message(call.args)
    assert reply["channel"] == CHANNEL_ID
    assert reply["thread_ts"] == event["ts"]
    assert reply["unfurl_links"] is False and reply["unfurl_media"] is False
    assert ROBOTICS_QUOTE in section_texts(reply)[0]
    assert "Andrej Karpathy" in context_text(reply)
    assert button_labels(reply) == []  # posted for everyone: no preview buttons
    assert call.status == 200 and call.response["ok"], slack.dump_calls()


def test_a_mention_inside_a_thread_answers_in_that_thread(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    parent = next_ts()
    event = mention_event(f"<@{BOT_USER_ID}> synthetic data", thread_ts=parent)

    delivered(bot.event(event), bot)

    (call,) = posts(slack, 1)
    assert call.args["thread_ts"] == parent
    assert "synthetic data" in section_texts(call.args)[0]


def test_a_mention_alone_gets_a_random_quote(bot: BotProcess, slack: SlackStandIn) -> None:
    delivered(bot.event(mention_event(f"<@{BOT_USER_ID}>")), bot)

    (call,) = posts(slack, 1)
    check_message(call.args)
    assert any(line.startswith("> ") for line in section_texts(call.args)[0].splitlines())
    assert "Andrej Karpathy" in context_text(call.args)


def test_a_mention_asking_for_help_gets_the_usage(bot: BotProcess, slack: SlackStandIn) -> None:
    delivered(bot.event(mention_event(f"<@{BOT_USER_ID}> help")), bot)

    (call,) = posts(slack, 1)
    check_message(call.args)
    assert "`/quote topics`" in visible_text(call.args)


def test_a_mention_with_unknown_words_suggests_topics(bot: BotProcess, slack: SlackStandIn) -> None:
    delivered(bot.event(mention_event(f"<@{BOT_USER_ID}> educashun")), bot)

    (call,) = posts(slack, 1)
    check_message(call.args)
    assert "No quote matches “educashun”" in visible_text(call.args)
    assert "`Education`" in visible_text(call.args)
    assert not blocks_of(call.args, "actions")


def test_a_direct_message_is_answered_in_the_dm(bot: BotProcess, slack: SlackStandIn) -> None:
    delivered(bot.event(message_event("robotics")), bot)

    (call,) = posts(slack, 1)
    reply = check_message(call.args)
    assert reply["channel"] == DM_CHANNEL_ID
    assert "thread_ts" not in reply  # a DM is a conversation: answer in it, not in a thread
    assert reply["unfurl_links"] is False
    assert ROBOTICS_QUOTE in section_texts(reply)[0]


def test_a_retried_event_gets_no_second_reply(bot: BotProcess, slack: SlackStandIn) -> None:
    event = mention_event(f"<@{BOT_USER_ID}> robotics")
    delivered(bot.event(event, event_id="Ev0RETRY1"), bot)
    posts(slack, 1)

    for attempt in (1, 2, 3):  # Slack retries up to three times, same event_id
        delivered(bot.event(event, event_id="Ev0RETRY1", retry=attempt), bot)

    replies = [c for c in barrier(bot, slack, 1) if c.args["thread_ts"] == event["ts"]]
    assert len(replies) == 1, slack.dump_calls()


def test_a_retry_that_arrives_after_a_restart_gets_no_second_reply(
    bot_env: dict[str, str], tmp_path: Path, slack: SlackStandIn
) -> None:
    event = mention_event(f"<@{BOT_USER_ID}> robotics")
    with BotProcess(bot_env, cwd=tmp_path, slack=slack) as bot:
        delivered(bot.event(event, event_id="Ev0RESTART"), bot)
        posts(slack, 1)
        assert bot.stop() == 0

    with BotProcess(bot_env, cwd=tmp_path, slack=slack) as bot:  # same database
        delivered(bot.event(event, event_id="Ev0RESTART", retry=1), bot)
        replies = [c for c in barrier(bot, slack, 1) if c.args.get("thread_ts") == event["ts"]]
    assert len(replies) == 1, slack.dump_calls()


def test_two_events_with_different_ids_both_get_replies(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    first, second = mention_event("<@UBOT> robotics"), mention_event("<@UBOT> robotics")

    delivered(bot.event(first), bot)
    delivered(bot.event(second), bot)

    threads = {call.args["thread_ts"] for call in posts(slack, 2)}
    assert threads == {first["ts"], second["ts"]}


def test_the_bot_never_answers_its_own_messages(bot: BotProcess, slack: SlackStandIn) -> None:
    own = [
        message_event("robotics", user=BOT_USER_ID, bot_id=BOT_ID),  # its own DM reply
        message_event("robotics", user=BOT_USER_ID),
        message_event("robotics", bot_id=BOT_ID, subtype="bot_message", user=None),
    ]
    for event in own:
        delivered(bot.event({k: v for k, v in event.items() if v is not None}), bot)

    assert barrier(bot, slack, 0) == [], slack.dump_calls()


def test_edits_joins_and_other_bots_in_a_dm_get_no_reply(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    others = [
        message_event("robotics", subtype="message_changed"),
        message_event("robotics", subtype="channel_join"),
        message_event("robotics", user="U0OTHERBOT", bot_id="B0OTHER"),
    ]
    for event in others:
        delivered(bot.event(event), bot)

    assert barrier(bot, slack, 0) == [], slack.dump_calls()


def test_a_rate_limited_reply_is_sent_after_retry_after(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    slack.fail("chat.postMessage", ratelimited=True, retry_after=1, times=1)
    event = mention_event(f"<@{BOT_USER_ID}> robotics")

    delivered(bot.event(event), bot)

    slack.wait_for(
        lambda calls: any(c.method == "chat.postMessage" and c.status == 200 for c in calls),
        timeout=10,
    )
    sent = [c for c in slack.calls_to("chat.postMessage") if c.status == 200]
    assert [c.args["thread_ts"] for c in sent] == [event["ts"]], slack.dump_calls()


def test_a_reply_slack_refuses_is_logged_and_the_bot_carries_on(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    slack.fail("chat.postMessage", "channel_not_found", channel="C0GONE")

    delivered(bot.event(mention_event("<@UBOT> robotics", channel="C0GONE")), bot)

    calls = barrier(bot, slack, 1)
    assert calls[0].response == {"ok": False, "error": "channel_not_found"}
    assert "channel_not_found" in bot.log()


def test_a_mention_asking_by_someone_answers_with_their_quote(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    delivered(bot.event(mention_event(f"<@{BOT_USER_ID}> by karpathy")), bot)

    (call,) = posts(slack, 1)
    reply = check_message(call.args)
    assert "— *Andrej Karpathy*" in context_text(reply)
    assert section_texts(reply)[0].startswith(("> ", "*")), "a quote, not a notice"
