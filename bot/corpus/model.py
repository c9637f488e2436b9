"""The records the corpus is made of: quotes, topics and the problems found loading them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.ids import from_digest

_NON_WORD = re.compile(r"[\W_]+")
# For ASCII text: every byte that is not a letter or a digit becomes a space.
_ASCII_NON_WORD = bytes(c if c < 128 and chr(c).isalnum() else 0x20 for c in range(256))

# A quote's ID from its text: `7KQ2MX`. Six letters of 30: two quotes of a folder share
# one about once in 100 folders of 4,000 quotes, and 7 times at 100,000 (then see load).
SHORT = 6
LONG = 8  # the same, when another quote has the short one: `7KQ2MXAB`


def text_digest(text: str) -> bytes:
    """The SHA-256 of a quote's normalised text: what its IDs are made from.

    Case, punctuation and white space are ignored, so re-wrapping a quote or fixing a
    comma keeps its IDs, and they never depend on where the quote sits in its file.
    """
    if text.isascii():
        # The same normal form as the regex below, a few times faster; loading 100,000
        # quotes makes 100,000 digests, and most quote text is plain ASCII.
        normalised = b" ".join(text.lower().encode("ascii").translate(_ASCII_NON_WORD).split())
    else:
        normalised = _NON_WORD.sub(" ", text.casefold()).strip().encode("utf-8")
    return hashlib.sha256(normalised).digest()


def legacy_id(text: str) -> str:
    """The 12-hex id quotes had before short IDs (`Quote.alias`), still accepted by `get`.

    Databases and buttons already posted in Slack hold these.
    """
    return text_digest(text)[:6].hex()


quote_id = legacy_id  # the old name of `legacy_id`, kept for callers not yet renamed


def short_id(digest: bytes, length: int = SHORT) -> str:
    """A quote's ID from its text digest; the long form starts with the short one."""
    return from_digest(digest, length)


@dataclass(frozen=True, slots=True)
class Quote:
    """One quote, with everything needed to show and attribute it.

    `id` is the short ID people type (`7KQ2M`); `alias` the 12-hex id of its text
    that older records hold. `marked` says the ID came from a marker in the page
    (`<!-- quote 7KQ2M -->`), so it stays whatever happens to the text.
    """

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
    alias: str = ""
    origin: Literal["file", "slack"] = "file"
    added_by: str | None = None  # a Slack user id (quotes saved in Slack)
    added_at: str | None = None  # ISO 8601, UTC
    marked: bool = False

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
class Span:
    """The lines of one quote in its page: where `quotebot ids` writes its marker."""

    line: int  # its first line (`Quote.line`)
    end: int  # its last line, a marker excluded
    marker: int | None = None  # the line of its marker, if it has one (good or not)


@dataclass(frozen=True, slots=True)
class Page:
    """What one quote file yields: its quotes and the problems found in it.

    `spans` has one entry per quote, in the same order (empty for a page made by hand,
    and for a page whose quote is not a blockquote: it has no place for a marker).
    `draft` says the page was skipped for its `draft: true`, as a site skips it.
    """

    quotes: tuple[Quote, ...] = ()
    problems: tuple[Problem, ...] = field(default=())
    spans: tuple[Span, ...] = ()
    draft: bool = False
