"""Full-text search over quotes, on SQLite's FTS5 with the Porter stemmer.

FTS5 ships with Python's sqlite3, ranks with BM25 and stems English words, so
`robot` finds `robots` and `robotics` without a scorer of our own. The index lives
in an in-memory database built when the corpus loads, then changed a row at a time as
quotes are added, edited and removed.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

from bot.corpus.inline import index_text
from bot.corpus.model import Quote

# Words that carry no meaning in a request like "something about small models".
STOP_WORDS = frozenset(
    """a about an and any are as at be by for from give has have i in is it me my of on or
    quote quotes say says some something that the this to was what when where who why with
    you""".split()
)
_TOKEN = re.compile(r"\w+", re.UNICODE)
# Column weights for bm25(): words in a lead-in or topic say more about a quote
# than the same words somewhere in its text.
_WEIGHTS = "1.0, 2.0, 3.0, 1.0"


def words(text: str) -> list[str]:
    """The words of a query, lower-cased, without stop words (unless that leaves none)."""
    tokens = [token for token in _TOKEN.findall(text.casefold()) if token != "_"]
    meaningful = [token for token in tokens if token not in STOP_WORDS]
    return meaningful or tokens


_INSERT = "INSERT INTO quotes (rowid, text, lead_in, topic, speaker) VALUES (?, ?, ?, ?, ?)"
# A contentless table keeps no text to delete by: the 'delete' command takes the row's
# original values, to take exactly their terms out of the index.
_DELETE = (
    "INSERT INTO quotes (quotes, rowid, text, lead_in, topic, speaker) "
    "VALUES ('delete', ?, ?, ?, ?, ?)"
)


def _row(rowid: int, quote: Quote) -> tuple[int, str, str, str, str]:
    lead_in = index_text(quote.lead_in) if quote.lead_in else ""
    return rowid, index_text(quote.text), lead_in, quote.topic or "", quote.speaker or ""


class SearchIndex:
    """Ranked full-text lookup of quotes by a number of the corpus's own (the rowid).

    Not safe to use from two threads at once: the corpus holds a lock around it.
    """

    def __init__(self, quotes: Iterable[Quote]) -> None:
        """Index `quotes`, numbered from 0 in their order."""
        # check_same_thread=False: the event loop and worker threads both use the
        # index, one at a time under the corpus's lock.
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        # content='': the index keeps no copy of the text (the corpus has it); lookups
        # need only rowids and BM25, and a contentless table is smaller and faster to fill.
        self._db.execute(
            "CREATE VIRTUAL TABLE quotes USING fts5(text, lead_in, topic, speaker, "
            "tokenize='porter unicode61 remove_diacritics 2', content='')"
        )
        with self._db:
            self._db.executemany(_INSERT, (_row(rowid, q) for rowid, q in enumerate(quotes)))

    def add(self, rowid: int, quote: Quote) -> None:
        """Index one more quote under a rowid not in use."""
        with self._db:
            self._db.execute(_INSERT, _row(rowid, quote))

    def delete(self, rowid: int, quote: Quote) -> None:
        """Take a quote out; `quote` must be the one indexed under `rowid`, as it was."""
        with self._db:
            self._db.execute(_DELETE, _row(rowid, quote))

    def replace(self, rowid: int, old: Quote, new: Quote) -> None:
        """Index `new` instead of `old` under the same rowid, in one transaction."""
        if _row(rowid, old) == _row(rowid, new):
            return  # nothing the index sees has changed
        with self._db:
            self._db.execute(_DELETE, _row(rowid, old))
            self._db.execute(_INSERT, _row(rowid, new))

    def search(self, text: str, *, limit: int = 50) -> list[int]:
        """Rowids of the quotes matching `text`, best first.

        Quotes with all the words come first; when there are fewer than `limit` of
        them, quotes with any of the words follow, so a long request still finds
        the nearest quote instead of nothing.
        """
        terms = ['"' + term + '"' for term in words(text)]
        if not terms:
            return []
        found = self._match(" AND ".join(terms), limit)
        if len(terms) > 1 and len(found) < limit:
            seen = set(found)
            more = self._match(" OR ".join(terms), limit + len(found))
            found += [position for position in more if position not in seen][: limit - len(found)]
        return found

    def _match(self, expression: str, limit: int) -> list[int]:
        rows = self._db.execute(
            f"SELECT rowid FROM quotes WHERE quotes MATCH ? ORDER BY bm25(quotes, {_WEIGHTS}) "
            "LIMIT ?",
            (expression, limit),
        )
        return [row[0] for row in rows]
