"""A book's Kindle clippings made into quotes: repeats kept once, notes joined to highlights.

Kindle appends to `My Clippings.txt` and never rewrites it. Extending a highlight, or
making it again shorter, adds a second entry for the same passage; so does highlighting
the same words twice. Two entries are one highlight when they are from the same book,
their places overlap and the text of one holds the other (or both say the same words,
wherever they are). Of those the longest text is kept (on a tie, the later entry).

Overlapping places alone are not enough: locations are coarse (about 150 characters),
so two different sentences highlighted one after the other often share a location, as
"posición 24-24" and "posición 24-25" do in a real Spanish file. Both are kept.

A note is the reader's comment on a highlight: Kindle saves it at the last location of
the highlight it was typed on. So a note joins the highlight of its book whose place
holds the note's, preferring the one that ends there, then the nearest entry in the
file (a note may come before its highlight). It becomes that quote's `lead_in`; several
notes on one highlight are joined as paragraphs. A note on no highlight is dropped and
counted as skipped: quotebot imports quotes, and a note alone quotes nobody.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.imports.kindle_meta import Meta

_BUCKET = 16  # locations per bucket of the overlap index


class Clipping(NamedTuple):
    """One entry of the file, its text tidied (plain text, not yet Markdown)."""

    book: str  # the title line: what says two entries are from one book
    title: str
    author: str | None
    meta: Meta
    text: str
    line: int
    order: int  # its place among the file's entries


Place = tuple[str, int, int]  # "location" or "page", first, last


def place(clipping: Clipping) -> Place | None:
    """Where a clipping is: its location, else its page, else nowhere known."""
    if clipping.meta.location:
        return ("location", *clipping.meta.location)
    if clipping.meta.page:
        return ("page", *clipping.meta.page)
    return None


@dataclass
class _Book:
    """One book's highlights so far, indexed by text and by place (None once dropped)."""

    kept: list[Clipping | None] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # each one's words, casefolded
    places: list[Place | None] = field(default_factory=list)
    by_text: dict[str, int] = field(default_factory=dict)
    by_place: dict[tuple[str, int], list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, clipping: Clipping) -> int:
        """Keep `clipping` or fold it into the highlight it repeats; the entries dropped."""
        key, where = " ".join(clipping.text.casefold().split()), place(clipping)
        same = [
            slot
            for slot in self.near(where)
            if _holds(self.keys[slot], key) or _holds(key, self.keys[slot])
        ]
        if key in self.by_text and self.by_text[key] not in same:
            same.append(self.by_text[key])
        if any(_length(self.kept[slot]) > _length(clipping) for slot in same):
            return 1
        for slot in same:
            self.kept[slot] = self.places[slot] = None
            if self.by_text.get(self.keys[slot]) == slot:
                del self.by_text[self.keys[slot]]
        slot = len(self.kept)
        self.kept.append(clipping)
        self.keys.append(key)
        self.places.append(where)
        self.by_text[key] = slot
        if where is not None:
            kind, first, last = where
            for bucket in range(first // _BUCKET, last // _BUCKET + 1):
                self.by_place[kind, bucket].append(slot)
        return len(same)

    def near(self, where: Place | None) -> list[int]:
        """The kept highlights whose place overlaps `where`."""
        if where is None:
            return []
        kind, first, last = where
        found: list[int] = []
        for bucket in range(first // _BUCKET, last // _BUCKET + 1):
            for slot in self.by_place.get((kind, bucket), ()):
                other = self.places[slot]
                if other and other[1] <= last and first <= other[2] and slot not in found:
                    found.append(slot)
        return found


def merge(clippings: list[Clipping]) -> tuple[list[tuple[Clipping, list[str]]], int]:
    """The highlights to import, each with the notes on it, in file order; and the skips."""
    books: dict[str, _Book] = {}
    notes: list[Clipping] = []
    skipped = 0
    for clipping in clippings:
        if clipping.meta.kind == "highlight" and clipping.text:
            book = books.get(clipping.book)
            if book is None:
                book = books[clipping.book] = _Book()
            skipped += book.add(clipping)
        elif clipping.meta.kind == "note" and clipping.text:
            notes.append(clipping)
        else:  # a bookmark, or a highlight or note with no text
            skipped += 1
    noted: dict[tuple[str, int], list[str]] = defaultdict(list)
    for note in notes:
        book = books.get(note.book)
        slot = _noted(book, note) if book else None
        if slot is None:
            skipped += 1
        elif note.text not in noted[note.book, slot]:
            noted[note.book, slot].append(note.text)
    found = [
        (clipping, noted.get((name, slot), []))
        for name, book in books.items()
        for slot, clipping in enumerate(book.kept)
        if clipping is not None
    ]
    return sorted(found, key=lambda pair: pair[0].line), skipped


def _noted(book: _Book, note: Clipping) -> int | None:
    """The highlight a note was typed on: the one ending where the note is, else the nearest."""
    where = place(note)
    if where is None:
        return None

    def fit(slot: int) -> tuple[bool, int]:
        highlight, its_place = book.kept[slot], book.places[slot]
        assert highlight is not None and its_place is not None  # `near` finds kept ones
        return its_place[2] != where[2], abs(highlight.order - note.order)

    return min(book.near(where), key=fit, default=None)


def _length(clipping: Clipping | None) -> tuple[int, int]:
    return (len(clipping.text), clipping.order) if clipping else (-1, -1)


def _holds(longer: str, shorter: str) -> bool:
    """Whether `shorter` is in `longer` as whole words: "art" is not a repeat of "The
    heart has its reasons". Scripts written without spaces (Chinese, Japanese) have no
    words to keep whole: there any part counts."""
    start = longer.find(shorter)
    while start >= 0:
        end = start + len(shorter)
        before = longer[start - 1] if start else " "
        after = longer[end] if end < len(longer) else " "
        if not (_latin_word(before) and _latin_word(shorter[0])) and not (
            _latin_word(after) and _latin_word(shorter[-1])
        ):
            return True
        start = longer.find(shorter, start + 1)
    return False


def _latin_word(char: str) -> bool:
    return char.isalnum() and ord(char) < 0x2E80  # below the CJK blocks
