"""One small page per rule of the quote-page format, parsed with parse_page."""

from __future__ import annotations

from textwrap import dedent

import pytest

from bot.corpus import Quote, legacy_id, parse_page
from bot.corpus.model import short_id, text_digest


def parse(text: str) -> tuple[Quote, ...]:
    """The quotes of a page that must parse without any problem."""
    page = parse_page(dedent(text).lstrip("\n"), "page.md")
    assert page.problems == ()
    return page.quotes


def only(text: str) -> Quote:
    quotes = parse(text)
    assert len(quotes) == 1
    return quotes[0]


# Front matter


def test_a_page_without_front_matter_loads() -> None:
    quote = only("> Simple is better.\n")
    assert (quote.text, quote.line, quote.file) == ("Simple is better.", 1, "page.md")
    assert (quote.speaker, quote.source, quote.url, quote.tags) == (None, None, None, ())


def test_lines_count_the_front_matter() -> None:
    quote = only(
        """
        ---
        title: Ada Lovelace on Notes
        ---

        > The engine weaves patterns.
        """
    )
    assert quote.line == 5


def test_known_and_unknown_keys_are_read_or_ignored() -> None:
    quote = only(
        """
        ---
        layout: quote
        slug: ada
        date: 2024-05-01
        extra:
          nested: [1, 2]
        title: Ada Lovelace on Notes
        ref: https://example.org/notes
        tags: [poetry, engines]
        ---
        > The engine weaves patterns.
        """
    )
    assert quote.speaker == "Ada Lovelace"
    assert quote.source == "Notes"
    assert quote.url == "https://example.org/notes"
    assert quote.tags == ("poetry", "engines")


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("tags: [a, b]", ("a", "b")),
        ("tags:\n  - a\n  - b", ("a", "b")),
        ("tags: a, b", ("a", "b")),
        ("tags: quote", ("quote",)),
        ("tags: [a, a, b]", ("a", "b")),
        ("tags:", ()),
        ("tags: []", ()),
        ("tags: ''", ()),
        ("title: no tags key", ()),
    ],
)
def test_tags_may_be_a_list_a_string_or_empty(tags: str, expected: tuple[str, ...]) -> None:
    page = parse_page(f"---\n{tags}\n---\n> Words.\n", "page.md")
    assert page.problems == ()
    assert page.quotes[0].tags == expected


def test_empty_values_do_not_break_loading() -> None:
    quote = only(
        """
        ---
        title:
        ref:
        author:
        speaker: ""
        tags:
        date:
        ---
        > Still here.
        """
    )
    assert quote.text == "Still here."
    assert (quote.speaker, quote.source, quote.url, quote.tags) == (None, None, None, ())


def test_duplicate_keys_do_not_break_loading() -> None:
    quote = only(
        """
        ---
        tags: a
        tags: b
        ref: https://example.org/1
        ref: https://example.org/2
        ---
        > Still here.
        """
    )
    assert quote.text == "Still here."
    assert quote.url in {"https://example.org/1", "https://example.org/2"}


def test_empty_front_matter_loads() -> None:
    quote = only("---\n---\n> Still here.\n")
    assert (quote.text, quote.line) == ("Still here.", 3)


def test_a_title_that_is_not_text_is_a_warning_and_the_quotes_still_load() -> None:
    page = parse_page("---\ntitle: [a, b]\n---\n> Still here.\n", "page.md")
    assert [quote.text for quote in page.quotes] == ["Still here."]
    assert [(p.file, p.severity) for p in page.problems] == [("page.md", "warning")]
    assert "title" in page.problems[0].message


# Speaker, source and url


def test_speaker_from_a_speaker_key() -> None:
    assert only("---\nspeaker: Grace Hopper\n---\n> Ships are safe.\n").speaker == "Grace Hopper"


def test_speaker_from_an_author_key() -> None:
    assert only("---\nauthor: Grace Hopper\n---\n> Ships are safe.\n").speaker == "Grace Hopper"


def test_speaker_key_wins_over_author_key() -> None:
    quote = only("---\nauthor: Someone Else\nspeaker: Grace Hopper\n---\n> Ships are safe.\n")
    assert quote.speaker == "Grace Hopper"


def test_intro_naming_the_speaker_from_a_source() -> None:
    quote = only(
        """
        Quoting Grace Hopper from [Navy Talk 1982](https://example.org/talk).

        ## Ships

        > Ships are safe in harbour.
        """
    )
    assert quote.speaker == "Grace Hopper"
    assert quote.source == "Navy Talk 1982"
    assert quote.url == "https://example.org/talk"


def test_intro_naming_the_speaker_on_a_source() -> None:
    quote = only(
        """
        Quoting Grace Hopper on [Letterman](https://example.org/tv)

        > Ships are safe in harbour.
        """
    )
    assert (quote.speaker, quote.source, quote.url) == (
        "Grace Hopper",
        "Letterman",
        "https://example.org/tv",
    )


def test_intro_linking_the_speaker() -> None:
    quote = only(
        """
        Quoting [Grace Hopper](https://example.org/grace):

        > Ships are safe in harbour.
        """
    )
    assert quote.speaker == "Grace Hopper"
    assert quote.url == "https://example.org/grace"
    assert quote.source is None


def test_speaker_and_source_from_a_title_of_the_form_name_on_source() -> None:
    quote = only("---\ntitle: Grace Hopper on Letterman 1986\n---\n> Ships are safe.\n")
    assert (quote.speaker, quote.source, quote.url) == ("Grace Hopper", "Letterman 1986", None)


def test_a_title_without_on_is_the_source_and_the_speaker_stays_unknown() -> None:
    quote = only("---\ntitle: Collected sayings\n---\n> Ships are safe.\n")
    assert quote.speaker is None
    assert quote.source == "Collected sayings"


def test_with_nothing_to_go_on_the_speaker_is_unknown() -> None:
    quote = only(
        """
        Some words about ships.

        ## Ships

        > Ships are safe in harbour.
        """
    )
    assert (quote.speaker, quote.source, quote.url) == (None, None, None)


def test_speaker_key_wins_over_intro_and_title() -> None:
    quote = only(
        """
        ---
        speaker: Grace Hopper
        title: Someone on Something
        ---
        Quoting Another Person from [Navy Talk](https://example.org/talk).

        ## Ships

        > Ships are safe in harbour.
        """
    )
    assert quote.speaker == "Grace Hopper"
    assert quote.source == "Navy Talk"


def test_intro_wins_over_title_for_speaker_and_source() -> None:
    quote = only(
        """
        ---
        title: G. Hopper on Navy Talk 82
        ---
        Quoting Grace Hopper from [Navy Talk #82](https://example.org/talk).

        ## Ships

        > Ships are safe in harbour.
        """
    )
    assert (quote.speaker, quote.source) == ("Grace Hopper", "Navy Talk #82")


def test_ref_wins_over_the_intro_link() -> None:
    quote = only(
        """
        ---
        ref: https://example.org/ref
        ---
        Quoting Grace Hopper from [Navy Talk](https://example.org/intro).

        ## Ships

        > Ships are safe in harbour.
        """
    )
    assert quote.url == "https://example.org/ref"


def test_html_entities_in_speaker_and_source_are_decoded() -> None:
    quote = only(
        """
        Quoting Ann O&#39;Neil from [Q &amp; A](https://example.org/qa).

        ## Talk

        > Words.
        """
    )
    assert (quote.speaker, quote.source) == ("Ann O'Neil", "Q & A")


# Topics


def test_every_heading_level_starts_a_topic() -> None:
    quotes = parse(
        """
        > Before any heading.

        # One
        > a
        ## Two
        > b
        ### Three
        > c
        #### Four ####
        > d
        ##### Five
        > e
        ###### Six
        > f
        """
    )
    assert [(q.topic, q.text) for q in quotes] == [
        (None, "Before any heading."),
        ("One", "a"),
        ("Two", "b"),
        ("Three", "c"),
        ("Four", "d"),
        ("Five", "e"),
        ("Six", "f"),
    ]


def test_topics_are_flat_whatever_the_heading_levels() -> None:
    quotes = parse(
        """
        ## Machines

        ### Robots
        > a

        #### Cars
        > b

        ### Boats
        > c
        """
    )
    # A deeper heading is a peer topic, never "Machines / Robots".
    assert [q.topic for q in quotes] == ["Robots", "Cars", "Boats"]


def test_html_entities_in_a_heading_are_decoded() -> None:
    assert only("## Q&amp;A\n> a\n").topic == "Q&A"


# Blockquotes


@pytest.mark.parametrize("separator", [">", "> ", ">   "])
def test_a_blockquote_of_several_paragraphs_is_one_quote(separator: str) -> None:
    page = f"Lead:\n> First paragraph\n> goes on.\n{separator}\n> Second paragraph.\n"
    quote = only(page)
    assert quote.text == "First paragraph goes on.\n\nSecond paragraph."
    assert quote.line == 2


def test_lazy_continuation_lines_belong_to_the_quote() -> None:
    quotes = parse(
        """
        > The first line
        and a lazy one
        without any marker.

        After the quote.
        """
    )
    assert [q.text for q in quotes] == ["The first line and a lazy one without any marker."]


def test_two_blockquotes_separated_by_a_blank_line_are_two_quotes() -> None:
    quotes = parse(
        """
        ## Ships

        > One.

        > Two,
        > and more.
        """
    )
    assert [(q.text, q.line) for q in quotes] == [("One.", 3), ("Two, and more.", 5)]


def test_a_heading_ends_a_blockquote() -> None:
    quotes = parse("> One.\n## Next\n> Two.\n")
    assert [(q.text, q.topic) for q in quotes] == [("One.", None), ("Two.", "Next")]


def test_quote_text_is_kept_verbatim() -> None:
    text = "Teh quick brwon fox -- it's *fast*, (really) FAST!!"
    assert only(f"> {text}\n").text == text


def test_html_entities_in_quote_text_are_decoded() -> None:
    quote = only("On &quot;it&quot;:\n> Don&#39;t panic &amp; carry a towel &lt;3\n")
    assert quote.text == "Don't panic & carry a towel <3"
    assert quote.lead_in == 'On "it"'


def test_a_blockquote_with_only_an_image_is_not_a_quote() -> None:
    quotes = parse(
        """
        > ![A diagram](diagram.png)

        > <img src="photo.jpg" alt="photo">

        > Words under a picture ![pic](p.png)
        """
    )
    assert [q.text for q in quotes] == ["Words under a picture ![pic](p.png)"]


def test_a_page_whose_only_blockquote_is_an_image_has_no_quotes() -> None:
    page = parse_page("> ![A diagram](diagram.png)\n", "page.md")
    assert page.quotes == ()
    assert [(p.file, p.line, p.severity) for p in page.problems] == [("page.md", 1, "warning")]


def test_blockquote_markers_inside_a_code_fence_are_not_quotes() -> None:
    quotes = parse(
        """
        ```
        > not a quote
        ```

        > A quote.
        """
    )
    assert [(q.text, q.line) for q in quotes] == [("A quote.", 5)]


# Lead-ins and commentary


def test_the_paragraph_before_a_run_of_quotes_is_the_lead_in_of_each() -> None:
    quotes = parse(
        """
        ## Ships

        On harbours and the sea:
        > One.

        > Two.
        >
        > Still two.

        > Three.
        """
    )
    assert [q.lead_in for q in quotes] == ["On harbours and the sea"] * 3


def test_a_lead_in_may_span_lines_and_be_followed_by_a_blank_line() -> None:
    quote = only(
        """
        On harbours
        and the sea:

        > One.
        """
    )
    assert quote.lead_in == "On harbours and the sea"


def test_a_lead_in_without_a_colon_is_kept_whole() -> None:
    assert only("Ships & harbours\n> One.\n").lead_in == "Ships & harbours"


def test_only_the_trailing_colon_is_dropped() -> None:
    assert only("Time: the real one:\n> One.\n").lead_in == "Time: the real one"


def test_a_quote_right_after_a_heading_has_no_lead_in() -> None:
    quotes = parse(
        """
        Intro paragraph for the first topic.

        ## Ships
        > One.
        """
    )
    assert quotes[0].lead_in is None


def test_commentary_after_a_quote_is_not_part_of_any_quote() -> None:
    quotes = parse(
        """
        ## Ships

        On harbours:
        > One.

        A note about that quote.

        ## Trains

        > Two.
        """
    )
    assert [(q.text, q.lead_in) for q in quotes] == [("One.", "On harbours"), ("Two.", None)]


def test_a_paragraph_between_quotes_leads_in_the_next_run() -> None:
    quotes = parse(
        """
        First:
        > One.

        > Two.

        Second:
        > Three.
        """
    )
    assert [q.lead_in for q in quotes] == ["First", "First", "Second"]


def test_the_intro_line_is_attribution_not_a_lead_in() -> None:
    for intro in (
        "Quoting [Grace Hopper](https://example.org/grace):",
        "Quoting Grace Hopper from [Navy Talk](https://example.org/talk).",
    ):
        quote = only(f"{intro}\n\n> Ships are safe in harbour.\n")
        assert quote.speaker == "Grace Hopper"
        assert quote.lead_in is None


# Ids


def test_an_id_does_not_change_when_other_quotes_change_or_move() -> None:
    before = parse(
        """
        ## Ships
        > Ships are safe in harbour.

        > That is not what ships are for.
        """
    )
    after = parse(
        """
        ---
        title: Grace Hopper on ships
        ---
        ## Boats and ships
        > A brand new quote before the others.

        > Ships are safe in harbour, edited.

        Moved under a new lead-in:
        > That is not what ships are for.
        """
    )
    assert before[1].id == after[2].id
    assert before[1].line != after[2].line
    assert before[0].id != after[1].id  # its own words changed


def quote_id(text: str) -> str:
    """The short ID a page gives a quote with this text (and no marker)."""
    return short_id(text_digest(text))


def test_an_id_survives_rewrapping_case_and_punctuation() -> None:
    one = only("> Ships are safe in harbour, but that is not what ships are for.\n")
    rewrapped = only("> Ships are safe\n> in harbour -- but that\nis not what ships are for\n")
    shouted = "SHIPS ARE SAFE IN HARBOUR; BUT THAT IS NOT WHAT SHIPS ARE FOR!"
    assert one.id == rewrapped.id == quote_id(shouted)
    assert one.alias == rewrapped.alias == legacy_id(shouted)
    assert one.id != quote_id("Ships are safe in a harbour, but that is not what ships are for.")


def test_an_id_is_the_same_in_any_file() -> None:
    first = parse_page("> Same words.\n", "a.md").quotes[0]
    second = parse_page("## Topic\n\nLead:\n> Same words.\n", "b/c.md").quotes[0]
    assert first.id == second.id


@pytest.mark.parametrize(
    ("plain", "typeset"),
    [
        ("Don't stop - it's fine...", "Don\u2019t stop \u2014 it\u2019s fine\u2026"),
        ("Cafe au lait", "Cafe\u00a0au lait"),
        ("snake_case words", "snake case «words»"),
    ],
)
def test_an_id_survives_typographic_punctuation(plain: str, typeset: str) -> None:
    # Swapping straight for curly quotes (or a dash, a non-breaking space) is an edit
    # of punctuation only: the quote keeps its id.
    assert quote_id(plain) == quote_id(typeset)


def test_an_id_tells_accented_letters_apart() -> None:
    assert quote_id("Café au lait") != quote_id("Cafe au lait")
    assert quote_id("CAFÉ AU LAIT!") == quote_id("café au lait")
