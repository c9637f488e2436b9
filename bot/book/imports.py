"""Quotes brought from elsewhere (`quotebot import`) into the team's quote book.

An import is the operator's act, so its quotes skip review: they are approved at
once, live on every instance as a quote saved in Slack would be. Nothing comes in
twice: a quote whose text (case, punctuation and spacing aside) the collection has
already, in the files, in the quote book, hidden, or earlier in the same import, is
counted as a duplicate and left out, so running the same import again adds nothing.
Each quote is checked like one typed into the form (`bot.book.drafts`), and a bad one
is reported with its file and line while the others go in.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.book.drafts import Draft, problems
from bot.corpus import Corpus, Problem, Quote, legacy_id
from bot.corpus.model import short_id, text_digest
from bot.corpus.parse import has_words
from bot.ids import random_id
from bot.imports import Record
from bot.store import BookRow, Store

# One longer than a saved quote's: an import of 50,000 quotes leaves saved quotes
# plenty of 4-letter IDs, and 24 million 5-letter ones make a clash rare.
IMPORT_ID_LENGTH = 5
IMPORTED_BY = "quotebot import"  # who added them: the operator, not a Slack user
_FIELD_NAMES = {"text": "text", "speaker": "speaker", "source": "source", "url": "link",
                "lead_in": "lead-in (note)", "topics": "topics"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Sorted:
    """An import's records sorted out: the new ones, and what was left out and why."""

    new: tuple[Record, ...]
    duplicates: int
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """What an import did."""

    imported: int
    duplicates: int
    problems: tuple[Problem, ...]


def sort_out(records: Iterable[Record], known: set[str]) -> Sorted:
    """The records to add: checked, and none whose text is in `known` (legacy ids).

    `known` grows with each record taken, so a quote twice in one import comes once.
    """
    new: list[Record] = []
    found: list[Problem] = []
    duplicates = 0
    for record in records:
        draft = _draft(record)
        wrong = problems(draft)
        if wrong:
            for field, message in wrong.items():
                where = _FIELD_NAMES.get(field, field)
                found.append(Problem(record.file, record.line, f"{where}: {message}"))
            continue
        if not has_words(draft.text):
            found.append(Problem(record.file, record.line, "text: no words to quote"))
            continue
        alias = legacy_id(draft.text)
        if alias in known:
            duplicates += 1
            continue
        known.add(alias)
        new.append(_tidied(record, draft))
    return Sorted(tuple(new), duplicates, tuple(found))


def known_texts(store: Store, corpus: Corpus, key: str) -> set[str]:
    """The texts (legacy ids) a workspace's collection has or had: files, book, hidden."""
    known = {quote.alias for quote in corpus}
    # Removed and rejected quotes too: someone decided against them once already.
    known.update(row.alias for row in store.book.quotes(key, statuses=_ALL))
    known.update(row.alias for row in store.book.hidden(key))
    return known


def into_book(
    store: Store, corpus: Corpus, records: Iterable[Record], *, key: str, now: datetime,
    rng: random.Random, on_progress: Callable[[int, int], None] | None = None,
) -> Report:  # fmt: skip
    """Add the records to workspace `key`'s quote book, approved; what was done."""
    picked = sort_out(records, known_texts(store, corpus, key))
    taken = {row.id for row in store.book.quotes(key, statuses=_ALL)}
    rows = []
    for record in picked.new:
        quote_id = _free_id(rng, lambda found: found in taken or corpus.get(found) is not None)
        taken.add(quote_id)
        rows.append(_row(record, key=key, quote_id=quote_id, now=now))
    added = 0
    for start in range(0, len(rows), _CHUNK):
        added += store.book.add_many(rows[start : start + _CHUNK])
        if on_progress:
            on_progress(min(start + _CHUNK, len(rows)), len(rows))
    raced = len(rows) - added  # saved in Slack by someone at the same moment
    return Report(added, picked.duplicates + raced, picked.problems)


def as_quotes(records: Iterable[Record], *, file: str = "") -> list[Quote]:
    """Records as quotes of pages (`quotebot import --to`): IDs from their text."""
    quotes = []
    for record in records:
        digest = text_digest(record.text)
        topic = record.topics[0] if record.topics else None
        quote = Quote(
            id=short_id(digest), text=record.text, speaker=record.speaker, source=record.source,
            url=record.url, topic=topic, lead_in=record.lead_in, tags=tuple(record.topics[1:]),
            file=file, line=0, alias=digest[:6].hex(),
        )  # fmt: skip
        quotes.append(quote)
    return quotes


_ALL = ("pending", "approved", "rejected", "removed")
_CHUNK = 5000  # rows per transaction: progress to show, and no transaction of 50,000


def _draft(record: Record) -> Draft:
    return Draft(
        text=record.text, speaker=record.speaker, source=record.source, url=record.url,
        topics=record.topics, lead_in=record.lead_in,
    ).tidy()  # fmt: skip


def _tidied(record: Record, draft: Draft) -> Record:
    return Record(
        text=draft.text, speaker=draft.speaker, source=draft.source, url=draft.url,
        topics=draft.topics, lead_in=draft.lead_in, file=record.file, line=record.line,
    )  # fmt: skip


def _free_id(rng: random.Random, taken: Callable[[str], bool]) -> str:
    for _ in range(100):
        found = random_id(rng, IMPORT_ID_LENGTH)
        if not taken(found):
            return found
    raise RuntimeError("no free quote ID after 100 draws: the workspace's IDs are nearly used up")


def _row(record: Record, *, key: str, quote_id: str, now: datetime) -> BookRow:
    return BookRow(
        team_id=key, id=quote_id, text=record.text, alias=legacy_id(record.text),
        speaker=record.speaker, speaker_user=None, source=record.source, url=record.url,
        topics=record.topics, lead_in=record.lead_in, status="approved",
        added_by=IMPORTED_BY, added_at=now, changed_by=None, changed_at=now,
    )  # fmt: skip
