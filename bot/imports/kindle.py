"""Kindle's `My Clippings.txt`: every highlight, note and bookmark made on the device.

The file is a run of entries, each ended by a line of ten "=" signs::

    The Pragmatic Programmer (20th Anniversary Edition) (David Thomas;Andrew Hunt)
    - Your Highlight on page 12 | Location 170-171 | Added on Sunday, 13 January 2019 10:00:00

    Care about your craft.
    ==========

The first line is the book: its title, then its author in the last parenthesised group
(titles hold parentheses of their own; a title with no author has none). The second
line says what the entry is and where (see `bot.imports.kindle_meta` for its wordings in
each language). After a blank line comes the highlighted text, or the note's. Kindle
writes CRLF line endings, and on some firmware a byte-order mark at the start of every
entry, not only the file's.

Decisions:

- Authors are shown "First Last": Kindle writes the author as the book's metadata has
  it, often "Thomas, David" and several joined by ";". Each becomes "David Thomas", and
  several are joined by ", ". Only a name whose part before the comma is one word (or a
  particle and a word: "Le Guin, Ursula K.") is turned; "García Márquez, Gabriel" and
  lists like "A. Smith, B. Jones" stay as written, as turning them could be wrong.
  "Unknown" (and its translations) means no author.
- Bookmarks mark a page, not words: they are skipped. So are empty highlights.
- Repeated and extended highlights are kept once, and notes become the `lead_in` of
  the highlight they were typed on; see `bot.imports.kindle_merge` for both rules.
- Highlight and note text is plain text, so it is escaped as Markdown.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from bot.corpus.inline import escape_markdown
from bot.corpus.model import Problem
from bot.imports.kindle_merge import Clipping, merge
from bot.imports.kindle_meta import read_meta
from bot.imports.records import Batch, Record, Tick, no_tick
from bot.imports.text import BOM, markdown, tidy

SEPARATOR = "=========="
_BLANK = " \t\ufeff"  # what a line holding nothing may still hold
_PARTICLES = frozenset(
    "al d' da das de del della der des di do dos du el la le st st. saint ten ter van von".split()
)
_SUFFIXES = frozenset("jr jr. sr sr. ii iii iv phd ph.d. md m.d.".split())
_NO_AUTHOR = frozenset(
    "unknown inconnu inconnu(e) desconocido desconhecido sconosciuto unbekannt 未知 不明".split()
)


def read_kindle(text: str, file: str, tick: Tick = no_tick) -> Batch:
    """The highlights of a `My Clippings.txt`, notes joined, repeats once."""
    clippings: list[Clipping] = []
    problems: list[Problem] = []
    for line, entry in _entries(text):
        tick(line)
        _entry(entry.split("\n"), line, file, len(clippings), clippings, problems)
    kept, skipped = merge(clippings)
    records = tuple(_record(clipping, notes, file) for clipping, notes in kept)
    return Batch("kindle", records, tuple(problems), skipped)


def _entries(text: str) -> Iterator[tuple[int, str]]:
    """Each entry's text (up to its separator line) and the number of its first line.

    The separator is found as a string rather than by a regular expression: a file of
    100,000 entries is 30 MB, and this is the one pass over all of it.
    """
    start, line, at = 0, 1, 0
    while (at := text.find(SEPARATOR, at)) != -1:
        begin = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end == -1 else end
        if text[begin:end].strip(_BLANK) == SEPARATOR:
            entry = text[start:begin]
            yield line, entry
            line += entry.count("\n") + 1
            start = end + 1
        at = end
    yield line, text[start:]


@functools.lru_cache(maxsize=4096)  # a file has a few hundred books and 100,000 entries
def split_title(line: str) -> tuple[str, str | None]:
    """A title line's title and its author (the last parenthesised group), if it has one."""
    line = " ".join(line.replace(BOM, "").split())
    if not line.endswith(")"):
        return line, None
    depth = 0
    for position in range(len(line) - 1, -1, -1):
        if line[position] == ")":
            depth += 1
        elif line[position] == "(":
            depth -= 1
            if depth == 0:
                title = line[:position].strip()
                return (title, speaker(line[position + 1 : -1])) if title else (line, None)
    return line, None  # unbalanced: no author to be sure of


def speaker(authors: str) -> str | None:
    """Kindle's "Thomas, David;Hunt, Andrew" as "David Thomas, Andrew Hunt" (None if unknown)."""
    names = []
    for name in authors.split(";"):
        name = " ".join(name.split()).strip(" ,")
        if name and name.casefold() not in _NO_AUTHOR:
            names.append(_first_last(name))
    return ", ".join(names) or None


def _first_last(name: str) -> str:
    if name.count(",") != 1:
        return name
    last, first = (part.strip() for part in name.split(","))
    words = last.casefold().split()
    one_surname = len(words) == 1 or (len(words) == 2 and words[0] in _PARTICLES)
    if not first or first.casefold() in _SUFFIXES or not one_surname:
        return name
    return f"{first} {last}"


def _entry(
    lines: list[str],
    first_line: int,
    file: str,
    order: int,
    clippings: list[Clipping],
    problems: list[Problem],
) -> None:
    """Read one entry (its lines, the first of them `first_line`) into `clippings`."""
    at, count = 0, len(lines)
    while at < count and not lines[at].strip(_BLANK):
        at += 1
    if at == count:
        return  # the end of the file, or two separators in a row
    title_line, title = first_line + at, lines[at]
    body_at = at + 2
    while body_at < count and not lines[body_at].strip(_BLANK):
        body_at += 1
    if at + 1 == count or (body_at == count and not lines[at + 1].strip(_BLANK)):
        problems.append(_warning(file, title_line, "an entry with a title and nothing else"))
        return
    meta = read_meta(lines[at + 1].replace(BOM, ""))
    if meta is None:
        message = f"not a Kindle clipping line we know (“{lines[at + 1].strip()[:80]}”)"
        problems.append(_warning(file, title_line + 1, message))
        return
    body = tidy("\n".join(lines[body_at:]))
    if meta.kind != "bookmark" and _over_limit(body):
        message = "Kindle kept no text here: the book's clipping limit was reached"
        problems.append(_warning(file, title_line, message))
        return
    book = " ".join(title.replace(BOM, "").split())
    name, author = split_title(book)
    clippings.append(Clipping(book, name, author, meta, body, title_line, order))


def _over_limit(body: str) -> bool:
    """Kindle's "<You have reached the clipping limit for this item>", in any language."""
    if not (body.startswith("<") and body.endswith(">")):
        return False
    lowered = body.casefold()
    return "limit" in lowered or "límite" in lowered


def _record(clipping: Clipping, notes: list[str], file: str) -> Record:
    lead_in = markdown("\n\n".join(notes)) if notes else None
    text = escape_markdown(clipping.text)  # tidied when it was read
    return Record(text, clipping.author, clipping.title, None, (), lead_in, file, clipping.line)


def _warning(file: str, line: int, message: str) -> Problem:
    return Problem(file, line, f"{message}; entry skipped", "warning")
