"""Who may talk to the bot (Slack's signature) and what text may do (never ping, never pose)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.harness import (
    BOT_USER_ID,
    FORM,
    JSON_TYPE,
    USER_ID,
    BotProcess,
    check_message,
    command_body,
    event_body,
    mention_event,
    message_event,
    section_texts,
    sign,
    url_verification_body,
    visible_text,
)
from tests.slack_standin import SlackStandIn

# Live Slack markup: a ping (<!here>, <!channel>, <!everyone>, <!subteam^…>), a mention
# (<@U…>), a channel link (<#C…>) or a link with a label of the sender's choosing (<http…|…>).
LIVE_MARKUP = re.compile(r"<[!@#]|<https?:[^>]*\|")
NO_PRIORS_LINK = "<https://www.youtube.com/watch?v=hM_h0UA7upI|No Priors #80>"


# ----- signatures ----------------------------------------------------------------------------


def signed_requests(slack: SlackStandIn) -> dict[str, tuple[str, str]]:
    """One request of each kind Slack sends, as (body, content type)."""
    return {
        "command": (command_body("robotics", response_url=slack.response_url()), FORM),
        "event": (event_body(mention_event(f"<@{BOT_USER_ID}> robotics")), JSON_TYPE),
        "url_verification": (url_verification_body("challenge-1"), JSON_TYPE),
    }


@pytest.mark.parametrize("kind", ["command", "event", "url_verification"])
@pytest.mark.parametrize(
    "how",
    ["unsigned", "wrong secret", "other body", "six minutes old", "six minutes ahead", "v1"],
)
def test_a_request_not_signed_by_slack_now_gets_401_and_does_nothing(
    bot: BotProcess, slack: SlackStandIn, kind: str, how: str
) -> None:
    body, content_type = signed_requests(slack)[kind]
    now = int(time.time())
    headers = {
        "unsigned": {},
        "wrong secret": sign(body, "not-the-signing-secret"),
        "other body": sign(body + " ", bot.secret),  # what was signed is not what came
        "six minutes old": sign(body, bot.secret, timestamp=now - 360),
        "six minutes ahead": sign(body, bot.secret, timestamp=now + 360),
        "v1": {k: v.replace("v0=", "v1=") for k, v in sign(body, bot.secret).items()},
    }[how]

    status, answer = bot.post(body, content_type, headers, signed=False)

    assert status == 401, f"{status} {answer!r}\n{bot.log()}"
    assert "challenge" not in str(answer) and "Karpathy" not in str(answer)
    # A signed request afterwards is served, so nothing forged slipped in before it.
    assert bot.command("help")[0] == 200
    assert not slack.calls_to("chat.postMessage"), slack.dump_calls()


def test_a_request_four_minutes_old_is_still_accepted(bot: BotProcess, slack: SlackStandIn) -> None:
    body = command_body("robotics", response_url=slack.response_url())
    headers = sign(body, bot.secret, timestamp=int(time.time()) - 240)

    status, answer = bot.post(body, FORM, headers, signed=False)

    assert status == 200, f"{status} {answer!r}\n{bot.log()}"
    check_message(answer)


def test_url_verification_is_answered_with_the_challenge(bot: BotProcess) -> None:
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"  # Slack's docs' example

    status, answer = bot.post(url_verification_body(challenge), JSON_TYPE)

    assert status == 200, bot.log()
    assert answer == {"challenge": challenge}


def test_ssl_check_is_answered_without_a_signature(bot: BotProcess) -> None:
    """Slack checks the certificate with an unsigned `ssl_check=1` command post."""
    status, _ = bot.post("ssl_check=1&token=legacy", FORM, signed=False)
    assert status == 200, bot.log()


def test_a_signing_secret_never_shows_in_the_log(bot: BotProcess, slack: SlackStandIn) -> None:
    bot.command("robotics")
    bot.post(command_body("x", response_url=slack.response_url()), FORM, signed=False)  # a 401
    assert bot.secret not in bot.log()
    assert bot.env["SLACK_BOT_TOKEN"] not in bot.log()


# ----- text from users -----------------------------------------------------------------------

# What Slack sends when someone types a mention or a link, then the characters themselves
# (Slack escapes those once). Each is followed by a word no quote has, so the bot answers
# "No quote matches “…”" and echoes the text back.
TYPED = [
    ("<!channel> robotz", "&lt;!channel&gt; robotz"),
    ("<@U0123ABCD> robotz", "&lt;@U0123ABCD&gt; robotz"),
    ("<https://evil.example|Safe> robotz", "&lt;https://evil.example|Safe&gt; robotz"),
    ("<!subteam^S0123|@zqx> robotz", "&lt;!subteam^S0123|@zqx&gt; robotz"),
    ("&lt;!channel&gt; robotz", "&lt;!channel&gt; robotz"),
    ("zqx &amp; zqy &lt;zqz robotz", "zqx &amp; zqy &lt;zqz robotz"),
    ("&amp;lt;!channel&amp;gt; robotz", "&amp;lt;!channel&amp;gt; robotz"),  # "&lt;" typed
]
# Pings whose words do match quotes: whatever the answer, nothing in it may ping.
PINGS = ["<!here> robotz", "<!everyone> please", "<!here|here>", "&lt;!here&gt;"]


@pytest.mark.parametrize(("typed", "shown"), TYPED)
def test_markup_typed_in_a_command_comes_back_escaped_once(
    bot: BotProcess, typed: str, shown: str
) -> None:
    status, answer = bot.command(typed)

    assert status == 200, bot.log()
    check_message(answer)
    text = visible_text(answer)
    assert f"“{shown}”" in text, text  # the "no quote matches …" echo
    assert not LIVE_MARKUP.search(text), text


@pytest.mark.parametrize("typed", PINGS)
def test_a_ping_typed_in_a_command_never_pings(bot: BotProcess, typed: str) -> None:
    status, answer = bot.command(typed)

    assert status == 200, bot.log()
    check_message(answer)
    assert not LIVE_MARKUP.search(visible_text(answer).replace(NO_PRIORS_LINK, ""))


@pytest.mark.parametrize(("typed", "shown"), TYPED)
def test_markup_typed_in_a_mention_comes_back_escaped_once(
    bot: BotProcess, slack: SlackStandIn, typed: str, shown: str
) -> None:
    bot.event(mention_event(f"<@{BOT_USER_ID}> {typed}"))

    slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls))
    (call,) = slack.calls_to("chat.postMessage")
    check_message(call.args)
    text = visible_text(call.args)
    if typed.startswith("<@"):  # a user mention is taken for a mention of the bot: dropped
        shown = shown.removeprefix("&lt;@U0123ABCD&gt; ")
    assert f"“{shown}”" in text, text
    assert not LIVE_MARKUP.search(text), text
    assert "link_names" not in call.args and "parse" not in call.args


def test_markup_in_a_direct_message_comes_back_escaped(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    bot.event(message_event("<!channel> robotz"))

    slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls))
    text = visible_text(slack.calls_to("chat.postMessage")[0].args)
    assert "“&lt;!channel&gt; robotz”" in text
    assert not LIVE_MARKUP.search(text), text


def test_a_huge_escaped_query_still_gets_a_valid_answer(bot: BotProcess) -> None:
    status, answer = bot.command("&lt;" * 499)  # 499 characters once unescaped

    assert status == 200, bot.log()
    check_message(answer)
    assert all(len(text) <= 3000 for text in section_texts(answer))
    assert not LIVE_MARKUP.search(visible_text(answer))


# ----- text from quote files -----------------------------------------------------------------

EVIL_PAGE = """\
---
title: Mallory on The Evil Show
ref: https://example.com/evil-show/1?a=1&b=2
tags: quote
---
Quoting Mallory <!here> from [The <!channel> Show](https://example.com/evil-show/1?a=1&b=2).

#### Mischief <@U0EVIL>

Mallory says hi to <!everyone> & friends:
> Click <https://evil.example|Safe> now, <!here> & <@U0123ABCD> say hi.
"""


@pytest.fixture
def evil_bot(tmp_path: Path, bot_env: dict[str, str], slack: SlackStandIn):
    corpus = tmp_path / "quotes"
    corpus.mkdir()
    (corpus / "evil.md").write_text(EVIL_PAGE, encoding="utf-8")
    env = {**bot_env, "QUOTEBOT_CORPUS": str(corpus)}
    with BotProcess(env, cwd=tmp_path, slack=slack) as bot:
        yield bot


def assert_evil_quote_is_harmless(message: dict) -> None:
    check_message(message)
    text = visible_text(message)
    # `<https://…>` is a Markdown link: it shows the whole address, no label can hide it.
    autolink = "<https://evil.example%7CSafe|https://evil.example¦Safe>"
    assert f"Click {autolink} now, &lt;!here&gt; &amp; " in text, text
    assert "&lt;@U0123ABCD&gt; say hi." in text
    assert "Mallory &lt;!here&gt;" in text  # the speaker
    assert "Mischief &lt;@U0EVIL&gt;" in text  # the topic
    assert "Mallory says hi to &lt;!everyone&gt; &amp; friends" in text  # the lead-in
    assert "|The &lt;!channel&gt; Show>" in text  # the source, as the link's label
    assert "&amp;amp;" not in text and "&amp;lt;" not in text  # escaped once, not twice
    # The only live markup: the source link, and the sharer's mention on a shared quote.
    ours = text.replace("<https://example.com/evil-show/1?a=1&amp;b=2|", "").replace(autolink, "")
    assert not LIVE_MARKUP.search(ours.replace(f"Shared by <@{USER_ID}>", "")), text


def test_markup_in_a_quote_file_is_shown_not_run_in_a_preview(evil_bot: BotProcess) -> None:
    status, answer = evil_bot.command("mischief")

    assert status == 200, evil_bot.log()
    assert_evil_quote_is_harmless(answer)


def test_markup_in_a_quote_file_is_shown_not_run_when_shared(
    evil_bot: BotProcess, slack: SlackStandIn
) -> None:
    _, preview = evil_bot.command("mischief")
    evil_bot.click(preview, "quote_share", response_url=slack.response_url("share"))

    slack.wait_for(lambda calls: len(calls) >= 2 and calls[-1].args.get("delete_original"))
    shared = next(c.args for c in slack.calls_to("response_url") if c.args.get("blocks"))
    assert_evil_quote_is_harmless(shared)


def test_markup_in_a_quote_file_is_shown_not_run_in_a_mention_reply(
    evil_bot: BotProcess, slack: SlackStandIn
) -> None:
    evil_bot.event(mention_event(f"<@{BOT_USER_ID}> mischief"))

    slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls))
    assert_evil_quote_is_harmless(slack.calls_to("chat.postMessage")[0].args)


def test_the_shipped_source_link_is_still_a_link(bot: BotProcess) -> None:
    _, answer = bot.command("robotics")
    assert NO_PRIORS_LINK in visible_text(answer)
