"""The collection each workspace sees: the quote files, plus its own quote book.

With one bot token there is one workspace and one book (key ""): the files' corpus
itself is that collection, and the book's changes are made to it in place (a saved
quote is found within milliseconds, whatever the size). When the files change, the
new files' corpus is adopted the same way: the book's quotes added to it, the hidden
ones taken out, the corrected ones corrected (`bot.book.reports.corrected`).

In many-workspace mode the files are shared by every workspace and each book is its
own. A workspace with nothing of its own sees the files' corpus; once it has quotes
of its own (or hides or corrects one from the files) it gets a corpus of its own, built once from
the files (about 1.5 s at 100,000 quotes, in a worker thread), then changed in place.

Changes come from the store's change feed (`store.book.changes_since`): every
instance applies the same changes in the same order, whichever instance made them.
"""

from __future__ import annotations

import logging
import threading

from bot.book.entries import LIVE, to_quote
from bot.book.reports import corrected, correction_for
from bot.corpus import Corpus, Quote
from bot.store import BookRow, Changes, CorrectionRow, HiddenRow, Store

log = logging.getLogger(__name__)


class Library:
    def __init__(self, files: Corpus, *, per_workspace: bool) -> None:
        self._per_workspace = per_workspace
        self._files = files  # one workspace: the one collection, changed in place
        self._books: dict[str, dict[str, Quote]] = {}  # key -> id -> live quote
        self._hidden: dict[str, dict[str, HiddenRow]] = {}  # key -> file quote id -> row
        self._taken_out: dict[tuple[str, str], Quote] = {}  # hidden file quotes, to show again
        self._corrections: dict[str, dict[str, CorrectionRow]] = {}  # key -> quote id -> row
        self._uncorrected: dict[tuple[str, str], Quote] = {}  # file quotes as their file has them
        # The collections of their own: the one workspace's (the files' corpus itself), or
        # each workspace with quotes (or hidden ones) of its own.
        self._corpora: dict[str, Corpus] = {} if per_workspace else {"": files}
        self._writing = threading.Lock()  # one change at a time; reads never wait
        self.seq = 0  # the last change of the feed applied

    @property
    def files(self) -> Corpus:
        return self._files

    def key(self, team_id: str | None) -> str:
        """Whose book a workspace reads: its own, or the one book of a single workspace."""
        return (team_id or "") if self._per_workspace else ""

    def corpus(self, team_id: str | None) -> Corpus:
        """What `/quote`, mentions and the quote of the day show in this workspace."""
        own = self._corpora.get(self.key(team_id))
        return own if own is not None else self._files

    def as_in_file(self, team_id: str | None, quote_id: str) -> Quote | None:
        """A file's quote as its file has it, even while shown corrected; None if none.

        Taken under the write lock: while the files are being reloaded, the old
        collection and the new one's originals would not match.
        """
        with self._writing:
            shown = self.corpus(team_id).get(quote_id)
            if shown is None or shown.origin != "file":
                return None
            return self._uncorrected.get((self.key(team_id), shown.id), shown)

    def catch_up(self, store: Store) -> bool:
        """Apply the changes made since the last look (by any instance); True if any."""
        with self._writing:
            changes = store.book.changes_since(self.seq)
            if changes.seq <= self.seq:
                return False
            self._apply(changes)
            return bool(changes.quotes or changes.hidden or changes.corrections)

    def replace_files(self, files: Corpus) -> None:
        """The quote files changed: every workspace's collection is made on the new ones."""
        with self._writing:
            self._taken_out, self._uncorrected = {}, {}
            if not self._per_workspace:
                self._adopt(files)
                return
            self._files = files
            for key in list(self._corpora):
                self._corpora[key] = self._build(key)

    # ----- applying changes (under the write lock) -----------------------------------------

    def _apply(self, changes: Changes) -> None:
        touched = {row.team_id for row in changes.quotes} | {r.team_id for r in changes.hidden}
        touched |= {row.team_id for row in changes.corrections}
        new_keys = {key for key in touched if key not in self._corpora}
        for row in changes.quotes:
            try:
                self._note_quote(row, in_place=row.team_id not in new_keys)
            except Exception:  # one bad row must not stop every later change
                log.exception("quote %s of the quote book could not be applied", row.id)
        for hidden in changes.hidden:
            try:
                self._note_hidden(hidden, in_place=hidden.team_id not in new_keys)
            except Exception:
                log.exception("hiding quote %s could not be applied", hidden.quote_id)
        for correction in changes.corrections:
            try:
                self._note_correction(correction, in_place=correction.team_id not in new_keys)
            except Exception:
                log.exception("correcting quote %s could not be applied", correction.quote_id)
        for key in new_keys:
            if self._books.get(key) or self._hidden.get(key) or self._corrections.get(key):
                self._corpora[key] = self._build(key)
        self.seq = changes.seq

    def _note_quote(self, row: BookRow, *, in_place: bool) -> None:
        book = self._books.setdefault(row.team_id, {})
        was_live = row.id in book
        corpus = self._corpora.get(row.team_id) if in_place else None
        if row.status in LIVE:
            quote = to_quote(row)
            book[row.id] = quote
            if corpus is None:
                return
            if was_live:
                corpus.replace(quote)
            else:
                if corpus.get(quote.id) is not None:  # a file's marker took the ID: ours wins
                    corpus.remove(quote.id)
                corpus.add(quote)
        elif was_live:
            del book[row.id]
            if corpus is not None:
                corpus.remove(row.id)

    def _note_hidden(self, row: HiddenRow, *, in_place: bool) -> None:
        hidden = self._hidden.setdefault(row.team_id, {})
        corpus = self._corpora.get(row.team_id) if in_place else None
        if row.hidden:
            hidden[row.quote_id] = row
            if corpus is not None:
                self._take_out(row.team_id, corpus, row)
        elif hidden.pop(row.quote_id, None) is not None and corpus is not None:
            quote = self._taken_out.pop((row.team_id, row.quote_id), None)
            if quote is not None and corpus.get(quote.id) is None:
                corpus.add(quote)
                fix = self._corrections.get(row.team_id, {}).get(quote.id)
                if fix is not None:  # corrected while it was hidden
                    self._correct(row.team_id, corpus, fix)

    def _note_correction(self, row: CorrectionRow, *, in_place: bool) -> None:
        self._corrections.setdefault(row.team_id, {})[row.quote_id] = row
        corpus = self._corpora.get(row.team_id) if in_place else None
        if corpus is not None:
            self._correct(row.team_id, corpus, row)

    def _correct(self, key: str, corpus: Corpus, row: CorrectionRow) -> None:
        """Show a file quote corrected, where its file still says what was corrected."""
        shown = corpus.get(row.quote_id) or corpus.get(row.alias)
        if shown is None:
            return
        original = self._uncorrected.get((key, shown.id), shown)
        fixed = corrected(original, row)
        corpus.replace(fixed or original)  # a correction with nothing left: the file's
        self._uncorrected[(key, shown.id)] = original

    def _take_out(self, key: str, corpus: Corpus, row: HiddenRow) -> None:
        """Take a hidden file quote out (by ID, or by its text if its ID changed)."""
        quote = corpus.get(row.quote_id) or corpus.get(row.alias)
        if quote is not None and quote.origin == "file":
            corpus.remove(quote.id)
            self._taken_out[(key, row.quote_id)] = quote

    def _adopt(self, files: Corpus) -> None:
        """One workspace: the new files' corpus becomes the collection, with the book in it."""
        for row in self._hidden.get("", {}).values():
            self._take_out("", files, row)
        for correction in self._corrections.get("", {}).values():
            self._correct("", files, correction)
        for quote in self._books.get("", {}).values():
            if files.get(quote.id) is not None:  # a file's marker took the ID: ours wins
                files.remove(quote.id)
            files.add(quote)
        self._files = self._corpora[""] = files

    def _build(self, key: str) -> Corpus:
        """A workspace's own collection: the files, less what it hid, corrected where it
        corrected them, plus its book."""
        book = self._books.get(key, {})
        hidden = self._hidden.get(key, {})
        by_alias = {row.alias: row for row in hidden.values()}
        fixes = self._corrections.get(key, {})
        fixes_by_alias = {row.alias: row for row in fixes.values()}
        quotes = []
        for quote in self._files:
            row = hidden.get(quote.id) or by_alias.get(quote.alias)
            if row is not None:
                self._taken_out[(key, row.quote_id)] = quote
            elif quote.id not in book:
                found = correction_for(quote, fixes, fixes_by_alias) if fixes else None
                if found is not None:
                    self._uncorrected[(key, quote.id)] = quote
                quotes.append(found[1] if found else quote)
        return Corpus([*quotes, *book.values()])
