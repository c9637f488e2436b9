"""Readwise exports: the CSV of every highlight, and the Markdown of one file per book.

The CSV ("Export to CSV") has one row per highlight under a header read by name, as
its columns have changed over the years::

    Highlight,Book Title,Book Author,Amazon Book ID,Note,Color,Tags,Location Type,Location,
        Highlighted at,Document tags                     (on one line)
    Highlight,Title,Author,URL,Note,Location,Date       (older exports)

A highlight is plain text and may hold line breaks (in a quoted cell). Note is the
reader's comment (the quote's `lead_in`), Tags a comma-separated list (`topics`).

The Markdown export (Readwise's default template, also what its Obsidian export
writes) is Markdown already, and is kept so::

    # Book Title

    ![rw-book-cover](https://…)

    ## Metadata
    - Author: [[Author Name]]
    - Full Title: Book Title
    - Category: #books
    - URL: https://…

    ## Highlights
    - highlight text ([Location 123](https://readwise.io/to_kindle?…&location=123))
        - Tags: [[tag1]] [[tag2]]
        - Note: a note

A highlight's further lines are indented under its bullet, and so are its Tags and
Note (also written "**Tags:** #tag1 #tag2" and "**Note:**"). The link to its place
("Location 123", "Page 4", "View Highlight", "View Tweet") is dropped from its text.
Later syncs add "## New highlights added <date>" sections. A file may hold several
books, each from its "# Title" on; a custom template's other sections are skipped.
Document tags describe a whole document, not a highlight, and are not read as topics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.corpus.model import Problem
from bot.imports.records import Batch, Record, Tick, no_tick
from bot.imports.rows import closed_rows, column, names, rows
from bot.imports.text import WIKI_LINK, markdown, optional, tidy, topics

_TEXT = ("highlight",)
_TITLE = ("book title", "title")
_AUTHOR = ("book author", "author")

_HEADING = re.compile(r"(#{1,6})\s+(.*?)\s*$")
_BULLET = re.compile(r"[-*+]\s+(.*)$")
_FIELD = re.compile(r"[-*+]\s+(?:\*\*)?([^:*]+?)(?::\*\*|\*\*:|:)\s*(.*)$")
_LINK_TO_PLACE = re.compile(
    r"\s*\(\[(?:location|loc\.?|page|time|view \w+)\b[^\]]*\]\([^)\s]*\)\)$", re.IGNORECASE
)
_PLAIN_PLACE = re.compile(
    r"\s*\((?:location|loc\.?|page)\s+(?:[\d,\u2013-]+|[ivxlc]+)\)$", re.IGNORECASE
)
_MD_LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]*)\)")


def read_readwise_csv(text: str, file: str, tick: Tick = no_tick) -> Batch:
    """The highlights of a Readwise CSV export."""
    table = rows(text)
    first = next(table, None)
    if first is None:
        return Batch("readwise-csv", ())
    columns = names(first.cells)
    text_at = column(columns, _TEXT)
    if text_at is None:
        message = "no “Highlight” column in the header: is this a Readwise export?"
        return Batch("readwise-csv", (), (Problem(file, first.line, message),))
    title_at, author_at = column(columns, _TITLE), column(columns, _AUTHOR)
    url_at, note_at, tags_at = (column(columns, (name,)) for name in ("url", "note", "tags"))
    records: list[Record] = []
    problems: list[Problem] = []
    for row in closed_rows(table, len(columns), text, file, tick, problems):
        highlight = markdown(row.cell(text_at) or "")
        if not highlight:
            problems.append(Problem(file, row.line, "empty highlight; row skipped", "warning"))
            continue
        records.append(
            Record(
                highlight,
                optional(row.cell(author_at)),
                optional(row.cell(title_at)),
                optional(row.cell(url_at)),
                topics(row.cell(tags_at)),
                markdown(row.cell(note_at) or "") or None,
                file,
                row.line,
            )
        )
    return Batch("readwise-csv", tuple(records), tuple(problems))


@dataclass
class _Book:
    title: str | None = None  # from its "# Title" heading
    fields: dict[str, str] = field(default_factory=dict)  # its Metadata, keys in lower case

    def value(self, key: str) -> str | None:
        return optional(self.fields.get(key))


@dataclass
class _Highlight:
    line: int
    text: list[str]
    note: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    into: str = "text"  # where further lines go: "text", "note" or "" (nowhere)


def read_readwise_markdown(text: str, file: str, tick: Tick = no_tick) -> Batch:
    """The highlights of one Readwise Markdown export file (one book or several)."""
    reader = _MarkdownReader(file)
    lines = text.split("\n")
    start = _after_front_matter(lines)
    for number, line in enumerate(lines[start:], start=start + 1):
        tick(number)
        reader.feed(number, line.rstrip())
    reader.finish()
    return Batch("readwise-markdown", tuple(reader.records), (), reader.skipped)


class _MarkdownReader:
    """The export read line by line: which book, which section, which highlight."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.book = _Book()
        self.pending: str | None = None  # a "# Title" not yet followed by its sections
        self.section = ""  # "metadata", "highlights" or "" (any other)
        self.last_field = ""
        self.current: _Highlight | None = None
        self.records: list[Record] = []
        self.skipped = 0

    def feed(self, number: int, line: str) -> None:
        heading = _HEADING.match(line)
        if heading:
            self._heading(len(heading[1]), heading[2])
        elif self.section == "metadata":
            self._metadata(line)
        elif self.section == "highlights":
            self._highlights(number, line)

    def finish(self) -> None:
        """Make the highlight being read a record."""
        if self.current is not None:
            self._record(self.current)
            self.current = None

    def _heading(self, level: int, name: str) -> None:
        self.finish()
        if level == 1:
            self.pending, self.section = name, ""
        elif level == 2 and name.casefold() == "metadata":
            self.book = _Book(self.pending)
            self.pending, self.section, self.last_field = None, "metadata", ""
        elif level == 2 and _highlights_heading(name):
            if self.pending is not None:  # a book with no Metadata section
                self.book, self.pending = _Book(self.pending), None
            self.section = "highlights"
        elif level == 2:
            self.section = ""
        # deeper headings (a chapter, in some templates) leave the section as it is

    def _metadata(self, line: str) -> None:
        found = _FIELD.match(line)
        if found:
            self.last_field = found[1].strip().casefold()
            self.book.fields[self.last_field] = found[2]
        elif line.strip() and self.last_field:  # a Full Title or Summary on several lines
            self.book.fields[self.last_field] += " " + line.strip()

    def _highlights(self, number: int, line: str) -> None:
        bullet = _BULLET.match(line)
        if bullet:
            self.finish()
            self.current = _Highlight(number, [bullet[1]])
        elif self.current is None:
            return
        elif not line.strip():
            self._more("")
        elif line[0] in " \t":
            self._indented(line.strip())
        else:  # unindented text after a highlight: not part of it (a footer, a rule)
            self.finish()

    def _indented(self, line: str) -> None:
        assert self.current is not None
        found = _FIELD.match(line)
        name = found[1].strip().casefold() if found else ""
        if found and name == "note":
            self.current.note.append(found[2])
            self.current.into = "note"
        elif found and name == "tags":
            self.current.tags.extend(topics(found[2]))
            self.current.into = ""
        else:
            self._more(line)

    def _more(self, line: str) -> None:
        assert self.current is not None
        if self.current.into == "text":
            self.current.text.append(line)
        elif self.current.into == "note":
            self.current.note.append(line)

    def _record(self, highlight: _Highlight) -> None:
        text = tidy("\n".join(highlight.text))
        text = _PLAIN_PLACE.sub("", _LINK_TO_PLACE.sub("", text)).rstrip()
        if not text:
            self.skipped += 1
            return
        book = self.book
        self.records.append(
            Record(
                text,
                _name(book.value("author")),
                book.value("full title") or optional(book.title),
                _url(book.value("url")),
                tuple(dict.fromkeys(highlight.tags)),
                tidy("\n".join(highlight.note)) or None,
                self.file,
                highlight.line,
            )
        )


def _highlights_heading(name: str) -> bool:
    name = name.casefold()
    return name == "highlights" or name.startswith("new highlights added")


def _after_front_matter(lines: list[str]) -> int:
    """The index of the first line after a leading "---" … "---" block (0 if none)."""
    if not lines or lines[0].strip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return index + 1
    return 0


def _name(value: str | None) -> str | None:
    """ "[[Author Name]]" (or "[Author Name](https://…)") as "Author Name"."""
    if value is None:
        return None
    return optional(_MD_LINK.sub(r"\1", WIKI_LINK.sub(r"\1", value)))


def _url(value: str | None) -> str | None:
    if value is None:
        return None
    link = _MD_LINK.search(value)
    return link[2] if link else value
