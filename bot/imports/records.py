"""What reading another tool's quote collection yields: records, problems, a count of skips.

A `Record` is one quote as the file gave it, before quotebot makes a `Quote` of it (no
ID, no topic heading): its text is Markdown, like every quote's text in quotebot, and so
is its `lead_in`. Speaker, source and URL are plain strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.corpus.model import Problem

FORMATS = ("kindle", "readwise-csv", "readwise-markdown", "csv", "jsonl")

# Called with a line number as a parser reaches each entry; `load` turns it into
# `on_progress(done, total)` calls now and then.
Tick = Callable[[int], None]


def no_tick(line: int) -> None:
    """The `Tick` of a parser nobody watches."""


@dataclass(frozen=True, slots=True)
class Record:
    """One quote read from an import file, located by the line its entry starts on."""

    text: str  # the quote, as Markdown
    speaker: str | None
    source: str | None  # a book title, an article
    url: str | None
    topics: tuple[str, ...]
    lead_in: str | None  # a note the reader wrote about the quote, as Markdown
    file: str  # the file name as given
    line: int  # 1-based line where the record starts in the file


@dataclass(frozen=True, slots=True)
class Batch:
    """Everything one import file yields.

    `format` is the format the file was read as ("" when it could not be read or told
    apart). `skipped` counts the entries left out on purpose without a problem: Kindle
    bookmarks, repeated or overlapping highlights kept once, empty highlights, notes with
    no highlight. Entries left out because something is wrong are in `problems` instead.
    """

    format: str
    records: tuple[Record, ...]
    problems: tuple[Problem, ...] = ()
    skipped: int = 0
