"""Give quotes markers in their page, so that an edit of the text keeps each one's ID.

`add_markers` takes a page's text and returns it with a marker (`<!-- quote 7KQ2M -->`)
on the line after each quote it is asked about, or, where a quote has a marker that
did not count (a bad ID, one another quote has), with that marker's ID replaced. Every
other character stays as it was: line endings, a byte order mark, trailing spaces. The
result is parsed again before it is returned: the same quotes, with the IDs asked for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.corpus.model import Page, Quote
from bot.corpus.parse import MARKER_LENGTHS, parse_page
from bot.ids import ALPHABET

# A marker's ID: up to its `-->`, or for a marker of several lines, up to the line's end.
_MARKER_ID = re.compile(r"(<!--[ \t]*quote\b)([^\r\n]*?)(-->|[ \t]*(?=[\r\n]|$))", re.IGNORECASE)


class MarkerError(ValueError):
    """The markers cannot be written as asked; the page is left as it was."""


@dataclass(frozen=True, slots=True)
class Marked:
    text: str  # the page with its markers
    added: int  # new marker lines
    replaced: int  # markers whose ID was replaced

    @property
    def changed(self) -> int:
        return self.added + self.replaced


def needed(quotes: Iterable[Quote]) -> dict[str, dict[int, str]]:
    """The markers pages lack: file -> {a quote's first line: the ID it has now}."""
    wanted: dict[str, dict[int, str]] = {}
    for quote in quotes:
        if quote.origin == "file" and not quote.marked:
            wanted.setdefault(quote.file, {})[quote.line] = quote.id
    return wanted


def add_markers(text: str, ids: Mapping[int, str]) -> Marked:
    """`text` with a marker for each quote starting on a line of `ids`, giving its ID.

    Raises MarkerError if a line of `ids` starts no quote or an ID cannot be a marker's.
    A quote that is not a blockquote (its text in the front matter, say) has no place
    for a marker: it is left as it is, and keeps the ID its text gives it.
    """
    page = parse_page(text, "page")
    by_line = {span.line: position for position, span in enumerate(page.spans)}
    if page.quotes and not page.spans:
        ids = {line: quote_id for line, quote_id in ids.items() if line not in _lines(page)}
    for line, quote_id in ids.items():
        if line not in by_line:
            raise MarkerError(f"line {line}: no quote starts here")
        if len(quote_id) not in MARKER_LENGTHS or not set(quote_id) <= set(ALPHABET):
            raise MarkerError(f"line {line}: {quote_id!r} cannot be a marker's ID")
    lines = text.splitlines(keepends=True)
    after: dict[int, str] = {}  # index of a quote's last line -> the ID to mark it with
    replaced = 0
    for line, quote_id in ids.items():
        span = page.spans[by_line[line]]
        if span.marker is None:
            after[span.end - 1] = quote_id
        else:
            index = span.marker - 1
            lines[index] = _MARKER_ID.sub(
                lambda found, quote_id=quote_id: f"{found[1]} {quote_id} {found[3]}".rstrip(" "),
                lines[index],
                count=1,
            )
            replaced += 1
    newline = "\r\n" if "\r\n" in text else "\n"
    out: list[str] = []
    for index, line in enumerate(lines):
        quote_id = after.get(index)
        if quote_id is None:
            out.append(line)
            continue
        marker = f"<!-- quote {quote_id} -->"
        ending = _ending(line)
        if ending:
            out += [line, marker + ending]
        elif index == len(lines) - 1:  # the last line, with no line break: nor has the marker
            out += [line, newline, marker]
        else:  # a line broken by a character `splitlines` counts and editors may not
            out += [line, marker + newline]
    marked = Marked("".join(out), len(after), replaced)
    _check(page.quotes, parse_page(marked.text, "page").quotes, ids)
    return marked


def _lines(page: Page) -> set[int]:
    return {quote.line for quote in page.quotes}


def _ending(line: str) -> str:
    for ending in ("\r\n", "\n", "\r"):
        if line.endswith(ending):
            return ending
    return ""


def _check(before: tuple[Quote, ...], after: tuple[Quote, ...], ids: Mapping[int, str]) -> None:
    """The page with markers holds the same quotes, and those asked about have their IDs."""
    if [quote.text for quote in after] != [quote.text for quote in before]:
        raise MarkerError("writing the markers would change the quotes; nothing written")
    for old, new in zip(before, after, strict=True):
        wanted = ids.get(old.line)
        if wanted is not None and not (new.marked and new.id == wanted):
            raise MarkerError(f"line {old.line}: the marker would not give the quote {wanted}")
