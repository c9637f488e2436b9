"""Load a folder of quote pages into one corpus, reporting every problem on the way."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.corpus.collection import Corpus
from bot.corpus.model import Page, Problem, Quote
from bot.corpus.parse import parse_page

log = logging.getLogger(__name__)

SUFFIXES = (".md", ".markdown")


class CorpusError(Exception):
    """The corpus cannot be loaded at all (its folder is missing, say)."""


@dataclass(frozen=True, slots=True)
class LoadResult:
    corpus: Corpus
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


def shipped_corpus() -> Path:
    """The quotes that ship inside the package, used when no corpus is configured."""
    return Path(str(resources.files("bot.data")))


def quote_files(root: Path) -> list[Path]:
    """Every quote page below `root` (or `root` itself when it is a file), in a stable order."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise CorpusError(f"{root}: corpus folder not found")
    return sorted(
        path
        for path in root.rglob("*")
        if path.suffix.lower() in SUFFIXES and path.is_file() and not path.name.startswith(".")
    )


def load_corpus(root: Path, *, log_problems: bool = True) -> LoadResult:
    """Read every page below `root`; a broken page is reported and skipped, never fatal.

    Each problem is also logged, unless the caller shows them itself (`log_problems`).
    """
    root = Path(root)
    base = root.parent if root.is_file() else root
    pages: list[Page] = []
    for path in quote_files(root):
        name = path.relative_to(base).as_posix()
        try:
            data = path.read_bytes()
        except OSError as error:
            pages.append(
                Page((), (Problem(name, 1, f"cannot be read: {error.strerror or error}"),))
            )
            continue
        pages.append(parse_page(data, name))
    result = collect(pages)
    for problem in result.problems if log_problems else ():
        log.log(logging.ERROR if problem.severity == "error" else logging.WARNING, "%s", problem)
    return result


def collect(pages: Iterable[Page]) -> LoadResult:
    """One corpus from parsed pages, in their order; a quote twice is kept the first time."""
    quotes: list[Quote] = []
    problems: list[Problem] = []
    first_seen: dict[str, Quote] = {}
    for page in pages:
        problems.extend(page.problems)
        for quote in page.quotes:
            earlier = first_seen.get(quote.id)
            if earlier is not None:
                where = f"{earlier.file}:{earlier.line}"
                problems.append(
                    Problem(
                        quote.file,
                        quote.line,
                        f"duplicate quote: same text as {where}; skipped",
                        "warning",
                    )
                )
                continue
            first_seen[quote.id] = quote
            quotes.append(quote)
    return LoadResult(Corpus(quotes), tuple(problems))
