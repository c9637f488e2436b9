"""Property tests: whatever a quote file or a user sends, every message stays within Slack's limits.

Each builder in bot.render and bot.listeners.replies gets random input: quotes up to
200,000 characters, with thousands of lines, live Slack markup (`<!channel>`, `<@U123>`),
characters to escape, emoji and quotes that cost several characters in JSON, and fields
(speaker, source, URL, topic, lead-in) from empty to enormous. Every message must pass
`tests.limits.check_message`, keep every piece of user text escaped exactly once, and
show the start of the quote.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.answers import Answer
from bot.corpus import Quote, Topic
from bot.listeners.replies import preview, public
from bot.mrkdwn import unescape
from bot.render import (
    ANOTHER,
    CANCEL,
    DAILY_ANOTHER,
    SHARE,
    ButtonState,
    fallback_text,
    help_message,
    not_found_message,
    quote_message,
    topics_message,
)
from tests.limits import check_message

# database=None: no .hypothesis folder in the working tree; the examples are random each run.
FAST = settings(max_examples=150, deadline=None, database=None)
SLOW = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LIVE = ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<https://evil.example|Safe>")
# Pieces that stress escaping, JSON size (emoji 12 characters, `"` and `\\` 2, control
# characters 6), line handling and mrkdwn.
TRICKY = (
    *LIVE,
    "&",
    "&amp;",
    "&lt;",
    "<",
    ">",
    "> not a quote line",
    "\n",
    "\n\n",
    "\n\n\n\n",
    " ",
    "   ",
    "\t",
    "\r\n",
    "\u2028",
    "😀",
    "é",
    "漢字",
    '"',
    "\\",
    "\x00",
    "*",
    "_",
    "~",
    "`",
    "|",
    "…",
)
USER_ID = "U0ALICE"  # a real-looking id: the only mention a message may contain
# Markup the bot writes itself: links to web URLs and the sharer's mention.
OWN_LINK = re.compile(r"<https?://[^<>|]*\|[^<>|]*>")
OWN_LINK_PARTS = re.compile(r"<https?://[^<>|]*\|(?P<label>[^<>|]*)>")
BROKEN_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")
USER_ID_SHAPE = re.compile(r"[UW][A-Z0-9]{2,}")  # what a payload's user id looks like


def pieces() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(TRICKY),
        st.text(max_size=12),
        st.text(alphabet=string.ascii_letters, min_size=1, max_size=12),
    )


def small_texts(max_pieces: int = 12) -> st.SearchStrategy[str]:
    return st.lists(pieces(), max_size=max_pieces).map("".join)


def huge(strategy: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    """A text repeated to up to `max_size` characters: big inputs without a big random draw.

    Sizes often sit at the top of the range, where the limits bite.
    """

    def grow(text: str, size: int) -> str:
        return (text * (size // len(text) + 1))[:size]

    sizes = st.integers(0, max_size) | st.integers(max_size // 10, max_size) | st.just(max_size)
    return st.builds(grow, strategy.filter(bool), sizes)


def fields(max_size: int = 50_000) -> st.SearchStrategy[str | None]:
    """Speakers, sources, topics, lead-ins: none, empty, ordinary, or far too long."""
    return st.one_of(
        st.none(),
        st.just(""),
        small_texts(),
        huge(small_texts(), max_size),
    )


def urls() -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.none(),
        st.just("https://example.com/notes"),
        st.builds(lambda path: f"https://example.com/{path}", small_texts()),
        st.builds(lambda path: f"http://example.com/{path}", huge(small_texts(), 5000)),
        st.sampled_from(["javascript:alert(1)", "ftp://example.com", "<!here>", ""]),
    )


def quote_texts(max_size: int = 200_000) -> st.SearchStrategy[str]:
    """Any text with something other than white space at its start, up to `max_size`."""
    start = st.text(min_size=1, max_size=8).filter(lambda text: not text[0].isspace())
    rest = st.one_of(small_texts(40), huge(small_texts(40), max_size))
    return st.builds(lambda head, tail: head + tail, start | st.sampled_from(LIVE), rest)


PLAIN_WORD = string.ascii_letters + "é😀漢\"'.,?&"
MARK_SIGNS = str.maketrans("", "", "*_~`")
ZERO_WIDTH = "\u200b"
SLACK_MARK = re.compile(r"(?<!\u200b)[*_~`](?!\u200b)")


def markup_words() -> st.SearchStrategy[tuple[str, str, str]]:
    """(Markdown, what a reader sees in Slack, its plain words) for one piece of a quote.

    What a reader sees is written here by hand from CommonMark's rules, not by the code
    under test: emphasis shows its words, a link its label, an image its alt text, an
    escape the character, an autolink its whole address; a footnote link shows as its
    number in Slack and goes from the plain words.
    """
    word = st.text(alphabet=PLAIN_WORD, min_size=1, max_size=10)
    same = [
        "<!here>", "<@U123>", "<!channel>", "&amp;", "&lt;", "<", ">", "#",
    ]  # fmt: skip
    special = [
        ("<https://evil.example|Safe>", "https://evil.example¦Safe", "https://evil.example|Safe"),
        ("\\*", "*", "*"), ("\\[x\\]", "[x]", "[x]"), ("<sup>2</sup>", "2", "2"),
        ("[[1]](https://example.com/n)", "[1]", ""),
    ]  # fmt: skip
    return st.one_of(
        word.map(lambda w: (w, w, w)),
        word.map(lambda w: (f"**{w}**", w, w)),
        word.map(lambda w: (f"*{w}*", w, w)),
        word.map(lambda w: (f"~~{w}~~", w, w)),
        word.map(lambda w: (f"`{w}`", w, w)),
        st.tuples(word, word).map(
            lambda p: (f"[{p[0]} {p[1]}](https://example.com/p)", *[" ".join(p)] * 2)
        ),
        word.map(lambda w: (f"![{w}](https://example.com/i.png)", w, w)),
        st.sampled_from([(piece, piece, piece) for piece in same] + special),
    )


def markdown_texts(max_size: int = 200_000) -> st.SearchStrategy[tuple[str, str, str]]:
    """(a quote's Markdown, the words a reader sees, its plain words), up to ~`max_size`."""
    separators = st.sampled_from(
        [(" ", " ", " "), ("\n", " ", " "), ("\n\n", " ", " "), ("\n- ", " • ", " • ")]
    )
    pairs = st.lists(st.tuples(markup_words(), separators), min_size=1, max_size=40)

    def build(items: list[tuple[tuple[str, ...], tuple[str, ...]]], size: int) -> tuple[str, ...]:
        length = sum(len(w[0]) + len(s[0]) for w, s in items)
        items = items * max(size // max(length, 1), 1)
        last = items[-1][0]  # no separator after the last piece
        return tuple("".join(w[at] + s[at] for w, s in items[:-1]) + last[at] for at in range(3))

    return st.builds(build, pairs, st.integers(0, max_size))


@st.composite
def markdown_quotes(draw: st.DrawFn, max_size: int = 200_000) -> tuple[Quote, Words]:
    """A quote whose text is Markdown, and the words a reader must see, in order."""
    source, seen, plain = draw(markdown_texts(max_size))
    quote = draw(quotes(text=st.just(source)))
    if draw(st.booleans()):  # lead-ins are Markdown too: lists, links, emphasis
        quote = replace(quote, lead_in=draw(markdown_texts(20_000))[0])
    return quote, Words(seen.split(), plain.split())


@dataclass(frozen=True)
class Words:
    """What a reader must see of a quote: in Slack's blocks, and in plain text."""

    seen: list[str]
    plain: list[str]


@st.composite
def quotes(draw: st.DrawFn, text: st.SearchStrategy[str] | None = None) -> Quote:
    return Quote(
        id=draw(st.text(alphabet="0123456789abcdef", min_size=12, max_size=12)),
        text=draw(quote_texts() if text is None else text),
        speaker=draw(fields()),
        source=draw(fields()),
        url=draw(urls()),
        topic=draw(fields(5000)),
        lead_in=draw(fields()),
        tags=(),
        file="quotes.md",
        line=draw(st.integers(1, 10**6)),
    )


def queries(max_size: int = 5000) -> st.SearchStrategy[str]:
    return st.one_of(small_texts(), huge(small_texts(), max_size))


def button_states() -> st.SearchStrategy[ButtonState]:
    return st.builds(
        ButtonState,
        query=queries(),
        position=st.integers(0, 10**9),
        quote_id=st.text(alphabet="0123456789abcdef", min_size=12, max_size=12),
    )


def topic_lists() -> st.SearchStrategy[list[Topic]]:
    topic = st.builds(
        Topic, name=st.one_of(small_texts(), huge(small_texts(), 5000)), count=st.integers(0, 10**6)
    )
    few = st.lists(topic, max_size=20)
    many = st.builds(
        lambda items, n: (items * (n // max(len(items), 1) + 1))[:n], few, st.integers(0, 6000)
    )
    return st.one_of(few, many)


def answers() -> st.SearchStrategy[Answer]:
    return st.builds(
        Answer,
        kind=st.sampled_from(
            ["quote", "topics", "help", "not_found", "no_speaker", "too_long", "empty"]
        ),
        query=queries(500),
        quote=st.none() | quotes(),
        position=st.integers(0, 10**6),
        topics=topic_lists().map(tuple),
        suggestions=st.lists(queries(500), max_size=12).map(tuple),
    )


# ----- what the properties look at ----------------------------------------------------------


def texts(message: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(type, text) of the fallback and of every text object in the blocks."""
    yield "fallback", message["text"]

    def walk(node: Any) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                yield node["type"], node["text"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    yield from walk(message["blocks"])


def assert_escaped(message: Mapping[str, Any], *, shared_by: str | None = None) -> None:
    """No user text can be live markup: every <, > and & left is the bot's own.

    Allowed: links the bot built (web URL and label escaped), the sharer's mention when
    it is a real user id, and the `>` that starts a quote line. Header blocks are
    plain_text, which Slack shows as typed, so they are the one place not checked.
    """
    if shared_by is not None and not USER_ID_SHAPE.fullmatch(shared_by):
        shared_by = None  # not a user id: it must appear escaped, like any other text
    for kind, text in texts(message):
        if kind == "plain_text":
            continue
        for live in LIVE:
            if live == f"<@{shared_by}>":
                continue
            assert live not in text, f"live {live!r} in {text[:300]!r}"
        rest = OWN_LINK.sub("", text)
        if shared_by:
            rest = rest.replace(f"<@{shared_by}>", "")
        rest = "\n".join(line.removeprefix(">") for line in rest.split("\n"))
        assert "<" not in rest and ">" not in rest, f"unescaped markup in {text[:300]!r}"
        assert not BROKEN_ENTITY.search(text), f"a raw & or a cut entity in {text[:300]!r}"


def seen_words(message: Mapping[str, Any]) -> list[str]:
    """The words of the quote a reader sees: links as their labels, marks not counted."""
    lines = [
        line.removeprefix(">")
        for block in message["blocks"]
        if block["type"] == "section"
        for line in block["text"]["text"].split("\n")
        if line.startswith(">")
    ]
    text = OWN_LINK_PARTS.sub(lambda m: m["label"], " ".join(lines))
    # Slack formats with the marks that pair; a mark between zero-width spaces is one of
    # the quote's own characters, and shows.
    return SLACK_MARK.sub("", unescape(text)).replace(ZERO_WIDTH, "").split()


def assert_start_seen(message: Mapping[str, Any], words: list[str]) -> None:
    """What a reader sees is the quote's first words, none lost, and not nothing."""
    seen = seen_words(message)
    assert seen, "no part of the quote is shown"
    assert seen == words[: len(seen)], f"shown {seen[:40]} is not the start of {words[:40]}"
    if len(seen) < len(words):
        assert "more words" in notes(message), "part of the quote is hidden without a word"


def notes(message: Mapping[str, Any]) -> str:
    return "\n".join(
        element["text"]
        for block in message["blocks"]
        if block["type"] == "context"
        for element in block["elements"]
    )


def payload_size(message: Mapping[str, Any]) -> int:
    return len(json.dumps(message["blocks"]))


def button_values(message: Mapping[str, Any]) -> dict[str, str]:
    return {
        element["action_id"]: element["value"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["type"] == "button"
    }


# ----- the checker itself -------------------------------------------------------------------


def test_the_checker_names_each_limit_it_enforces() -> None:
    ok = {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}

    def refused(message: dict[str, Any], kind: str = "message") -> str:
        try:
            check_message(message, kind)
        except AssertionError as error:
            return str(error)
        raise AssertionError(f"check_message took {json.dumps(message)[:300]}")

    def context(text: str, n: int = 1) -> dict[str, Any]:
        return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}] * n}

    def button(**fields: str) -> dict[str, Any]:
        element = {"type": "button", "text": {"type": "plain_text", "text": "Go"}}
        element.update(action_id="go", value="v")
        element.update(fields)
        if "label" in fields:
            element["text"] = {"type": "plain_text", "text": element.pop("label")}
        return {"type": "actions", "elements": [element]}

    check_message({"text": "hi", "blocks": [ok]})
    check_message({"blocks": [ok] * 100}, "modal")
    assert "empty" in refused({"text": "  ", "blocks": [ok]})
    assert "40,000" in refused({"text": "x" * 40_001})
    assert "50" in refused({"text": "hi", "blocks": [ok] * 51})
    assert "100" in refused({"blocks": [ok] * 101}, "home")
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    assert "section text" in refused({"text": "hi", "blocks": [section]})
    assert "context text" in refused({"text": "hi", "blocks": [context("x" * 2001)]})
    assert "context elements" in refused({"text": "hi", "blocks": [context("x", 11)]})
    header = {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}
    assert "header text" in refused({"text": "hi", "blocks": [header]})
    assert "button text" in refused({"text": "hi", "blocks": [button(label="x" * 76)]})
    assert "button value" in refused({"text": "hi", "blocks": [button(value="x" * 2001)]})
    assert "action_id" in refused({"text": "hi", "blocks": [button(action_id="x" * 256)]})
    # Each block within its limits, the whole message not: Slack's msg_blocks_too_long.
    big = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2900}}] * 5
    assert "msg_blocks_too_long" in refused({"text": "hi", "blocks": big})
    assert "modal title" in refused(
        {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []},
        "modal",
    )


# ----- quote_message --------------------------------------------------------------------------


PLAIN_LONG = " ".join(f"w{i:06d}" for i in range(30_000))  # 240,000 characters


@SLOW
@given(item=markdown_quotes())
@example(
    item=(
        Quote("0123456789ab", "Hi.", "x" * 45_000, None, None, None, None, (), "f", 1),
        Words(["Hi."], ["Hi."]),
    )
)
@example(
    item=(
        Quote("0123456789ab", PLAIN_LONG, "Ada", "Notes", "https://example.com/notes", None,
              None, (), "f", 1),
        Words(PLAIN_LONG.split(), PLAIN_LONG.split()),
    )
)  # fmt: skip
@example(
    item=(
        Quote("0123456789ab", PLAIN_LONG, "Ada", None, None, None,
              "\n".join("- a" for _ in range(3000)), (), "f", 1),
        Words(PLAIN_LONG.split(), PLAIN_LONG.split()),
    )
)  # fmt: skip
def test_any_quote_fits_slack_stays_escaped_and_shows_its_start(item: tuple[Quote, Words]) -> None:
    quote, words = item
    message = quote_message(quote)

    check_message(message)
    assert_escaped(message)
    assert_start_seen(message, words.seen)


@SLOW
@given(quote=quotes())
def test_any_text_whatever_markup_it_holds_fits_slack_stays_escaped_and_shows_words(
    quote: Quote,
) -> None:
    message = quote_message(quote)

    check_message(message)
    assert_escaped(message)
    assert seen_words(message) or not quote.text.translate(MARK_SIGNS).strip("\\ \n")


@SLOW
@given(
    item=markdown_quotes(),
    header=st.none() | small_texts() | huge(small_texts(), 1000),
    shared_by=st.none() | st.just(USER_ID) | small_texts() | huge(small_texts(), 5000),
    buttons=st.none() | button_states(),
    daily_button=st.booleans(),
)
def test_a_quote_with_every_option_fits_slack_stays_escaped_and_shows_its_start(
    item: tuple[Quote, Words],
    header: str | None,
    shared_by: str | None,
    buttons: ButtonState | None,
    daily_button: bool,
) -> None:
    quote, words = item
    message = quote_message(
        quote, header=header, shared_by=shared_by, buttons=buttons, daily_button=daily_button
    )

    check_message(message)
    assert_escaped(message, shared_by=shared_by)
    assert_start_seen(message, words.seen)
    values = button_values(message)
    if buttons:
        for action_id in (SHARE, ANOTHER, CANCEL):
            state = ButtonState.decode(values[action_id])
            assert (state.position, state.quote_id) == (buttons.position, buttons.quote_id)
            assert buttons.query.startswith(state.query)  # cut only to fit, never changed
    if daily_button:
        assert values[DAILY_ANOTHER] == quote.id


@SLOW
@given(item=markdown_quotes(), buttons=st.none() | button_states())
def test_a_long_quote_is_cut_between_words_fills_the_message_and_counts_what_is_left(
    item: tuple[Quote, Words], buttons: ButtonState | None
) -> None:
    quote, expected = item
    message = quote_message(quote, buttons=buttons)

    check_message(message)
    words, shown = expected.seen, seen_words(message)
    assert shown, "no word of the quote is shown"
    assert shown == words[: len(shown)], "what is shown is not the quote's first words"
    if len(shown) < len(words):
        note = re.search(r"…and ([\d,]+) more words", notes(message))
        assert note, notes(message)
        assert int(note.group(1).replace(",", "")) == len(words) - len(shown)
        # Cut only for want of room: the message is within a few words of its budget.
        assert payload_size(message) > 12_000 - 400, payload_size(message)
        if quote.url == "https://example.com/notes":
            assert "<https://example.com/notes|" in notes(message)  # where to read the rest


@FAST
@given(text=markdown_texts(1000))
def test_an_ordinary_quote_is_shown_whole(text: tuple[str, str, str]) -> None:
    source, seen, _ = text
    quote = Quote(
        "0123456789ab", source, "Ada", "Notes", "https://example.com/n", "AI", None, (), "f", 1
    )
    message = quote_message(quote, buttons=ButtonState("robots", 0, quote.id))

    check_message(message)
    assert seen_words(message) == seen.split()
    assert "more words" not in notes(message)


@FAST
@given(
    query=st.text(
        alphabet=st.characters(codec="ascii", exclude_characters='"\\', exclude_categories=["Cc"]),
        max_size=500,
    )
)
def test_a_query_of_up_to_500_plain_characters_rides_in_the_buttons_uncut(query: str) -> None:
    state = ButtonState(query, 3, "0123456789ab")
    message = quote_message(
        Quote("0123456789ab", "Hi.", None, None, None, None, None, (), "f", 1), buttons=state
    )

    check_message(message)
    assert {ButtonState.decode(v) for v in button_values(message).values()} == {state}


# ----- fallback_text --------------------------------------------------------------------------


def is_shortened_start(shown: str, whole: str, end: str) -> bool:
    """`shown` is `whole` then `end`, or a start of `whole` then "…" (then anything)."""
    if shown.startswith(whole + end):
        return True
    marks = [at for at, char in enumerate(shown) if char == "…"]
    return any(whole.startswith(shown[:at]) for at in marks)


@FAST
@given(
    quote=quotes(quote_texts(5000)), header=st.none() | small_texts() | huge(small_texts(), 50_000)
)
@example(
    quote=Quote("0123456789ab", "Hi.", "x" * 45_000, None, None, None, None, (), "f", 1),
    header=None,
)
def test_the_fallback_text_is_short_and_escaped_whatever_the_fields(
    quote: Quote, header: str | None
) -> None:
    text = fallback_text(quote, header=header)

    check_message({"text": text, "blocks": []})
    assert len(text) <= 3000, len(text)  # a notification, not the whole quote
    assert_escaped({"text": text, "blocks": []})


@FAST
@given(item=markdown_quotes(5000))
def test_the_fallback_text_starts_with_the_quotes_plain_words_escaped_once(
    item: tuple[Quote, Words],
) -> None:
    quote, words = item
    shown = unescape(fallback_text(quote))

    assert shown.startswith("“")
    body = shown[1 : shown.rindex("”")]
    if body.endswith("…"):  # shortened: whole words, then the mark (a last one may be cut)
        start = body.removesuffix("…").split()
        assert start[:-1] == words.plain[: len(start) - 1], body[:300]
        assert words.plain[len(start) - 1].startswith(start[-1]) if start else True
    else:
        assert body.split() == words.plain, body[:300]


# ----- the other messages -------------------------------------------------------------------


@FAST
@given(topics=topic_lists())
def test_any_topic_list_fits_slack_stays_escaped_and_says_what_is_left_out(
    topics: list[Topic],
) -> None:
    message = topics_message(topics)

    check_message(message)
    assert_escaped(message)
    sections = "\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")
    listed = sections.count("\n• ")
    if topics and listed < len(topics):
        assert "more sections not shown" in notes(message), f"{listed} of {len(topics)} listed"


@FAST
@given(command=st.sampled_from(["/quote", "/q"]) | small_texts() | huge(small_texts(), 10_000))
def test_help_for_any_command_name_fits_slack_and_stays_escaped(command: str) -> None:
    message = help_message(command)

    check_message(message)
    assert_escaped(message)


@FAST
@given(
    query=queries(50_000),
    suggestions=st.lists(st.one_of(small_texts(), huge(small_texts(), 5000)), max_size=50),
)
def test_no_match_for_any_query_fits_slack_stays_escaped_and_echoes_its_start(
    query: str, suggestions: list[str]
) -> None:
    message = not_found_message(query, suggestions)

    check_message(message)
    assert_escaped(message)
    first = unescape(message["blocks"][0]["text"]["text"])
    assert first.startswith("No quote matches “")
    assert is_shortened_start(first.removeprefix("No quote matches “"), query, "”"), first[:300]


@SLOW
@given(reply=answers(), command=st.sampled_from(["/quote", "/q"]) | small_texts())
def test_every_reply_to_any_answer_fits_slack_and_stays_escaped(
    reply: Answer, command: str
) -> None:
    for build in (preview, public):
        message = build(reply, command=command)

        check_message(message)
        assert_escaped(message)
        if reply.kind == "quote" and reply.quote is not None:
            assert seen_words(message) or not reply.quote.text.strip()
            values = button_values(message)
            if build is preview:
                state = ButtonState.decode(values[SHARE])
                assert state.quote_id == reply.quote.id and reply.query.startswith(state.query)
            else:
                assert not values  # a public reply has no buttons
