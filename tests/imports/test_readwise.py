"""Readwise's CSV export (new and old headers) and its Markdown export."""

from __future__ import annotations

from textwrap import dedent

from bot.imports import Batch, read, read_text
from tests.imports.fixtures import READWISE_MARKDOWN, READWISE_NEW, READWISE_OLD

DEEP_WORK = "Deep Work: Rules for Focused Success in a Distracted World"
INTERVIEW = "Acing the Design Interview"
INTERVIEW_URL = "https://www.seangoedecke.com/acing-the-design-interview/"
STANFORD = "https://news.stanford.edu/2005/06/12/youve-got-find-love-jobs-says/"


def shown(batch: Batch) -> list[tuple[object, ...]]:
    return [
        (r.line, r.text, r.speaker, r.source, r.url, r.topics, r.lead_in) for r in batch.records
    ]


def markdown(text: str) -> Batch:
    return read_text(dedent(text).lstrip("\n"), "book.md", format="readwise-markdown")


# CSV


def test_the_current_csv_export_yields_its_highlights_with_notes_and_tags() -> None:
    batch = read(READWISE_NEW)
    assert batch.format == "readwise-csv"
    assert shown(batch) == [
        (2, "The obstacle is the way.", "Ryan Holiday", "The Obstacle Is the Way", None,
         ("stoicism", "work"), "Use at work"),
        (3, 'A quote that runs\n\nacross two paragraphs, and says "this" with \\*stars\\*.',
         "Ursula K. Le Guin", "The Dispossessed", None, (), None),
        (7, "Last one, with a note.", "Ursula K. Le Guin", "The Dispossessed", None, (),
         "See chapter 2 \\[draft\\]"),
    ]  # fmt: skip


def test_an_empty_highlight_row_is_a_warning_on_the_line_the_row_starts() -> None:
    # Row 3 of the file spans lines 3-5 (a quoted highlight of two paragraphs), so the
    # empty row after it starts on line 6, not on csv.reader's count of rows.
    assert [str(p) for p in read(READWISE_NEW).problems] == [
        f"{READWISE_NEW}:6: warning: empty highlight; row skipped"
    ]


def test_the_old_csv_export_reads_title_author_and_url_by_name() -> None:
    assert shown(read(READWISE_OLD)) == [
        (2, "Stay hungry, stay foolish.", "Steve Jobs", "Stanford Commencement Address",
         STANFORD, (), None),
        (3, "Your time is limited,\nso don't waste it living someone else's life.",
         "Steve Jobs", "Stanford Commencement Address", STANFORD, (), "The best part"),
    ]  # fmt: skip


def test_the_export_without_document_tags_reads_the_same() -> None:
    data = (
        "Highlight,Book Title,Book Author,Amazon Book ID,Note,Color,Tags,Location Type,"
        "Location,Highlighted at\n"
        '"A sentence, with a comma in it",The Dispossessed,Ursula K. Le Guin,,My own thought,'
        "blue,utopia,location,1234,2024-05-14T09:12:00Z\n"
    )
    assert shown(read_text(data, "export.csv")) == [
        (2, "A sentence, with a comma in it", "Ursula K. Le Guin", "The Dispossessed", None,
         ("utopia",), "My own thought"),
    ]  # fmt: skip


def test_a_short_row_leaves_the_missing_columns_empty() -> None:
    data = "Highlight,Book Title,Book Author,Note\nJust the words\n"
    assert shown(read_text(data, "export.csv")) == [
        (2, "Just the words", None, None, None, (), None)
    ]


def test_a_quote_mark_never_closed_is_an_error_at_the_row_that_opens_it() -> None:
    data = 'Highlight,Book Title\nfine,Book\n"runs on,Book\nand on\n'
    batch = read_text(data, "export.csv")
    assert [r.text for r in batch.records] == ["fine"]
    assert [(p.line, p.severity) for p in batch.problems] == [(3, "error")]


# Markdown


def test_the_markdown_export_yields_each_books_highlights_with_notes_and_tags() -> None:
    batch = read(READWISE_MARKDOWN)
    assert batch.format == "readwise-markdown"
    assert shown(batch) == [
        (11, "Clarity about what matters provides clarity about what does not.", "Cal Newport",
         DEEP_WORK, None, ("focus", "work"), "The whole book in a line."),
        (14, "To produce at your peak level you need to work for **extended periods** with full "
             "concentration.", "Cal Newport", DEEP_WORK, None, ("deep work", "focus"), None),
        (16, "A highlight with no location link\nthat goes on for a second line.\n\n"
             "And has a second paragraph.", "Cal Newport", DEEP_WORK, None, (), None),
        (23, "The ability to perform deep work is becoming increasingly rare.", "Cal Newport",
         DEEP_WORK, None, (), "Rare and valuable."),
        (40, "The first step is to identify the actual pieces that will go into your system.",
         "seangoedecke.com", INTERVIEW, INTERVIEW_URL, (), None),
        (42, "Start simple, with a monolithic design.", "seangoedecke.com", INTERVIEW,
         INTERVIEW_URL, (), None),
    ]  # fmt: skip


def test_a_markdown_highlight_that_is_only_its_location_link_is_skipped() -> None:
    batch = read(READWISE_MARKDOWN)
    assert (batch.skipped, batch.problems) == (1, ())


def test_markdown_is_kept_as_markdown_and_a_plain_location_is_dropped() -> None:
    batch = markdown(
        """
        # Notes on Things

        ## Highlights
        - Use `code`, *emphasis* and [links](https://example.org) (Location 1,234)
        - A page of its own (Page 12)
        """
    )
    assert [(r.text, r.source, r.speaker) for r in batch.records] == [
        ("Use `code`, *emphasis* and [links](https://example.org)", "Notes on Things", None),
        ("A page of its own", "Notes on Things", None),
    ]


def test_front_matter_and_a_plain_author_are_read_and_other_sections_ignored() -> None:
    batch = markdown(
        """
        ---
        tags: [readwise]
        ---
        # How to Read a Book

        ## Metadata
        - Author: Mortimer J. Adler
        - Full Title: How to Read a Book: The Classic Guide
        - URL: [Amazon](https://www.amazon.com/dp/0671212095)

        ## Summary
        - Not a highlight.

        ## Highlights
        - Reading is learning.
            - Note: two lines
              of note
        """
    )
    assert shown(batch) == [
        (15, "Reading is learning.", "Mortimer J. Adler", "How to Read a Book: The Classic Guide",
         "https://www.amazon.com/dp/0671212095", (), "two lines\nof note"),
    ]  # fmt: skip
