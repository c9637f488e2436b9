"""A folder of quote pages kept loaded: re-read what changed, keep what broke.

`CorpusFolder` remembers each file's last good parse by its size and modification
time, so a refresh after one page was edited parses that page alone. A page that
now fails to parse (bad front matter, bytes that are not UTF-8) keeps its last good
version loaded, and says so once; a page that is gone takes its quotes with it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.corpus.load import LoadResult, collect, quote_files
from bot.corpus.model import Page, Problem
from bot.corpus.parse import parse_page

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Seen:
    stamp: tuple[int, int]  # (size, modification time in ns): a change re-reads the file
    page: Page  # the last good parse
    broken: tuple[Problem, ...] = ()  # what is wrong with the file now, if it broke since


class CorpusFolder:
    """The pages below `root`, parsed once each and again only when they change."""

    def __init__(
        self, root: Path, *, settle: float = 2.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.root = Path(root)
        # A file written in the last `settle` seconds may be half-saved: it is read at a
        # later look, once it has stayed still (the first load reads everything).
        self._settle, self._clock = settle, clock
        self._result: LoadResult | None = None
        self._base = self.root.parent if self.root.is_file() else self.root
        self._files: dict[Path, _Seen] = {}
        self.parsed = 0  # pages parsed so far: what a refresh cost
        self._loaded = False

    def load(self) -> LoadResult:
        """Read every page, logging each problem; later `refresh`es re-read what changed."""
        self.refresh()
        result = self.result()
        for problem in result.problems:
            _log(problem)
        self._loaded = True
        return result

    def refresh(self, *, now_please: bool = False) -> bool:
        """Look at every file's size and time; parse the new and changed ones.

        True when the collection may have changed (a page added, changed or removed).
        `now_please` (an operator's SIGHUP) reads files just written too.
        """
        changed = False
        present = set()
        now = self._clock()
        for path in quote_files(self.root):
            present.add(path)
            try:
                stat = path.stat()
            except OSError:
                continue  # removed between the listing and now
            stamp = (stat.st_size, stat.st_mtime_ns)
            seen = self._files.get(path)
            if seen is not None and seen.stamp == stamp:
                continue
            if self._loaded and not now_please and now - stat.st_mtime < self._settle:
                continue  # still being written, perhaps: the next look reads it
            changed |= self._read(path, stamp, seen)
            self._result = None  # its problems changed, at least
        for gone in set(self._files) - present:
            del self._files[gone]
            log.info("%s: gone; its quotes are no longer shown", self._name(gone))
            changed = True
            self._result = None
        return changed

    def result(self) -> LoadResult:
        """The corpus of every file's last good page, in the folder's order (built once
        per change)."""
        if self._result is None:
            pages = [self._files[path].page for path in sorted(self._files)]
            broken = [problem for seen in self._files.values() for problem in seen.broken]
            result = collect(pages)
            self._result = LoadResult(result.corpus, tuple(broken) + result.problems)
        return self._result

    def _read(self, path: Path, stamp: tuple[int, int], seen: _Seen | None) -> bool:
        name = self._name(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            problem = Problem(name, 1, f"cannot be read: {error.strerror or error}")
            return self._broken(path, stamp, seen, (problem,))
        page = parse_page(data, name)
        self.parsed += 1
        errors = tuple(p for p in page.problems if p.severity == "error")
        if errors and seen is not None and not page.quotes:
            return self._broken(path, stamp, seen, errors)
        self._files[path] = _Seen(stamp, page)
        if self._loaded:  # the first load logs every problem at once
            for problem in page.problems:
                _log(problem)
            log.info("%s: %s; %d quotes", name, "changed" if seen else "new", len(page.quotes))
        return True

    def _broken(
        self, path: Path, stamp: tuple[int, int], seen: _Seen | None,
        problems: tuple[Problem, ...],
    ) -> bool:  # fmt: skip
        if seen is None:  # never read well: nothing to keep, the problem is reported
            self._files[path] = _Seen(stamp, Page((), problems))
            if self._loaded:
                for problem in problems:
                    _log(problem)
            return True
        log.error("%s; the last good version stays loaded until the file is fixed", problems[0])
        self._files[path] = _Seen(stamp, seen.page, problems)
        return False

    def _name(self, path: Path) -> str:
        return path.relative_to(self._base).as_posix()


def _log(problem: Problem) -> None:
    log.log(logging.ERROR if problem.severity == "error" else logging.WARNING, "%s", problem)
