"""The records the corpus is made of: quotes, topics and the problems found loading them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

_NON_WORD = re.compile(r"[\W_]+")
# For ASCII text: every byte that is not a letter or a digit becomes a space.
_ASCII_NON_WORD = bytes(c if c < 128 and chr(c).isalnum() else 0x20 for c in range(256))


def quote_id(text: str) -> str:
    """A stable id for a quote, derived from its normalised text.

    Case, punctuation and white space are ignored, so re-wrapping a quote or fixing a
    comma keeps its id, and the id never depends on where the quote sits in its file.
    """
    if text.isascii():
        # The same normal form as the regex below, a few times faster; loading 100,000
        # quotes makes 100,000 ids, and most quote text is plain ASCII.
        normalised = b" ".join(text.lower().encode("ascii").translate(_ASCII_NON_WORD).split())
    else:
        normalised = _NON_WORD.sub(" ", text.casefold()).strip().encode("utf-8")
    return hashlib.sha256(normalised).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Quote:
    """One quote, with everything needed to show and attribute it."""

    id: str
    text: str
    speaker: str | None
    source: str | None
    url: str | None
    topic: str | None
    lead_in: str | None
    tags: tuple[str, ...]
    file: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        """The quote as plain JSON-ready data (the `quotebot export` record)."""
        data = asdict(self)
        data["tags"] = list(self.tags)
        return data


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic (a heading or a front-matter tag) and how many quotes it holds."""

    name: str
    count: int


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a quote file, located precisely enough to fix."""

    file: str
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message}"


@dataclass(frozen=True, slots=True)
class Page:
    """What one quote file yields: its quotes and the problems found in it."""

    quotes: tuple[Quote, ...] = ()
    problems: tuple[Problem, ...] = field(default=())
