"""`/quote` over signed HTTP: the answer comes back in the command's own response body."""

from __future__ import annotations

from pathlib import Path

from tests.harness import (
    BotProcess,
    blocks_of,
    button_labels,
    check_message,
    context_text,
    section_texts,
    visible_text,
)
from tests.slack_standin import SlackStandIn

ROBOTICS_QUOTE = (
    "Tesla, I don't think it's a car company. I think this is misleading. This is a "
    "robotics company, robotics at scale company."
)
NO_PRIORS_LINK = "<https://www.youtube.com/watch?v=hM_h0UA7upI|No Priors #80>"


def answer_to(bot: BotProcess, text: str, **fields: str) -> dict:
    """The body of the bot's 200 answer to `/quote TEXT`, checked against Block Kit."""
    status, body = bot.command(text, **fields)
    assert status == 200, f"{status} {body}\n{bot.log()}"
    assert isinstance(body, dict), f"not a JSON message: {body!r}\n{bot.log()}"
    check_message(body)
    return body


def test_quote_robotics_is_an_ephemeral_preview_of_the_robotics_quote(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    body = answer_to(bot, "robotics")

    assert body["response_type"] == "ephemeral"
    first = section_texts(body)[0]
    assert "*Tesla is a robotics company*" in first  # the lead-in
    assert f"> {ROBOTICS_QUOTE}" in first.splitlines()[1]  # the quote, as a quote
    attribution = context_text(body)
    assert "Andrej Karpathy" in attribution
    assert NO_PRIORS_LINK in attribution
    assert "Robotics" in attribution
    assert button_labels(body) == ["Share", "Another", "Cancel"]
    assert "Tesla, I don't think it's a car company" in body["text"]  # the plain fallback
    assert "<" not in body["text"]
    assert not slack.calls_to("chat.postMessage"), slack.dump_calls()


def test_quote_alone_is_a_random_quote_with_the_same_buttons(bot: BotProcess) -> None:
    body = answer_to(bot, "")

    assert body["response_type"] == "ephemeral"
    assert any(line.startswith("> ") for line in section_texts(body)[0].splitlines())
    assert "Andrej Karpathy" in context_text(body)
    assert button_labels(body) == ["Share", "Another", "Cancel"]


def test_quote_of_any_words_finds_the_best_match(bot: BotProcess) -> None:
    body = answer_to(bot, "synthetic data")

    assert "synthetic data you just have to be careful" in section_texts(body)[0]
    assert "Transformers" in context_text(body)


def test_quote_topics_lists_the_topics_with_their_counts(bot: BotProcess) -> None:
    body = answer_to(bot, "topics")

    text = "\n".join(section_texts(body))
    for topic in ("Robotics", "Self-Driving Cars", "Transformers", "Education"):
        assert f"• {topic} (" in text, text
    assert not blocks_of(body, "actions")


def test_quote_help_says_how_to_use_it(bot: BotProcess) -> None:
    body = answer_to(bot, "help")

    text = visible_text(body)
    assert "`/quote topics`" in text
    assert "`/quote robotics`" in text
    assert "Share" in text
    assert not blocks_of(body, "actions")


def test_a_small_typo_in_a_topic_still_finds_it(bot: BotProcess) -> None:
    body = answer_to(bot, "robotcs")

    assert ROBOTICS_QUOTE in section_texts(body)[0]


def test_unknown_words_get_the_closest_topics_never_a_random_quote(bot: BotProcess) -> None:
    body = answer_to(bot, "educashun")  # no quote has this word; it looks like a topic

    text = visible_text(body)
    assert "No quote matches “educashun”" in text
    assert "`Education`" in text
    assert "`/quote topics`" in text
    assert "Karpathy" not in text
    assert not blocks_of(body, "actions")


def test_words_far_from_every_topic_still_get_suggestions(bot: BotProcess) -> None:
    body = answer_to(bot, "qwertyuiop")

    text = visible_text(body)
    assert "No quote matches “qwertyuiop”" in text
    assert "Try `" in text
    assert "Karpathy" not in text


def test_a_command_over_500_characters_gets_a_clear_reply(bot: BotProcess) -> None:
    body = answer_to(bot, "robotics " * 67)  # 603 characters

    text = visible_text(body)
    assert "under 500 characters" in text
    assert "Karpathy" not in text
    assert not blocks_of(body, "actions")


def test_in_a_dm_the_answer_is_the_response_body_and_nothing_is_posted(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    body = answer_to(bot, "robotics", channel_id="D0ALICE", channel_name="directmessage")

    assert ROBOTICS_QUOTE in section_texts(body)[0]
    assert not [c for c in slack.calls if c.method.startswith("chat.")], slack.dump_calls()
    assert not slack.calls_to("response_url"), slack.dump_calls()


def test_in_a_channel_the_bot_has_not_joined_the_answer_still_comes_back(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    slack.add_channel("C0NOTJOINED", "random", is_member=False)
    private = slack.add_channel("G0PRIVATE", "secret", is_private=True, is_member=False)

    for channel in ("C0NOTJOINED", private.id):
        body = answer_to(bot, "robotics", channel_id=channel)
        assert ROBOTICS_QUOTE in section_texts(body)[0]
    assert not [c for c in slack.calls if c.method.startswith("chat.")], slack.dump_calls()


def test_a_very_long_quote_is_split_across_sections_without_losing_a_word(
    tmp_path: Path, bot_env: dict[str, str], slack: SlackStandIn
) -> None:
    paragraphs = [
        " ".join(f"p{p}w{w:03d}" for w in range(120)) + "." for p in range(12)
    ]  # 12 paragraphs of ~700 characters: about 8,500 in all
    corpus = tmp_path / "quotes"
    corpus.mkdir()
    quote_lines = "\n>\n".join(f"> {paragraph}" for paragraph in paragraphs)
    (corpus / "long.md").write_text(
        "---\ntitle: Ada Lovelace on Long Talks\nref: https://example.com/long\n"
        "tags: quote\n---\n"
        "Quoting Ada Lovelace from [Long Talks](https://example.com/long).\n\n"
        f"#### Endurance\n\nShe went on:\n{quote_lines}\n",
        encoding="utf-8",
    )
    env = {**bot_env, "QUOTEBOT_CORPUS": str(corpus)}
    with BotProcess(env, cwd=tmp_path, slack=slack) as bot:
        body = answer_to(bot, "endurance")

    sections = section_texts(body)
    assert len(sections) >= 3, sections
    assert all(len(text) <= 3000 for text in sections)
    shown = " ".join(
        line.removeprefix(">").strip()
        for text in sections
        for line in text.splitlines()
        if line.startswith(">")
    )
    assert shown.split() == " ".join(paragraphs).split()
    assert "Ada Lovelace" in context_text(body)
    assert button_labels(body) == ["Share", "Another", "Cancel"]


def test_every_kind_of_answer_passes_block_kit_validation(bot: BotProcess) -> None:
    kinds = ("", "robotics", "topics", "help", "nothing matches this", "x" * 501, "daily")
    for text in kinds:
        answer_to(bot, text)  # checks the blocks with slack-sdk's models


def test_quote_daily_stores_a_misspelt_topic_under_its_real_name(bot: BotProcess) -> None:
    body = answer_to(bot, "daily 09:00 Europe/Berlin mon-fri robtics", channel_id="C0DAILYTOPIC")

    assert body["response_type"] == "in_channel"
    assert "on Robotics" in section_texts(body)[0], body
    listed = answer_to(bot, "daily", channel_id="C0DAILYTOPIC")
    assert "09:00 Europe/Berlin mon-fri on Robotics" in section_texts(listed)[0], listed


def test_quote_daily_on_an_unknown_topic_sets_nothing_and_says_why(bot: BotProcess) -> None:
    body = answer_to(bot, "daily 09:00 UTC xylophones", channel_id="C0DAILYNOTOPIC")

    text = section_texts(body)[0]
    assert "No topic “xylophones”, so nothing was set." in text, body
    assert body.get("response_type", "ephemeral") == "ephemeral"
    listed = answer_to(bot, "daily", channel_id="C0DAILYNOTOPIC")
    assert "No quote of the day here yet" in section_texts(listed)[0], listed


def test_quote_by_a_part_of_a_name_previews_a_quote_of_that_speaker(bot: BotProcess) -> None:
    body = answer_to(bot, "by Karpaty")  # part of the name, with a typo
    assert body["response_type"] == "ephemeral"
    assert "— *Andrej Karpathy*" in context_text(body)
    assert button_labels(body) == ["Share", "Another", "Cancel"]


def test_quote_by_someone_nobody_quoted_says_so(bot: BotProcess) -> None:
    body = answer_to(bot, "by Ada <Lovelace>")
    assert section_texts(body) == ["No quotes by “Ada &lt;Lovelace&gt;”."], body
