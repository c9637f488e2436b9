"""Load a folder of quote pages into one corpus, reporting every problem on the way.

Every quote gets an ID no other quote in the corpus has, the same on every machine
and at every load of the same folder, with no database:

1. A quote whose text is already in the corpus (case, punctuation, spaces aside) is
   reported and skipped; the first one is kept.
2. IDs from markers (`<!-- quote 7KQ2M -->`) are taken first, in page order; a second
   quote with the same marker is reported, naming both places, and is treated as
   having no marker.
3. Then each other quote, in page order, takes the 6-character ID derived from its
   text's digest (`7KQ2MX`); if that is taken, the 8-character form of the same digest
   (`7KQ2MXAB`, which starts with the short one); if that is taken too, the 8-character
   ID of the digest followed by a counter (1, 2, ...), the first that is free.

So a quote keeps its ID while its text is unchanged, or whatever happens to its
text once its page carries a marker (`quotebot ids` writes them). Without markers,
a new quote whose short ID collides with an older one's, placed before it in page
order, takes that ID from it. Six characters make that rare (about one folder in 100
at 4,000 quotes; a handful of quotes at 100,000); markers make it impossible.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.corpus.collection import Corpus
from bot.corpus.model import LONG, Page, Problem, Quote, Span, legacy_id, short_id, text_digest
from bot.corpus.parse import parse_page

log = logging.getLogger(__name__)

SUFFIXES = (".md", ".markdown")


class CorpusError(Exception):
    """The corpus cannot be loaded at all (its folder is missing, say)."""


@dataclass(frozen=True, slots=True)
class LoadResult:
    corpus: Corpus
    problems: tuple[Problem, ...]
    drafts: int = 0  # pages skipped for their `draft: true`

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


@dataclass(frozen=True, slots=True)
class PageFile:
    """One quote page as read: its path, its name in quotes and problems, bytes, parse."""

    path: Path
    name: str
    data: bytes | None  # None when the file cannot be read
    page: Page


def read_pages(root: Path) -> Iterator[PageFile]:
    """Each page below `root`, read and parsed, in a stable order."""
    root = Path(root)
    base = root.parent if root.is_file() else root
    for path in quote_files(root):
        name = path.relative_to(base).as_posix()
        try:
            data = path.read_bytes()
        except OSError as error:
            problem = Problem(name, 1, f"cannot be read: {error.strerror or error}")
            yield PageFile(path, name, None, Page((), (problem,)))
            continue
        yield PageFile(path, name, data, parse_page(data, name))


def load_corpus(root: Path, *, log_problems: bool = True) -> LoadResult:
    """Read every page below `root`; a broken page is reported and skipped, never fatal.

    Each problem is also logged, unless the caller shows them itself (`log_problems`).
    """
    result = collect(file.page for file in read_pages(root))
    for problem in result.problems if log_problems else ():
        log.log(logging.ERROR if problem.severity == "error" else logging.WARNING, "%s", problem)
    return result


def collect(pages: Iterable[Page]) -> LoadResult:
    """One corpus from parsed pages, in their order, each quote with an ID of its own.

    A quote twice is kept the first time; the module docstring gives the ID rule.
    """
    kept: list[tuple[Quote, Span | None]] = []
    problems: list[Problem] = []
    first_seen: dict[str, Quote] = {}  # alias (the text's digest) -> the quote kept
    drafts = 0
    for page in pages:
        problems.extend(page.problems)
        drafts += page.draft
        spans: Sequence[Span | None] = page.spans or (None,) * len(page.quotes)
        for quote, span in zip(page.quotes, spans, strict=True):
            text_key = quote.alias or legacy_id(quote.text)
            earlier = first_seen.get(text_key)
            if earlier is not None:
                where = f"{earlier.file}:{earlier.line}"
                message = f"duplicate quote: same text as {where}; skipped"
                problems.append(Problem(quote.file, quote.line, message, "warning"))
                continue
            first_seen[text_key] = quote
            kept.append((quote, span))

    taken: dict[str, Quote] = {}  # ID -> the quote that has it
    for quote, span in kept:
        if not quote.marked:
            continue
        holder = taken.setdefault(quote.id, quote)
        if holder is not quote:
            line = span.marker if span is not None and span.marker is not None else quote.line
            message = (
                f"quote marker {quote.id} is already the ID of the quote at "
                f"{holder.file}:{holder.line}; this one gets an ID from its text"
            )
            problems.append(Problem(quote.file, line, message, "warning"))
    quotes: list[Quote] = []
    for quote, _ in kept:
        if quote.marked and taken[quote.id] is quote:
            quotes.append(quote)
        elif not quote.marked and quote.id not in taken:  # nearly always: its short ID
            taken[quote.id] = quote
            quotes.append(quote)
        else:
            free = _free_id(text_digest(quote.text), taken)
            quotes.append(dataclasses.replace(quote, id=free, marked=False))
            taken[free] = quotes[-1]
    return LoadResult(Corpus(quotes), tuple(problems), drafts)


def _free_id(digest: bytes, taken: dict[str, Quote]) -> str:
    """The first free ID of: the short form, the long form, then digest + 1, 2, ..."""
    counted = (
        short_id(hashlib.sha256(digest + str(count).encode()).digest(), LONG)
        for count in itertools.count(1)
    )
    candidates = itertools.chain([short_id(digest), short_id(digest, LONG)], counted)
    return next(candidate for candidate in candidates if candidate not in taken)
