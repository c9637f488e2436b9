"""Pages as static site generators write them: TOML, drafts, quotes outside blockquotes.

And the shipped format read exactly as before these conventions: the expected data
below was recorded from the parser as it was before them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from textwrap import dedent

import pytest

from bot.corpus import Page, Quote, load_corpus, parse_page, shipped_corpus
from bot.corpus.markers import add_markers
from bot.corpus.model import short_id, text_digest
from tests.files import write_file as write

SHARED_CORPUS = Path("/work/shared/corpus")
SEED_PAGE = "andrej-karpathy-no-priors-80.md"

# (line, id, topic, first 16 hex of the text's SHA-256) of every quote of the seed page,
# as the parser read it before TOML, drafts, line breaks and multi-line markers.
SEED_QUOTES = [
    (14, "3BE8YR", "Self-Driving Cars", "48e3894bdac88e86"),
    (17, "RH3D98", "Self-Driving Cars", "2f329ae0c0469523"),
    (20, "YZK2NS", "Self-Driving Cars", "273bbd7103fe2105"),
    (25, "B9RFK8", "Robotics", "fbaac5da4153cf4b"),
    (28, "SB7PHB", "Robotics", "bc2a24a273937edb"),
    (31, "XJDH78", "Robotics", "a149cde9bc55885b"),
    (36, "E5HJN3", "Transformers", "7cd48f3fdc967778"),
    (39, "JJEZPV", "Transformers", "aa70a075338441e1"),
    (42, "FMNQF3", "Transformers", "7c1dc1632864ce93"),
    (47, "VFYX8E", "Humanoid Robots", "ccf10ccada1af23a"),
    (54, "R2BEK5", "Augmenting the Human Brain", "901f97a0266eaba2"),
    (56, "TB69NP", "Augmenting the Human Brain", "ab647b1a889b0560"),
    (59, "QMW59J", "Augmenting the Human Brain", "2105d921e0d68b18"),
    (62, "53RNJC", "Augmenting the Human Brain", "fc66aeb5d3d863a5"),
    (65, "APCEMY", "Augmenting the Human Brain", "105d123dd4dccf31"),
    (67, "82QD29", "Augmenting the Human Brain", "b9d944e9b510f6b6"),
    (70, "RQBEFR", "Augmenting the Human Brain", "4172635464f7e6b3"),
    (72, "RC4TWB", "Augmenting the Human Brain", "2e81d4c0b78da209"),
    (74, "6ZKTBC", "Augmenting the Human Brain", "62f759fdbc6cf0ad"),
    (76, "F7V257", "Augmenting the Human Brain", "7d5843a5bc29854a"),
    (81, "W4FJG7", "Education", "82b9e0c3bffbbc55"),
    (84, "ZFGPNM", "Education", "f7e5a04a9fd72ead"),
    (87, "7CG4JY", "Education", "41787a511883e93b"),
    (90, "SATST7", "Education", "407709385fbf71fc"),
    (93, "DQSN6W", "Education", "296f4a65005765e5"),
    (96, "EPH3MD", "Education", "10eeea338c56235a"),
    (99, "4P82WS", "Education", "2a530f95df6b0547"),
    (104, "6CYYMQ", "Culture", "a7329688c3554a78"),
]

# A page in the shipped format with each construct it allows, and what it read as.
SHIPPED_STYLE = """---
layout: quote
ref: https://example.org/talk?id=7
slug: grace
tags: [quote, navy]
title: Grace Hopper on Navy Talk 1982
date: 1982-03-04
---

Quoting Grace Hopper from [Navy Talk #82](https://example.org/talk).

#### Ships

On harbours &amp; the sea:
> Ships are safe in harbour,
> but that is not what ships are for.
<!-- quote 7KQ2M -->

> A second one in the run -- with a
lazy continuation line.
>
> And a second paragraph,
> wrapped over two lines.

Some commentary that is no quote.

### Computers

The most dangerous phrase:
> The most dangerous phrase in the language is: we&#39;ve always done it this way.
> <!-- quote K7Q2MAB -->

> It&#39;s easier to ask forgiveness than it is to get permission.

* * *

> A quote after a rule, with *emphasis* and a [link](https://example.org).
"""
SHIPPED_STYLE_QUOTES = [
    (
        15,
        "7KQ2M",
        "Ships are safe in harbour, but that is not what ships are for.",
        "Ships",
        "On harbours & the sea",
        True,
    ),
    (
        19,
        "EXY64C",
        "A second one in the run -- with a lazy continuation line.\n\n"
        "And a second paragraph, wrapped over two lines.",
        "Ships",
        "On harbours & the sea",
        False,
    ),
    (
        30,
        "K7Q2MAB",
        "The most dangerous phrase in the language is: we've always done it this way.",
        "Computers",
        "The most dangerous phrase",
        True,
    ),
    (
        33,
        "63JA59",
        "It's easier to ask forgiveness than it is to get permission.",
        "Computers",
        "The most dangerous phrase",
        False,
    ),
    (
        37,
        "WE3DJC",
        "A quote after a rule, with *emphasis* and a [link](https://example.org).",
        "Computers",
        None,
        False,
    ),
]


def page(text: str, name: str = "page.md") -> Page:
    return parse_page(dedent(text).lstrip("\n"), name)


def only(text: str) -> Quote:
    parsed = page(text)
    assert parsed.problems == (), parsed.problems
    assert len(parsed.quotes) == 1, parsed.quotes
    return parsed.quotes[0]


def seed_rows(quotes: tuple[Quote, ...]) -> list[tuple[int, str, str | None, str]]:
    return [
        (q.line, q.id, q.topic, hashlib.sha256(q.text.encode()).hexdigest()[:16]) for q in quotes
    ]


# The shipped format, unchanged


@pytest.mark.parametrize(
    "folder",
    [
        pytest.param(shipped_corpus(), id="bot-data"),
        pytest.param(
            SHARED_CORPUS,
            id="shared-corpus",
            marks=pytest.mark.skipif(
                not (SHARED_CORPUS / SEED_PAGE).exists(), reason="no shared corpus here"
            ),
        ),
    ],
)
def test_the_seed_page_reads_exactly_as_before(folder: Path) -> None:
    parsed = parse_page((folder / SEED_PAGE).read_bytes(), SEED_PAGE)
    assert parsed.problems == ()
    assert not parsed.draft
    assert seed_rows(parsed.quotes) == SEED_QUOTES
    assert {(q.speaker, q.source, q.url, q.tags) for q in parsed.quotes} == {
        (
            "Andrej Karpathy",
            "No Priors #80",
            "https://www.youtube.com/watch?v=hM_h0UA7upI",
            ("quote",),
        )
    }
    assert [(span.line, span.end, span.marker) for span in parsed.spans] == [
        (line, line, None) for line, *_ in SEED_QUOTES
    ]
    assert parsed.quotes[11].text == (
        "Transformers have a lot bigger working memory and will this will continue to be "
        "the case. They're much more efficient learners."
    )


def test_every_page_of_the_shipped_folder_reads_as_before() -> None:
    result = load_corpus(shipped_corpus())
    assert result.problems == ()
    assert seed_rows(tuple(result.corpus)) == SEED_QUOTES


def test_a_page_with_every_construct_of_the_shipped_format_reads_as_before() -> None:
    parsed = parse_page(SHIPPED_STYLE, "grace.md")
    assert parsed.problems == ()
    assert [
        (q.line, q.id, q.text, q.topic, q.lead_in, q.marked) for q in parsed.quotes
    ] == SHIPPED_STYLE_QUOTES
    assert {(q.speaker, q.source, q.url, q.tags) for q in parsed.quotes} == {
        ("Grace Hopper", "Navy Talk #82", "https://example.org/talk?id=7", ("quote", "navy"))
    }
    assert [(s.line, s.end, s.marker) for s in parsed.spans] == [
        (15, 16, 17),
        (19, 23, None),
        (30, 30, 31),
        (33, 33, None),
        (37, 37, None),
    ]


# TOML front matter


def test_toml_front_matter_between_plus_lines_is_read() -> None:
    quote = only(
        """
        +++
        title = "Grace Hopper on Navy Talk"
        ref = "https://example.org/talk"
        tags = ["ships", "navy"]
        date = 1982-03-04
        +++

        ## Ships

        > Ships are safe in harbour.
        """
    )
    assert (quote.speaker, quote.source, quote.url) == (
        "Grace Hopper",
        "Navy Talk",
        "https://example.org/talk",
    )
    assert quote.tags == ("ships", "navy")
    assert (quote.topic, quote.line) == ("Ships", 10)


@pytest.mark.parametrize(
    ("front", "line", "reason"),
    [
        ('title = "ok"\nref = \n', 3, "Invalid value (column 7)"),
        ('title = "ok"\n[table\n', 3, "Expected ']'"),
        ('title = "ok"\nref = "https://example.org', 3, "Illegal character"),
        # "at end of document": the last line before the closing '+++'
        ('title = "ok"\nref = """never closed\nstill not', 4, "Unterminated string"),
        ('title = "ok"\ntitle = "twice"\n', 3, "Cannot overwrite a value"),
    ],
)
def test_a_toml_error_names_its_line_in_the_file(front: str, line: int, reason: str) -> None:
    parsed = parse_page(f"+++\n{front}\n+++\n> Lost.\n", "hugo.md")
    assert parsed.quotes == ()
    [problem] = parsed.problems
    assert (problem.file, problem.line, problem.severity) == ("hugo.md", line, "error")
    assert problem.message.startswith("front matter is not valid TOML: ")
    assert reason in problem.message
    assert "(at line" not in problem.message


def test_unclosed_toml_front_matter_is_an_error_on_line_1() -> None:
    [problem] = parse_page('+++\ntitle = "x"\n> Lost.\n', "hugo.md").problems
    assert (problem.line, problem.severity) == (1, "error")
    assert "'+++'" in problem.message


def test_a_page_starting_with_more_plus_signs_is_no_toml() -> None:
    quote = only("++++ not front matter\n\n> Still a quote.\n")
    assert (quote.text, quote.line) == ("Still a quote.", 3)


# Drafts


@pytest.mark.parametrize(
    "front",
    ["---\ndraft: true\n---\n", "---\ndraft: 'true'\n---\n", "+++\ndraft = true\n+++\n"],
)
def test_a_draft_page_is_skipped_without_a_warning(front: str) -> None:
    parsed = parse_page(front + "> Not yet.\n", "draft.md")
    assert (parsed.quotes, parsed.problems, parsed.spans) == ((), (), ())
    assert parsed.draft


def test_a_page_with_draft_false_is_read() -> None:
    parsed = page("---\ndraft: false\n---\n> Published.\n")
    assert [q.text for q in parsed.quotes] == ["Published."]
    assert not parsed.draft


def test_a_folder_with_a_draft_loads_the_other_pages_without_problems(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "> Published.\n")
    write(tmp_path, "b.md", "+++\ndraft = true\n+++\n> Not yet.\n")
    result = load_corpus(tmp_path)
    assert (result.problems, [q.text for q in result.corpus]) == ((), ["Published."])


# A quote in the front matter


def test_a_quote_key_holds_the_text_with_author_title_and_link() -> None:
    quote = only(
        """
        ---
        title: On shipbuilding
        author: Grace Hopper
        link: https://example.org/ships
        tags: [ships]
        quote: Ships are safe in harbour, but that is not what ships are for.
        ---
        """
    )
    assert quote.text == "Ships are safe in harbour, but that is not what ships are for."
    assert (quote.speaker, quote.source, quote.url) == (
        "Grace Hopper",
        "On shipbuilding",
        "https://example.org/ships",
    )
    assert (quote.topic, quote.tags, quote.lead_in, quote.line) == (None, ("ships",), None, 6)
    assert quote.id == short_id(text_digest(quote.text))


def test_a_quote_key_takes_the_source_key_over_the_title_and_cite_as_speaker() -> None:
    quote = only(
        """
        +++
        title = "Quote of the week"
        cite = "Grace Hopper"
        source = "Navy Talk"
        url = "https://example.org/talk"
        quote = "Ships are safe."
        +++
        """
    )
    assert (quote.speaker, quote.source, quote.url, quote.line) == (
        "Grace Hopper",
        "Navy Talk",
        "https://example.org/talk",
        6,
    )


def test_a_quote_key_keeps_its_line_breaks_and_list() -> None:
    quote = only(
        """
        ---
        speaker: Ada Lovelace
        quote: |
          The engine weaves:\\
          patterns, like
          a loom.

          - flowers
          - leaves
        ---
        """
    )
    assert quote.text == "The engine weaves:\npatterns, like a loom.\n\n- flowers\n- leaves"
    assert quote.line == 3


def test_a_quote_key_that_is_not_text_is_a_warning_at_its_line() -> None:
    parsed = page("---\ntitle: x\nquote: [a, b]\n---\n")
    assert parsed.quotes == ()
    assert [(p.line, p.severity) for p in parsed.problems] == [(1, "warning"), (3, "warning")]
    assert "'quote' should be text" in parsed.problems[1].message
    assert "no quotes" in parsed.problems[0].message


def test_a_title_with_a_cite_and_no_body_is_the_quote() -> None:
    quote = only(
        """
        ---
        layout: quote
        title: Ships are safe in harbour.
        cite: Grace Hopper
        ---
        """
    )
    assert (quote.text, quote.speaker, quote.source, quote.line) == (
        "Ships are safe in harbour.",
        "Grace Hopper",
        None,
        3,
    )


def test_a_title_with_an_author_and_a_source_key_is_the_quote_of_that_source() -> None:
    quote = only("---\ntitle: Ships are safe.\nauthor: Grace Hopper\nsource: Navy Talk\n---\n\n")
    assert (quote.text, quote.speaker, quote.source) == (
        "Ships are safe.",
        "Grace Hopper",
        "Navy Talk",
    )


def test_a_cite_that_is_a_url_is_the_link_not_the_speaker() -> None:
    quote = only("---\nquote: Ships are safe.\ncite: https://example.org/ships\n---\n")
    assert (quote.speaker, quote.url) == (None, "https://example.org/ships")


# The body as the quote


def test_with_an_author_and_no_blockquote_the_body_is_the_quote() -> None:
    quote = only(
        """
        ---
        title: On harbours
        author: Grace Hopper
        ref: https://example.org/talk
        categories: [ships]
        ---

        Ships are *safe* in harbour,
        but that is not what ships are for.

        Said twice:
        1. at sea
        2. in port

        <!--more-->
        """
    )
    assert quote.text == (
        "Ships are *safe* in harbour, but that is not what ships are for.\n\n"
        "Said twice:\n1. at sea\n2. in port"
    )
    assert (quote.speaker, quote.source, quote.url, quote.tags) == (
        "Grace Hopper",
        None,  # the title is a label on these sites, not the source
        "https://example.org/talk",
        ("ships",),
    )
    assert (quote.line, quote.topic, quote.lead_in) == (8, None, None)


def test_the_body_quote_takes_its_source_from_the_source_key() -> None:
    quote = only("---\ntitle: Quote 12\ncite: Grace Hopper\nsource: Navy Talk\n---\nShips.\n")
    assert (quote.text, quote.source, quote.line) == ("Ships.", "Navy Talk", 6)


def test_without_an_author_or_cite_a_body_with_no_blockquote_has_no_quotes() -> None:
    parsed = page("---\ntitle: Notes\nspeaker: Grace Hopper\n---\nJust commentary.\n")
    assert parsed.quotes == ()
    assert [(p.line, p.severity) for p in parsed.problems] == [(1, "warning")]
    assert "no quotes" in parsed.problems[0].message


def test_a_page_with_blockquotes_ignores_the_quote_key_and_the_body() -> None:
    parsed = page("---\nauthor: Grace Hopper\nquote: Not this one.\n---\nA note.\n\n> This one.\n")
    assert [(q.text, q.speaker) for q in parsed.quotes] == [("This one.", "Grace Hopper")]


def test_a_body_whose_blockquote_is_only_an_image_is_not_made_the_quote() -> None:
    parsed = page("---\nauthor: Grace Hopper\n---\nWords.\n\n> ![ship](ship.png)\n")
    assert parsed.quotes == ()
    assert "no quotes" in parsed.problems[0].message


def test_quotebot_ids_leaves_a_page_whose_quote_is_no_blockquote_as_it_is() -> None:
    text = "---\nauthor: Grace Hopper\n---\nShips are safe.\n"
    quote = parse_page(text, "page").quotes[0]
    marked = add_markers(text, {quote.line: quote.id})
    assert (marked.text, marked.changed) == (text, 0)


# Key synonyms


def test_tags_categories_and_topics_are_merged_into_the_tags() -> None:
    quote = only("---\ntags: [a, b]\ncategories: b, c\ntopics: [d]\n---\n> Words.\n")
    assert quote.tags == ("a", "b", "c", "d")


def test_on_a_blockquote_page_cite_names_the_speaker_and_link_gives_the_url() -> None:
    quote = only("---\ncite: Grace Hopper\nlink: https://example.org/x\n---\n> Words.\n")
    assert (quote.speaker, quote.url) == ("Grace Hopper", "https://example.org/x")


def test_speaker_wins_over_author_over_cite_and_ref_over_link_over_url() -> None:
    quote = only(
        """
        ---
        cite: C
        author: B
        speaker: A
        url: https://example.org/url
        link: https://example.org/link
        ref: https://example.org/ref
        ---
        > Words.
        """
    )
    assert (quote.speaker, quote.url) == ("A", "https://example.org/ref")


def test_a_relative_url_is_the_pages_own_address_not_the_link() -> None:
    assert only("---\nurl: /quotes/ships/\n---\n> Words.\n").url is None


def test_an_explicit_source_makes_a_title_of_the_form_name_on_source_a_label() -> None:
    quote = only("---\ntitle: Andrej on Robots\nsource: Andrej on Robots\n---\n> Words.\n")
    assert (quote.speaker, quote.source) == (None, "Andrej on Robots")
    quote = only("---\ntitle: Andrej on Robots\nsource:\nspeaker: Ada\n---\n> Words.\n")
    assert (quote.speaker, quote.source) == ("Ada", None)


def test_an_explicit_source_wins_over_the_intro_line() -> None:
    quote = only(
        "---\nsource: The Book\n---\nQuoting Grace Hopper from [A Talk](https://x.org).\n\n"
        "> Words.\n"
    )
    assert (quote.speaker, quote.source, quote.url) == ("Grace Hopper", "The Book", "https://x.org")


def test_a_front_matter_value_that_is_not_text_is_reported_at_its_line() -> None:
    parsed = page("---\nlayout: quote\ntitle: [a, b]\n---\n> Words.\n")
    assert [(p.line, p.severity) for p in parsed.problems] == [(3, "warning")]
