"""The renderer and Slack's text rules: escaping once, safe links, lossless splits, valid blocks."""

from __future__ import annotations

import random
import re

import pytest

from bot.corpus import Quote, Topic
from bot.mrkdwn import escape, link, mention, split, unescape
from bot.render import (
    ANOTHER,
    CANCEL,
    DAILY_ANOTHER,
    SHARE,
    ButtonState,
    fallback_text,
    help_message,
    not_found_message,
    notice_message,
    quote_message,
    topics_message,
)
from tests.harness import (
    button_labels,
    check_message,
    context_text,
    find_button,
    section_texts,
    visible_text,
)
from tests.limits import check_message as check_limits

LIVE = ("<!channel>", "<!here>", "<!everyone>", "<@U0123ABCD>", "<https://evil.example|Safe>")
# Slack markup in rendered text: <!…>, <@…>, <#…>, <http…>; whatever is left after escaping.
MARKUP = re.compile(r"<[!@#]|<https?:")
BROKEN_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


def make_quote(text: str = "Robots build robots.", **fields: object) -> Quote:
    values: dict[str, object] = {
        "id": "q1",
        "text": text,
        "speaker": "Ada Lovelace",
        "source": "Notes",
        "url": "https://example.com/notes",
        "topic": "Robotics",
        "lead_in": "On machines",
        "tags": (),
        "file": "ada.md",
        "line": 3,
    }
    values.update(fields)
    return Quote(**values)  # type: ignore[arg-type]


def unquoted_words(message: dict) -> list[str]:
    """The words of the quote's `>` lines, in order, unescaped as a reader sees them."""
    lines = [
        line.removeprefix(">").strip()
        for text in section_texts(message)
        for line in text.splitlines()
        if line.startswith(">")
    ]
    return unescape(" ".join(lines)).split()


# ----- mrkdwn.escape / unescape ---------------------------------------------------------------


def test_escape_replaces_exactly_the_three_markup_characters() -> None:
    assert escape("a & b < c > d \" ' * _ ~ `") == "a &amp; b &lt; c &gt; d \" ' * _ ~ `"


def test_escape_twice_is_visible_so_it_must_happen_once() -> None:
    assert escape("&lt;") == "&amp;lt;"  # the literal text "&lt;", shown as typed
    assert escape(escape("<")) == "&amp;lt;"


@pytest.mark.parametrize("text", [*LIVE, "&amp;", "&&<<>>", "plain", "", "<<!here>>"])
def test_unescape_undoes_escape(text: str) -> None:
    assert unescape(escape(text)) == text


def test_unescape_undoes_escape_for_random_text() -> None:
    rng = random.Random(7)
    alphabet = "&<>;amplgt!@#|x "
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(30)))
        assert unescape(escape(text)) == text


@pytest.mark.parametrize("live", LIVE)
def test_escaped_text_has_no_live_markup(live: str) -> None:
    assert not MARKUP.search(escape(f"hi {live} there"))


# ----- mrkdwn.link / mention ------------------------------------------------------------------


def test_link_is_slack_link_syntax() -> None:
    assert link("https://example.com/a?b=1&c=2", "No Priors #80") == (
        "<https://example.com/a?b=1&amp;c=2|No Priors #80>"
    )


def test_a_label_cannot_end_the_link_or_add_markup() -> None:
    text = link("https://example.com", "Safe|<!here> & co")
    assert text.startswith("<https://example.com|")
    assert text.endswith(">")
    assert text.count("|") == 1
    assert text.count("<") == 1 and text.count(">") == 1
    assert "&lt;!here&gt; &amp; co" in text


def test_a_url_cannot_end_the_link_or_smuggle_a_label() -> None:
    text = link("https://evil.example/x>|<!channel>", "Safe")
    assert text.count("|") == 1
    assert text.count("<") == 1 and text.count(">") == 1
    assert text.endswith("|Safe>")


@pytest.mark.parametrize("url", [None, "", "javascript:alert(1)", "ftp://x", "<!here>"])
def test_without_a_web_url_the_label_is_shown_alone_and_escaped(url: str | None) -> None:
    assert link(url, "Notes <!here>") == "Notes &lt;!here&gt;"


def test_mention_of_a_real_user_id() -> None:
    assert mention("U0123ABCD") == "<@U0123ABCD>"
    assert mention("W0123ABCD") == "<@W0123ABCD>"


@pytest.mark.parametrize("bad", ["U1><!here", "<!channel>", "u0123abcd", "", "C0123ABCD"])
def test_mention_of_anything_else_is_escaped_text(bad: str) -> None:
    assert not MARKUP.search(mention(bad))


# ----- mrkdwn.split ---------------------------------------------------------------------------


def random_text(rng: random.Random, size: int) -> str:
    pieces = ["word", "longerword", " ", " ", " ", ". ", "\n", "\n\n", "x" * 40, "é", "&lt;"]
    return "".join(rng.choice(pieces) for _ in range(size))


@pytest.mark.parametrize("limit", [1, 2, 5, 17, 100, 3000])
def test_split_never_loses_a_character_and_respects_the_limit(limit: int) -> None:
    rng = random.Random(limit)
    for _ in range(50):
        text = random_text(rng, rng.randrange(1, 400))
        pieces = split(text, limit)
        assert "".join(pieces) == text
        assert all(0 < len(piece) <= limit for piece in pieces)


def test_split_cuts_between_words_when_it_can() -> None:
    rng = random.Random(3)
    words = ["a", "bb", "robots", "transformers", "data."]
    text = "".join(rng.choice(words) + rng.choice([" ", " ", "\n", "\n\n"]) for _ in range(500))
    pieces = split(text, 50)
    assert "".join(pieces) == text
    assert all(piece[-1].isspace() for piece in pieces[:-1])


def test_split_fills_each_piece_up_to_the_last_break() -> None:
    assert split("aaaa bbbb cccc", 10) == ["aaaa bbbb ", "cccc"]
    assert split("aaa bbb\n\nccc", 10) == ["aaa bbb\n\n", "ccc"]


def test_split_cuts_a_word_longer_than_the_limit() -> None:
    assert split("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


@pytest.mark.parametrize("limit", [0, -5])
def test_split_refuses_a_limit_it_could_never_meet(limit: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        split("some text", limit)


def test_short_text_is_one_piece() -> None:
    assert split("short", 3000) == ["short"]
    assert split("", 3000) == []


# ----- quote_message ---------------------------------------------------------------------------


def test_a_quote_is_a_quote_then_its_attribution_ending_with_its_id() -> None:
    message = check_message(quote_message(make_quote()))

    assert section_texts(message) == ["*On machines*\n> Robots build robots."]
    assert context_text(message) == (
        "— *Ada Lovelace*, <https://example.com/notes|Notes> · Robotics · #q1"
    )
    assert message["text"] == "“Robots build robots.” — Ada Lovelace"
    assert button_labels(message) == []


def test_a_preview_has_share_another_and_cancel_carrying_the_query() -> None:
    state = ButtonState("robotics", 2, "q1")
    message = check_message(quote_message(make_quote(), buttons=state))

    assert button_labels(message) == ["Share", "Another", "Cancel"]
    for action_id in (SHARE, ANOTHER, CANCEL):
        _, button = find_button(message, action_id)
        assert ButtonState.decode(button["value"]) == state


def test_a_shared_quote_credits_who_shared_it() -> None:
    message = check_message(quote_message(make_quote(), shared_by="U0ALICE"))

    assert "Shared by <@U0ALICE>" in context_text(message)


def test_a_daily_post_has_its_header_and_show_me_another() -> None:
    message = check_message(
        quote_message(make_quote(), header="Quote of the day", daily_button=True)
    )

    assert message["blocks"][0]["type"] == "header"
    assert message["text"].startswith("Quote of the day: ")
    _, button = find_button(message, DAILY_ANOTHER)
    assert button["value"] == "q1"


def test_every_field_from_a_quote_file_is_escaped_once() -> None:
    quote = make_quote(
        "Click <https://evil.example|Safe> now, <!here> & <@U0123ABCD> say hi.",
        speaker="Mallory <!channel>",
        source="The <!everyone> Show",
        url="https://example.com/evil?a=1&b=2",
        topic="Mischief <@U0EVIL>",
        lead_in="Hi <!here> & friends",
    )
    message = check_message(
        quote_message(quote, buttons=ButtonState("x", 0, "q1"), shared_by="U0ALICE")
    )

    text = visible_text(message)
    for live in ("<https://evil.example|Safe>", "<!here>", "<!channel>", "<!everyone>"):
        assert live not in text
    assert "<@U0123ABCD>" not in text and "<@U0EVIL>" not in text
    # In Markdown `<https://…>` is a link (an autolink): it shows the whole address it
    # goes to, so no label can pass it off as another.
    assert "<https://evil.example%7CSafe|https://evil.example¦Safe>" in text
    assert "&lt;!here&gt; &amp; &lt;@U0123ABCD&gt;" in text
    assert "&amp;amp;" not in text and "&amp;lt;" not in text  # never twice
    assert "<https://example.com/evil?a=1&amp;b=2|The &lt;!everyone&gt; Show>" in text
    # The only live markup left: the quote's own link, the source link, the sharer.
    assert sorted(MARKUP.findall(text)) == ["<@", "<https:", "<https:"]


def test_the_fallback_text_is_escaped_and_short() -> None:
    quote = make_quote("<!here> " + "word " * 200)
    text = fallback_text(quote)

    assert text.startswith("“&lt;!here&gt; word")
    assert "<!here>" not in text
    assert len(text) < 400
    assert "…" in text  # shortened visibly; the blocks carry the whole quote


def long_quote_text(paragraphs: int, words: int) -> str:
    return "\n\n".join(
        " ".join(f"p{p}w{w:03d}" for w in range(words)) + "." for p in range(paragraphs)
    )


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(" ".join(f"w{i:05d}" for i in range(1200)), id="one paragraph, 8,400 chars"),
        pytest.param(long_quote_text(12, 120), id="12 paragraphs, 8,600 chars"),
        pytest.param(long_quote_text(60, 8), id="60 short paragraphs"),
        pytest.param("\n".join(f"line {i} of a poem" for i in range(400)), id="400 short lines"),
    ],
)
def test_a_long_quote_fills_few_sections_and_loses_no_word(text: str) -> None:
    quote = make_quote(text)
    message = check_message(quote_message(quote, buttons=ButtonState("q", 0, "q1")))

    sections = section_texts(message)
    assert all(len(section) <= 3000 for section in sections)
    assert unquoted_words(message) == text.split()
    shown = sum(len(section) for section in sections)
    # Full sections: no more than one more than the quoted text strictly needs.
    assert len(sections) <= shown // 3000 + 2, [len(section) for section in sections]
    assert button_labels(message) == ["Share", "Another", "Cancel"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("\n".join("a" for _ in range(4000)), id="4,000 one-letter lines"),
        pytest.param("<&> " * 2000, id="8,000 characters to escape"),
        pytest.param("<&>" * 2500, id="one 7,500-character word, 32,500 escaped"),
    ],
)
def test_a_quote_over_slacks_payload_budget_shows_its_start_cut_cleanly_and_says_so(
    text: str,
) -> None:
    """Slack refuses blocks of more than about 13,000 characters (`msg_blocks_too_long`):
    such a quote shows as much of its start as fits, never cut inside an escaped
    character, then says how much is left out."""
    message = quote_message(make_quote(text), buttons=ButtonState("q", 0, "q1"))
    check_limits(message)

    sections = section_texts(message)
    assert all(not BROKEN_ENTITY.search(section) for section in sections)
    shown = "".join(unquoted_words(message))
    assert shown and "".join(text.split()).startswith(shown), "the start, in order"
    assert len(shown) < len("".join(text.split()))
    note = re.search(r"…and ([\d,]+) more words: the quote is too long", context_text(message))
    assert note, context_text(message)
    if len(text.split()) > 1:  # words to count: shown and left out add up to the quote's
        assert len(unquoted_words(message)) + int(note[1].replace(",", "")) == len(text.split())
    assert button_labels(message) == ["Share", "Another", "Cancel"]


def test_a_long_lead_in_does_not_push_the_quote_over_the_limit() -> None:
    lead_in = "commentary " * 400  # 4,400 characters
    message = check_message(quote_message(make_quote("Short and sweet.", lead_in=lead_in)))

    sections = section_texts(message)
    assert all(len(section) <= 3000 for section in sections)
    assert sections[-1] == "> Short and sweet."
    assert " ".join(sections[:-1]).split() == lead_in.split()


def test_a_quote_too_long_for_50_blocks_says_so_instead_of_breaking_the_message() -> None:
    text = " ".join(f"w{i:06d}" for i in range(30_000))  # 240,000 characters
    message = check_message(quote_message(make_quote(text), buttons=ButtonState("q", 0, "q1")))

    assert len(message["blocks"]) <= 50
    words = unquoted_words(message)
    assert words == text.split()[: len(words)]  # what is shown is the start, in order
    assert "more" in context_text(message)  # and the message says the rest is not shown
    assert button_labels(message) == ["Share", "Another", "Cancel"]


# ----- the other messages --------------------------------------------------------------------


def test_topics_list_each_topic_with_its_count_escaped() -> None:
    topics = [Topic("Robotics", 3), Topic("Evil <!here>", 1)]
    message = check_message(topics_message(topics))

    text = visible_text(message)
    assert "• Robotics (3)" in text
    assert "• Evil &lt;!here&gt; (1)" in text
    assert "<!here>" not in text


def test_no_topics_is_said_plainly() -> None:
    message = check_message(topics_message([]))
    assert "no topics" in message["text"]


def test_thousands_of_topics_stay_within_50_blocks_and_say_what_is_left_out() -> None:
    topics = [Topic(f"Topic number {i} " + "x" * 80, 1) for i in range(5000)]
    message = check_message(topics_message(topics))

    assert len(message["blocks"]) <= 50
    assert "more sections not shown" in visible_text(message)


@pytest.mark.parametrize("command", ["/quote", "/q"])
def test_help_names_the_command(command: str) -> None:
    message = check_message(help_message(command))
    assert f"`{command} topics`" in visible_text(message)


def test_not_found_echoes_the_query_escaped_and_suggests_topics() -> None:
    message = check_message(not_found_message("<!channel> & <@U0123ABCD>", ["Robotics"]))

    text = visible_text(message)
    assert "“&lt;!channel&gt; &amp; &lt;@U0123ABCD&gt;”" in text
    assert "`Robotics`" in text
    assert not MARKUP.search(text)


def test_not_found_for_the_longest_query_stays_within_a_section() -> None:
    query = "&" * 500  # 500 characters, each escaped to five
    message = check_message(not_found_message(query, ["Robotics", "Culture", "Education"]))
    assert all(len(text) <= 3000 for text in section_texts(message))


def test_notice() -> None:
    assert check_message(notice_message("Done."))["text"] == "Done."


# ----- ButtonState ---------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "robotics", '"' * 500, "\\" * 500, "é😀<>&" * 100])
def test_button_state_round_trips_within_slacks_2000_character_value(query: str) -> None:
    state = ButtonState(query, 12, "0123456789ab")
    assert ButtonState.decode(state.encode()) == state
    message = check_message(quote_message(make_quote(), buttons=state))
    for action_id in (SHARE, ANOTHER, CANCEL):
        assert len(find_button(message, action_id)[1]["value"]) <= 2000


def test_the_topics_list_writes_its_placeholder_escaped_and_cuts_between_lines() -> None:
    topics = [Topic(f"Topic number {n}", 1) for n in range(400)]
    message = topics_message(topics)

    texts = [block["text"]["text"] for block in message["blocks"] if block["type"] == "section"]
    assert "`/quote &lt;topic&gt;`" in texts[0]
    assert "<topic>" not in "".join(texts)
    for text in texts[1:]:
        assert text.startswith("• Topic number "), text[:40]


def test_a_posted_quote_names_its_quote_for_reactions_and_a_review_card_does_not() -> None:
    from bot.render import quote_shown
    from bot.render_book import review_message

    quote = make_quote(id="7KQ2")

    assert quote_shown(quote_message(quote)) == "7KQ2"
    assert quote_shown(review_message(quote, seq=3, added_by="Ada", edited=False)) is None
