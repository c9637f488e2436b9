"""`write.pages`: quotes written as pages come back from `parse_page` as the same quotes."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.corpus import Quote, load_corpus, parse_page, shipped_corpus
from bot.corpus.model import short_id, text_digest
from bot.corpus.write import MAX_NAME, pages
from bot.ids import ALPHABET
from tests.corpus.test_conventions import SHARED_CORPUS, SHIPPED_STYLE
from tests.files import write_file as write

FIELDS = ("text", "speaker", "source", "url", "topic", "tags", "lead_in", "id")
Row = tuple[object, ...]


def row(quote: Quote) -> Row:
    return tuple(getattr(quote, name) for name in FIELDS)


def read_back(written: dict[str, str]) -> dict[str, list[Quote]]:
    """Each written page parsed again, which must raise no problem at all."""
    back = {}
    for name, text in written.items():
        parsed = parse_page(text, name)
        assert parsed.problems == (), f"{name}:\n{text}\n{parsed.problems}"
        back[name] = list(parsed.quotes)
    return back


def round_trip(quotes: Iterable[Quote]) -> list[Row]:
    return [row(quote) for page in read_back(pages(quotes)).values() for quote in page]


def quote(text: str, **fields: object) -> Quote:
    values: dict[str, object] = {
        "id": short_id(text_digest(text)),
        "speaker": None,
        "source": None,
        "url": None,
        "topic": None,
        "lead_in": None,
        "tags": (),
        "file": "",
        "line": 0,
    }
    values.update(fields)
    return Quote(text=text, **values)  # type: ignore[arg-type]


def slack(text: str, **fields: object) -> Quote:
    return dataclasses.replace(quote(text, **fields), origin="slack", added_by="U123")


# The shipped corpus and the shipped format


@pytest.mark.parametrize(
    "folder",
    [
        pytest.param(shipped_corpus(), id="bot-data"),
        pytest.param(
            SHARED_CORPUS,
            id="shared-corpus",
            marks=pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="no shared corpus here"),
        ),
    ],
)
def test_the_shipped_corpus_round_trips_quote_for_quote_in_order(folder: Path) -> None:
    corpus = list(load_corpus(folder).corpus)
    assert corpus
    assert round_trip(corpus) == [row(q) for q in corpus]


def test_a_page_with_every_construct_of_the_shipped_format_round_trips() -> None:
    original = parse_page(SHIPPED_STYLE, "grace.md").quotes
    written = pages(original)
    assert list(written) == ["navy-talk-82.md"]
    assert round_trip(original) == [row(q) for q in original]
    # A quote with no lead-in after a run with one starts its own run after a rule.
    assert "\n* * *\n\n> A quote after a rule" in written["navy-talk-82.md"]


def test_the_written_pages_load_from_a_folder_with_the_same_ids(tmp_path: Path) -> None:
    corpus = list(load_corpus(shipped_corpus()).corpus)
    for name, text in pages(corpus).items():
        write(tmp_path, name, text)
    result = load_corpus(tmp_path)
    assert result.problems == ()
    assert [row(q) for q in result.corpus] == [row(q) for q in corpus]
    assert all(q.marked for q in result.corpus)


# Text: Markdown, paragraphs, line breaks, lists


@pytest.mark.parametrize(
    "text",
    [
        "Inline *emphasis*, **bold**, `code`, ~~struck~~ and a [link](https://example.org/a_b).",
        "First paragraph.\n\nSecond paragraph.\n\nThird.",
        "Roses are red,\nviolets are blue.",
        "A line ending in a backslash\\\nthen the next.",
        "Two backslashes\\\\\nthen the next.",
        "Three things:\n- ships\n- harbours\n  - nested harbours\n- the sea",
        "Steps:\n1. one\n2. two\n\n3) three, a new list",
        "- a list first\n- then more\nand a broken line",
        "A path C:\\\n- an item after a backslash",
        "# not a heading\n> not a nested quote\n<!-- quote 7KQ2M -->\n<!-- quote 7KQ2M\n-->",
        "<!-- quote 7KQ2M --> with words after it",
        "Words, then a marker line:\n<!-- quote 7KQ2M -->",
        "Entities kept as typed: &amp; &lt;3 &#39; &copy and AT&T, Q & A.",
        "* * *\n---\n```\nnot code",
        "Quoting Someone from [A Talk](https://x.org).",
        "Separators\u2028inside\u2029a line.",
        "Trailing markup \\",
    ],
)
def test_quote_text_round_trips_exactly(text: str) -> None:
    original = quote(text, source="Notes")
    assert round_trip([original]) == [row(original)]


def test_text_a_page_cannot_hold_is_tidied_as_the_parser_would_read_it() -> None:
    [written] = pages(
        [quote("  Spaces at the ends   \n\n\n\n   and\tcontrol\x07 characters  ")]
    ).values()
    [back] = parse_page(written, "page.md").quotes
    assert back.text == "Spaces at the ends\n\nand\tcontrol characters"


def test_a_quote_with_no_words_is_refused_rather_than_lost() -> None:
    with pytest.raises(ValueError, match="no words"):
        pages([quote("Words."), quote("![only an image](a.png)", id="7KQ2M")])


# Slack-like quotes: each with its own speaker, link and topics


def test_slack_quotes_are_grouped_by_source_then_speaker_then_the_rest() -> None:
    quotes = [
        slack("Ada one.", speaker="Ada Lovelace", source="Notes", topic="looms", tags=("math",)),
        slack("Nobody knows.", topic="misc"),
        slack("Grace one.", speaker="Grace Hopper", url="https://x.org/g"),
        slack("Ada two.", speaker="Ada Lovelace", source="Notes", topic="engines"),
        slack("Babbage in the notes.", speaker="Charles Babbage", source="Notes"),
        slack("Grace two.", speaker="Grace Hopper", topic="ships", tags=("navy", "sea")),
    ]
    written = pages(quotes)
    assert list(written) == ["notes.md", "grace-hopper.md", "quotes.md"]
    back = read_back(written)
    assert [row(q) for q in back["notes.md"]] == [row(quotes[i]) for i in (4, 0, 3)]
    assert [row(q) for q in back["grace-hopper.md"]] == [row(quotes[i]) for i in (2, 5)]
    assert [row(q) for q in back["quotes.md"]] == [row(quotes[1])]
    front, _, body = written["notes.md"].partition("\n---\n")
    assert "speaker: Ada Lovelace" in front.splitlines()  # the most common
    assert "speaker: Charles Babbage" in body.splitlines()  # in its marker


def test_a_page_writes_what_all_its_quotes_share_in_the_front_matter_only() -> None:
    quotes = [
        quote("One.", source="S", speaker="A", url="https://x.org", topic="t", tags=("a", "b")),
        quote("Two.", source="S", speaker="A", url="https://x.org", topic="t", tags=("b", "a")),
    ]
    text = pages(quotes)["s.md"]
    front, _, body = text.partition("\n---\n")
    assert front.splitlines() == [
        "---",
        "title: S",
        "source: S",
        "speaker: A",
        "ref: https://x.org",
        "tags: [a, b]",
    ]
    assert "topics: [t, b, a]" in body  # its tags in another order
    assert round_trip(quotes) == [row(q) for q in quotes]


def test_quotes_with_no_topic_and_other_tags_go_on_a_page_of_their_own() -> None:
    quotes = [
        quote("One.", source="S", tags=("a",)),
        quote("Two.", source="S", tags=("b",)),
        quote("Three.", source="S"),
        quote("Four.", source="S", topic="t", tags=("c",)),
    ]
    written = pages(quotes)
    assert list(written) == ["s.md", "s-2.md"]
    back = read_back(written)
    assert [q.text for q in back["s.md"]] == ["One.", "Three.", "Four."]
    assert [q.text for q in back["s-2.md"]] == ["Two."]
    assert sorted(round_trip(quotes)) == sorted(row(q) for q in quotes)


def test_quotes_come_back_grouped_by_topic_in_order_of_first_appearance() -> None:
    quotes = [
        quote("One.", source="S", topic="b"),
        quote("Two.", source="S", topic="a"),
        quote("Three.", source="S"),
        quote("Four.", source="S", topic="b"),
    ]
    assert [text for text, *_ in round_trip(quotes)] == ["Three.", "One.", "Four.", "Two."]


# Lead-ins and runs


def test_lead_ins_that_differ_within_a_topic_each_lead_their_own_run() -> None:
    quotes = [
        quote("One.", source="S", topic="t", lead_in="First"),
        quote("Two.", source="S", topic="t", lead_in="First"),
        quote("Three.", source="S", topic="t", lead_in="Second one."),
        quote("Four.", source="S", topic="t"),
        quote("Five.", source="S", topic="t"),
        quote("Six.", source="S", topic="t", lead_in="Why:"),
        quote("Seven.", source="S", topic="t", lead_in="Quoting X from [a](https://x.org)."),
        quote("Eight.", source="S", topic="t", lead_in="# not a heading"),
        quote("Nine.", source="S", topic="t", lead_in="> nor a quote\nover two lines"),
        quote("Ten.", source="S", topic="t", lead_in="* * *"),
        quote("Eleven.", source="S", topic="t", lead_in="Q &amp; A &"),
    ]
    text = pages(quotes)["s.md"]
    assert "\nFirst:\n> One." in text
    assert "\nSecond one.\n> Three." in text  # no colon after other punctuation
    assert "\nWhy::\n> Six." in text  # the parser drops one colon
    assert text.count("* * *\n") == 1  # before "Four.", which has no lead-in
    assert round_trip(quotes) == [row(q) for q in quotes]


def test_a_quote_with_no_lead_in_first_under_a_heading_needs_no_rule() -> None:
    quotes = [quote("One.", topic="a", lead_in="Lead"), quote("Two.", topic="b")]
    text = pages(quotes)["quotes.md"]
    assert "* * *" not in text
    assert round_trip(quotes) == [row(q) for q in quotes]


# Front matter and headings with hostile values

HOSTILE = [
    "Ann: the 'first' #1 - \"quoted\"",
    "- starts with a dash",
    "yes",
    "null",
    "1.0",
    "2024-05-01",
    "[not, a, list]",
    "{not: a map}",
    "Q&amp;A",
    "Zoë 日本語 🚀",
    "trailing colon:",
    "&copy; 2024",
    "ends with --> an HTML comment",
    "back\\slash",
    "tab\there",
    "line\nbreak",
    "Andrej on Robots",
    "Quoting Someone from [A](https://x.org)",
    "C#",
    "ends with a #",
    "#",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_speaker_source_topic_tag_and_link_round_trip(value: str) -> None:
    quotes = [
        quote("One.", source=value, speaker=value, url=value, topic=value, tags=(value, "x")),
        quote("Two.", speaker=value, topic=value, lead_in=value),
        quote("Three.", source="S", speaker="Other", url="https://x.org", topic=value),
        quote("Four.", source="S", speaker=value, url=value, tags=(value,), topic="t"),
    ]
    assert sorted(round_trip(quotes), key=str) == sorted((row(q) for q in quotes), key=str)


def test_a_source_named_like_name_on_source_names_no_speaker() -> None:
    original = quote("Words.", source="Andrej on Robots")
    assert round_trip([original]) == [row(original)]


# IDs and file names


def test_an_id_a_marker_cannot_hold_is_left_out_and_the_text_gives_the_id() -> None:
    quotes = [quote("Legacy.", id="q0001", topic="t"), quote("Lower.", id="7kq2m", speaker="A")]
    written = "".join(pages(quotes).values())
    assert "q0001" not in written
    assert "7kq2m" not in written
    assert [r[-1] for r in round_trip(quotes)] == [
        short_id(text_digest("Lower.")),
        short_id(text_digest("Legacy.")),
    ]


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("Notes on the Analytical Engine", "notes-on-the-analytical-engine.md"),
        ("Café Müller: Ça va?", "cafe-muller-ca-va.md"),
        ("日本語", "quotes.md"),
        ("---", "quotes.md"),
        ("A" * 200, "a" * (MAX_NAME - 3) + ".md"),
    ],
)
def test_file_names_are_ascii_slugs_never_empty_nor_too_long(source: str, name: str) -> None:
    assert list(pages([quote("Words.", source=source)])) == [name]


def test_file_names_are_made_unique() -> None:
    long = "B" * 200
    quotes = [
        quote("One.", source="Notes!"),
        quote("Two.", source="notes"),
        quote("Three.", source="NOTES?"),
        quote("Four.", source=long),
        quote("Five.", source=long + "!"),
    ]
    names = list(pages(quotes))
    assert names[:3] == ["notes.md", "notes-2.md", "notes-3.md"]
    assert names[4] == "b" * (MAX_NAME - 5) + "-2.md"
    assert all(len(name) <= MAX_NAME and re.fullmatch(r"[a-z0-9-]+\.md", name) for name in names)


# Any quotes at all

WORDS = ["ships", "harbour", "Zoë", "日本", "naïve", "the", "a", "sea", "2019.", "1.", "1)"]
MARKS = [
    "*", "**", "_", "`", "~~", "[link](https://x.org/a_b)", "![img](p.png)", "&", "&amp;",
    "&#39;", "&copy", "<", ">", "<b>", "#", "\\", "\\\\", "-->", "<!--", ":", ",", "'", '"',
    "|", "-", "--", "a\u2028b", "<!-- quote 7KQ2M -->",
]  # fmt: skip
PREFIXES = [
    "",
    "",
    "",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "2) ",
    "> ",
    "# ",
    "<!-- quote ",
    "Quoting ",
    "* * *",
]
RULE = re.compile(r"^ *([-*_])(?: *\1){2,} *$")
HOSTILE_CHARS = st.sampled_from([*":#'\"-&[]{},!*?|>%@`\\ \t\nabcXYZ09é日🚀", "-->", "&amp;"])


def tidy_name() -> st.SearchStrategy[str]:
    made = st.lists(HOSTILE_CHARS, min_size=1, max_size=12).map("".join).map(str.strip)
    return st.one_of(made.filter(bool), st.sampled_from(HOSTILE))


@st.composite
def quote_texts(draw: st.DrawFn, number: int) -> str:
    paragraphs = []
    for _ in range(draw(st.integers(1, 3))):
        lines = []
        for index in range(draw(st.integers(1, 4))):
            tokens = draw(st.lists(st.sampled_from(WORDS + MARKS), min_size=1, max_size=6))
            prefix = draw(st.sampled_from([*PREFIXES, "  - "] if index else PREFIXES))
            if prefix == "  - " and RULE.match(prefix + " ".join(tokens)):
                prefix = "  - ship "  # `- - -` is a thematic break, not an indented item
            lines.append(
                (prefix + " ".join(tokens)).rstrip()
                if index
                else (prefix + " ".join(tokens)).strip()
            )
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs) + f" q{number}"  # a word, and a text of its own


@st.composite
def any_quotes(draw: st.DrawFn) -> list[Quote]:
    count = draw(st.integers(1, 8))
    sources = draw(st.lists(st.none() | tidy_name(), min_size=1, max_size=3))
    speakers = draw(st.lists(st.none() | tidy_name(), min_size=1, max_size=3))
    topics = draw(st.lists(st.none() | tidy_name(), min_size=1, max_size=3))
    leads = draw(st.lists(st.none() | tidy_name(), min_size=1, max_size=3))
    valid_id = st.text(alphabet=ALPHABET, min_size=4, max_size=12)
    quotes = []
    for number in range(count):
        topic = draw(st.sampled_from(topics))
        quotes.append(
            quote(
                draw(quote_texts(number)),
                id=draw(valid_id | st.sampled_from(["q0001", "abc", "7kq2m", "0OIL"])),
                source=draw(st.sampled_from(sources)),
                speaker=draw(st.sampled_from(speakers)),
                url=draw(
                    st.none()
                    | st.sampled_from(["https://x.org/a?b=1#c", "https://x.org/a: b"])
                    | tidy_name()
                ),
                topic=topic,
                tags=tuple(dict.fromkeys(draw(st.lists(tidy_name(), max_size=3)))),
                lead_in=draw(st.sampled_from(leads)),
            )
        )
    return quotes


def expected(quote: Quote) -> Row:
    """The quote read back: the same, with an ID from its text if a marker cannot hold it."""
    markable = 4 <= len(quote.id) <= 12 and set(quote.id) <= set(ALPHABET)
    return row(
        quote if markable else dataclasses.replace(quote, id=short_id(text_digest(quote.text)))
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_quotes())
def test_any_quotes_round_trip_each_in_order_within_its_topic(quotes: list[Quote]) -> None:
    back = read_back(pages(quotes))
    assert sorted((row(q) for page in back.values() for q in page), key=repr) == sorted(
        map(expected, quotes), key=repr
    )
    position = {q.text: number for number, q in enumerate(quotes)}
    for page in back.values():
        for topic in {q.topic for q in page}:
            order = [position[q.text] for q in page if q.topic == topic]
            assert order == sorted(order)


MESSY = st.lists(
    st.sampled_from([*" \t\n\r\x0b\x0c\x85\u2028\u2029\x07>#-*+1.)\\&<!:;aé日", "  ", "\n\n"]),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(MESSY, min_size=1, max_size=4))
def test_any_text_is_tidied_once_then_round_trips_exactly(texts: list[str]) -> None:
    quotes = [quote(f"{text} q{number}", source="S") for number, text in enumerate(texts)]
    once = round_trip(quotes)
    assert [r[1:] for r in once] == [row(q)[1:] for q in quotes]  # all but the text
    again = [quote(text, source="S", id=quote_id) for text, *_, quote_id in once]
    assert round_trip(again) == once
