"""What a page could not say before: line breaks and lists, and one quote's own details."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from bot.cli import main
from bot.corpus import Page, Quote, load_corpus, parse_page
from bot.corpus.inline import Break, Paragraph, Run
from bot.corpus.inline import parse as parse_markdown
from bot.corpus.markers import add_markers
from bot.corpus.model import short_id, text_digest
from tests.files import write_file as write


def page(text: str) -> Page:
    return parse_page(dedent(text).lstrip("\n"), "page.md")


def quotes(text: str) -> tuple[Quote, ...]:
    parsed = page(text)
    assert parsed.problems == (), parsed.problems
    return parsed.quotes


def text_of(blockquote: str) -> str:
    [quote] = quotes(blockquote)
    return quote.text


def problems(parsed: Page) -> list[tuple[int, str]]:
    return [(problem.line, problem.message) for problem in parsed.problems]


# Line breaks and lists inside a blockquote


def test_two_trailing_spaces_break_the_line_and_are_dropped() -> None:
    assert (
        text_of("> Roses are red,  \n> violets are blue.\n") == "Roses are red,\nviolets are blue."
    )


def test_a_trailing_backslash_breaks_the_line_and_goes() -> None:
    assert (
        text_of("> Roses are red,\\\n> violets are blue.\n") == "Roses are red,\nviolets are blue."
    )


def test_an_escaped_backslash_at_a_line_end_is_no_break() -> None:
    assert text_of("> C:\\\\\n> is a drive.\n") == "C:\\\\ is a drive."


def test_a_hard_break_on_the_last_line_of_a_paragraph_is_just_dropped_or_kept() -> None:
    assert text_of("> One.  \n>\n> Two.\\\n") == "One.\n\nTwo.\\"


def test_a_hard_break_works_on_a_lazy_line_too() -> None:
    assert text_of("> One,  \nlazy two,\\\nlazy three.\n") == "One,\nlazy two,\nlazy three."


def test_a_bullet_list_inside_a_quote_keeps_one_item_per_line() -> None:
    text = text_of("> Three things:\n> - ships\n> * harbours\n> + the sea\n")
    assert text == "Three things:\n- ships\n* harbours\n+ the sea"


def test_a_nested_list_keeps_its_indentation_relative_to_the_quote() -> None:
    text = text_of(">   1. one\n>    - nested\n>      - deeper\n> 2. two\n")
    assert text == "1. one\n   - nested\n     - deeper\n2. two"
    markdown = parse_markdown(text).paragraphs
    assert [(p.bullet, p.depth) for p in markdown] == [("1.", 0), ("•", 1), ("•", 2), ("2.", 0)]


def test_an_item_can_go_on_over_an_indented_line() -> None:
    assert text_of("> - one that\n>   goes on\n> - two\n") == "- one that goes on\n- two"


def test_a_wrapped_number_is_prose_unless_a_list_has_begun() -> None:
    assert text_of("> It was in\n> 2019. That year.\n") == "It was in 2019. That year."
    assert text_of("> It was:\n> 1) first\n> 2) second\n") == "It was:\n1) first\n2) second"


def test_a_backslash_before_a_list_item_is_kept_as_commonmark_ends_the_paragraph() -> None:
    assert text_of("> A path C:\\\n> - item\n") == "A path C:\\\n- item"


@pytest.mark.parametrize(
    "line",
    ["* * *", "-not an item", "- ", "1.5 litres"],
)
def test_lines_that_only_look_like_items_are_joined_with_a_space(line: str) -> None:
    assert text_of(f"> Before\n> {line}\n") == f"Before {line}".strip()


def test_a_lazy_line_starting_with_a_dash_stays_prose_as_before() -> None:
    assert text_of("> An ecosystem\n- it's like a biological one.\n") == (
        "An ecosystem - it's like a biological one."
    )


def test_line_breaks_reach_the_renderer_as_breaks() -> None:
    [paragraph] = parse_markdown(text_of("> Roses are red,\\\n> violets are blue.\n")).paragraphs
    assert paragraph == Paragraph((Run("Roses are red,"), Break(), Run("violets are blue.")))


def test_a_wrapped_quote_without_breaks_or_lists_reads_as_before() -> None:
    assert text_of("> Ships are safe\n> in harbour.\n") == "Ships are safe in harbour."


# One quote's own speaker, source, link and topics

PAGE = """
---
title: Notes on the Analytical Engine
source: Notes
speaker: Ada Lovelace
ref: https://example.com/notes
tags: [engines, poetry]
---
## Looms

Of looms:
> The engine weaves algebraic patterns.
<!-- quote 7KQ2MX
speaker: Charles Babbage
source: Passages from the Life of a Philosopher
link: https://example.com/passages
topics: [robotics, first programs, history]
-->

> It might act upon other things besides number.
<!-- quote K7Q2MA -->

> Only the speaker differs here.
<!-- quote
speaker:
-->
"""


def test_a_multi_line_marker_gives_one_quote_its_own_details() -> None:
    first, second, third = quotes(PAGE)
    assert (first.id, first.marked, first.text) == (
        "7KQ2MX",
        True,
        "The engine weaves algebraic patterns.",
    )
    assert (first.speaker, first.source, first.url) == (
        "Charles Babbage",
        "Passages from the Life of a Philosopher",
        "https://example.com/passages",
    )
    assert (first.topic, first.tags) == ("robotics", ("first programs", "history"))
    assert first.lead_in == "Of looms"
    # The next quote of the run keeps the page's details and the run's lead-in.
    assert (second.speaker, second.source, second.url, second.topic, second.tags) == (
        "Ada Lovelace",
        "Notes",
        "https://example.com/notes",
        "Looms",
        ("engines", "poetry"),
    )
    assert (second.id, second.lead_in) == ("K7Q2MA", "Of looms")
    # An empty value says none; a marker with no ID gives fields only.
    assert (third.speaker, third.source, third.topic) == (None, "Notes", "Looms")
    assert (third.id, third.marked) == (short_id(text_digest(third.text)), False)


def test_the_spans_of_multi_line_markers_point_at_their_first_line() -> None:
    parsed = page(PAGE)
    assert [(s.line, s.end, s.marker) for s in parsed.spans] == [
        (11, 11, 12),
        (19, 19, 20),
        (22, 22, 23),
    ]


@pytest.mark.parametrize(
    ("topics", "topic", "tags"),
    [
        ("[a, b, c]", "a", ("b", "c")),
        ("a, b", "a", ("b",)),
        ("solo", "solo", ()),
        ("[]", None, ()),
        ("", None, ()),
        ("[a, a]", "a", ("a",)),  # the first is the topic; the others the tags
        ("[7, b]", "7", ("b",)),
    ],
)
def test_marker_topics_replace_the_heading_and_the_page_tags(
    topics: str, topic: str | None, tags: tuple[str, ...]
) -> None:
    quote = only_quote(
        f"---\ntags: [page]\n---\n## Heading\n> Words.\n<!-- quote\ntopics: {topics}\n-->\n"
    )
    assert (quote.topic, quote.tags) == (topic, tags)


def only_quote(text: str) -> Quote:
    [quote] = quotes(text)
    return quote


def test_marker_keys_may_be_indented_and_the_marker_written_in_any_case() -> None:
    quote = only_quote("> Words.\n<!-- QUOTE 7kq2mx\n  speaker: Ada\n  link: https://x.org\n-->\n")
    assert (quote.id, quote.speaker, quote.url) == ("7KQ2MX", "Ada", "https://x.org")


def test_entities_in_a_marker_speaker_are_decoded_as_in_the_front_matter() -> None:
    assert (
        only_quote("> Words.\n<!-- quote\nspeaker: Ann O&#39;Neil\n-->\n").speaker == "Ann O'Neil"
    )


def test_an_unknown_key_is_reported_at_its_line_and_the_others_still_count() -> None:
    parsed = page("> Words.\n<!-- quote 7KQ2MX\nspeaker: Ada\nauthor: Someone\n-->\n> Next.\n")
    assert [(q.text, q.speaker, q.id) for q in parsed.quotes] == [
        ("Words.", "Ada", "7KQ2MX"),
        ("Next.", None, short_id(text_digest("Next."))),
    ]
    [(line, message)] = problems(parsed)
    assert line == 4
    assert "unknown key 'author'" in message
    assert "speaker, source, link, topics" in message


@pytest.mark.parametrize(
    ("fields", "line", "wanted"),
    [
        ("speaker: Ada\nsource: [a, b\n", 6, "not valid YAML"),
        ("speaker: Ada\n  source: x\n", 6, "not valid YAML"),
        ("- speaker\n- source\n", 5, "should be 'key: value' lines"),
    ],
)
def test_bad_yaml_in_a_marker_is_reported_at_its_line_and_its_fields_ignored(
    fields: str, line: int, wanted: str
) -> None:
    parsed = page(f"---\n---\n> Words.\n<!-- quote 7KQ2MX\n{fields}-->\n\nLead:\n> Next.\n")
    assert [(q.text, q.speaker, q.id, q.lead_in) for q in parsed.quotes] == [
        ("Words.", None, "7KQ2MX", None),
        ("Next.", None, short_id(text_digest("Next.")), "Lead"),
    ]
    # The marker is the page's line 4; its fields start on line 5.
    assert [(found, wanted in message) for found, message in problems(parsed)] == [(line, True)]


@pytest.mark.parametrize(
    ("field", "shape"),
    [
        ("speaker: [Ada, Charles]", "text"),
        ("source: true", "text"),
        ("link: {url: x}", "text"),
        ("speaker: 2024-05-01", "text"),
        ("topics: {a: 1}", "a list of topics"),
        ("topics: [[a]]", "a list of topics"),
    ],
)
def test_a_value_of_the_wrong_type_is_reported_at_its_line(field: str, shape: str) -> None:
    parsed = page(f"---\nspeaker: Page\n---\n> Words.\n<!-- quote\nsource: S\n{field}\n-->\n")
    [quote] = parsed.quotes
    assert (quote.speaker, quote.source) == ("Page", "S")  # the bad key only is ignored
    [(line, message)] = problems(parsed)
    assert line == 7
    assert f"should be {shape}" in message


def test_a_marker_never_closed_before_a_blank_line_is_reported_and_the_page_read_on() -> None:
    parsed = page("## T\n\n> Words.\n<!-- quote 7KQ2MX\nspeaker: Ada\n\nLead:\n> Next.\n")
    assert [(q.text, q.speaker, q.id, q.lead_in, q.topic) for q in parsed.quotes] == [
        ("Words.", None, "7KQ2MX", None, "T"),  # its ID still counts, its fields do not
        ("Next.", None, short_id(text_digest("Next.")), "Lead", "T"),
    ]
    [(line, message)] = problems(parsed)
    assert line == 4
    assert "not closed" in message


@pytest.mark.parametrize(
    "after",
    [
        "speaker: Ada\n",  # the end of the page
        "speaker: Ada",  # the end of the page, with no line break
        "speaker: Ada\n> Next.\n",  # a blockquote
        "speaker: Ada\n<!-- quote K7Q2MA -->\n",  # another marker
    ],
)
def test_a_marker_never_closed_is_reported_at_its_first_line(after: str) -> None:
    parsed = page(f"> Words.\n<!-- quote 7KQ2MX\n{after}")
    assert parsed.quotes[0].speaker is None
    assert ("not closed" in problems(parsed)[0][1], problems(parsed)[0][0]) == (True, 2)
    assert "Ada" not in "".join(q.text for q in parsed.quotes)


def test_the_marker_lines_are_never_a_lead_in_nor_part_of_a_quote() -> None:
    first, second = quotes(
        """
        Lead:
        > One.
        <!-- quote
        source: A lead-in it is not
        topics: T
        -->
        > Two, right after the marker.
        """
    )
    assert (first.text, first.lead_in, first.source, first.topic) == (
        "One.",
        "Lead",
        "A lead-in it is not",
        "T",
    )
    assert (second.text, second.lead_in, second.source, second.topic) == (
        "Two, right after the marker.",
        "Lead",
        None,
        None,
    )


def test_a_stray_multi_line_marker_is_reported_and_its_lines_skipped() -> None:
    parsed = page("> One.\n\n<!-- quote 7KQ2MX\nspeaker: Ada\n-->\n> Two.\n")
    assert [(q.text, q.speaker, q.lead_in) for q in parsed.quotes] == [
        ("One.", None, None),
        ("Two.", None, None),
    ]
    assert problems(parsed) == [(3, "quote marker not right after a blockquote; ignored")]


def test_a_second_marker_of_several_lines_is_reported_and_ignored() -> None:
    parsed = page("> One.\n> <!-- quote 7KQ2MX -->\n<!-- quote K7Q2MA\nspeaker: Ada\n-->\n")
    [quote] = parsed.quotes
    assert (quote.id, quote.speaker) == ("7KQ2MX", None)
    [(line, message)] = problems(parsed)
    assert line == 3 and "second quote marker" in message


def test_a_bad_id_in_a_multi_line_marker_is_reported_as_before_and_its_fields_count() -> None:
    parsed = page("> Words.\n<!-- quote 0OIL\nspeaker: Ada\n-->\n")
    [quote] = parsed.quotes
    assert (quote.speaker, quote.marked) == ("Ada", False)
    [(line, message)] = problems(parsed)
    assert line == 2 and "quote marker with '0OIL'" in message


def test_a_marker_inside_a_code_fence_is_code() -> None:
    parsed = page("```\n> Code.\n<!-- quote 7KQ2MX\n```\n\n> Words.\n")
    assert [(q.text, q.line) for q in parsed.quotes] == [("Words.", 6)]
    assert parsed.problems == ()


def test_single_line_markers_work_as_before() -> None:
    first, second = quotes("> One.\n<!-- quote 7KQ2MX -->\n\n> Two.\n> <!-- quote K7Q2MA -->\n")
    assert [(first.id, first.marked), (second.id, second.marked)] == [
        ("7KQ2MX", True),
        ("K7Q2MA", True),
    ]


# `quotebot ids` with multi-line markers

MARKED = """---
title: Notes
---
> Has a good one.
<!-- quote 7KQ2MX
speaker: Ada
-->

> Has a bad ID.
<!-- quote 0OIL
speaker: Charles
-->

> Has fields and no ID.
<!-- quote
topics: [looms]
-->

> Has no marker.
"""


def test_add_markers_writes_ids_into_the_first_line_of_multi_line_markers() -> None:
    parsed = parse_page(MARKED, "page")
    ids = {quote.line: quote.id for quote in parsed.quotes if not quote.marked}
    marked = add_markers(MARKED, ids)
    assert (marked.added, marked.replaced) == (1, 2)
    bad, no_id, none = (ids[line] for line in (9, 14, 19))
    assert marked.text == (
        MARKED.replace("<!-- quote 0OIL\n", f"<!-- quote {bad}\n")
        .replace("<!-- quote\n", f"<!-- quote {no_id}\n")
        .replace("> Has no marker.\n", f"> Has no marker.\n<!-- quote {none} -->\n")
    )
    again = parse_page(marked.text, "page")
    assert again.problems == ()
    assert all(quote.marked for quote in again.quotes)
    assert [(q.speaker, q.topic) for q in again.quotes] == [
        ("Ada", None),
        ("Charles", None),
        (None, "looms"),
        (None, None),
    ]


@pytest.mark.usefixtures("empty_working_folder")
def test_quotebot_ids_counts_a_multi_line_marker_as_a_marker(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = tmp_path / "quotes"
    write(root, "notes.md", MARKED)
    before = {quote.text: quote.id for quote in load_corpus(root).corpus}
    assert main(["ids", str(root)], environ={}) == 0
    out = capsys.readouterr().out
    assert "notes.md: 3 markers added (2 replacing bad ones)" in out, out
    result = load_corpus(root)
    assert result.problems == ()
    assert {quote.text: quote.id for quote in result.corpus} == before
    assert all(quote.marked for quote in result.corpus)
    assert main(["ids", "--check", str(root)], environ={}) == 0
