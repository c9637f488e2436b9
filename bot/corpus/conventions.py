"""Front matter as static site generators write it, so an existing site's quotes load.

The shipped format is YAML front matter between `---` lines. Pages of a Hugo, Jekyll or
Eleventy site may instead have:

- TOML front matter between `+++` lines (Hugo), read with `tomllib`;
- `draft: true`: the page is skipped, no quotes and no warning, as the site skips it;
- synonyms for the keys quotebot reads: the speaker is `speaker`, else `author`, else
  `cite` (a `cite` that is a URL is the link instead); the link is `ref`, else `link`,
  else `url`; `tags`, `categories` and `topics` are merged into the quotes' tags. `link`
  and `url` count only when absolute (`https://...`): Hugo's `url: /quotes/x/` is the
  page's own address, not where the quote comes from;
- no blockquote at all, the quote kept elsewhere (`standalone`):
  1. a `quote:` key holds its text; the source is `source:`, else the whole title;
  2. else, with an `author:` or `cite:` key and a body, the body is the quote. Its
     source is `source:` only: on these sites the title is a label ("On failure",
     "Quote #12") far more often than where the words come from;
  3. else, with an `author:` or `cite:` key and an empty body, the title is the quote
     (one-line quote pages whose body a layout fills in); its source is `source:` only.

  These quotes' line is the key's line (1, 3) or the body's first line (2). Whole-line
  HTML comments in a body (Hugo's `<!--more-->`) are not part of the quote.

This module reads front matter; `bot.corpus.parse` reads the Markdown around it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import frontmatter
import yaml

from bot.corpus.model import Problem

_YAML = frontmatter.YAMLHandler()
# libyaml's safe loader when PyYAML has it (its wheels do): a few times faster than the
# pure-Python one, which was a fifth of loading 100,000 quotes.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TOML_FENCE = re.compile(r"^\+{3}[ \t]*$")
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S")
_COMMENT = re.compile(r"^[ \t]*<!--.*-->[ \t]*$")

SPEAKER_KEYS = ("speaker", "author", "cite")
LINK_KEYS = ("ref", "link", "url")
TAG_KEYS = ("tags", "categories", "topics")


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A page split in two: its metadata and its Markdown body."""

    meta: Mapping[str, Any]
    body: str
    body_line: int  # the file's line number of the body's first line
    raw: str = ""  # the metadata as written, for `key_line`
    raw_line: int = 1  # the file's line number of `raw`'s first line
    syntax: Literal["yaml", "toml", ""] = ""

    def key_line(self, key: str) -> int:
        """The line of a top-level key in the file; the page's first line if not found."""
        found = re.search(rf"^[\"']?{re.escape(key)}[\"']?[ \t]*[:=]", self.raw, re.MULTILINE)
        if found is None:
            return 1
        return self.raw_line + self.raw.count("\n", 0, found.start())


@dataclass(frozen=True, slots=True)
class Standalone:
    """A page's one quote found outside any blockquote, with all its attribution."""

    lines: tuple[str, ...]  # its text's lines, read as a blockquote's would be
    line: int
    speaker: str | None
    source: str | None
    url: str | None


def split(text: str, file: str) -> tuple[FrontMatter, Problem | None]:
    """The page's front matter (YAML, TOML or none) and body, or the problem reading it."""
    if text.startswith("+++") and _TOML_FENCE.match(text.partition("\n")[0].rstrip("\r")):
        return _split_toml(text, file)
    if not _YAML.detect(text):
        return FrontMatter({}, text, 1), None
    failed = FrontMatter({}, "", 1)
    try:
        raw_meta, body = _YAML.split(text)
    except ValueError:
        return failed, Problem(file, 1, "front matter is not closed: add a '---' line after it")
    # The body starts after the closing '---': count the lines that come before it.
    body_line = text[: len(text) - len(body)].count("\n") + 1
    try:
        meta = yaml.load(raw_meta, Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        # The YAML text starts with the rest of the opening '---' line (empty), so its
        # 0-based line numbers are already the file's line numbers minus one.
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error)
        return failed, Problem(file, line, f"front matter is not valid YAML: {reason}")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return failed, Problem(file, 2, "front matter must be a mapping of keys to values")
    return FrontMatter(meta, body, body_line, raw_meta, 1, "yaml"), None


def _split_toml(text: str, file: str) -> tuple[FrontMatter, Problem | None]:
    failed = FrontMatter({}, "", 1)
    lines = text.splitlines(keepends=True)
    close = next((n for n in range(1, len(lines)) if _TOML_FENCE.match(lines[n].rstrip())), None)
    if close is None:
        return failed, Problem(file, 1, "front matter is not closed: add a '+++' line after it")
    raw = "".join(lines[1:close])
    try:
        meta = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        reason = message[: position.start()] if position else message
        # tomllib counts from the line after the opening '+++', the file's line 2.
        if position and position[1]:
            line = int(position[1]) + 1
            reason = f"{reason} (column {position[2]})"
        else:  # "at end of document": the last line before the closing '+++'
            line = max(close, 2)
        return failed, Problem(file, line, f"front matter is not valid TOML: {reason}")
    body = "".join(lines[close + 1 :])
    return FrontMatter(meta, body, close + 2, raw, 2, "toml"), None


def is_draft(meta: Mapping[str, Any]) -> bool:
    """`draft: true`, as Hugo, Jekyll and Eleventy read it (a string "true" too)."""
    draft = meta.get("draft")
    return draft is True or (isinstance(draft, str) and draft.strip().lower() == "true")


def text_field(front: FrontMatter, key: str, file: str, problems: list[Problem]) -> str | None:
    """A key's value as text, None when absent or empty; a list or a date is reported."""
    value = front.meta.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip() or None
    message = f"front matter '{key}' should be text, got {value!r}; ignored"
    problems.append(Problem(file, front.key_line(key), message, "warning"))
    return None


def first_text(
    front: FrontMatter, keys: Iterable[str], file: str, problems: list[Problem]
) -> str | None:
    """The first of `keys` with text, in order; later keys are not looked at."""
    for key in keys:
        value = text_field(front, key, file, problems)
        if value:
            return value
    return None


def speaker(front: FrontMatter, file: str, problems: list[Problem]) -> str | None:
    """`speaker`, else `author`, else `cite` unless that is a URL (then it is the link)."""
    found = first_text(front, SPEAKER_KEYS[:2], file, problems)
    if found:
        return found
    cite = text_field(front, "cite", file, problems)
    return None if cite is None or _ABSOLUTE.match(cite) else cite


def link(front: FrontMatter, file: str, problems: list[Problem]) -> str | None:
    """`ref`, else an absolute `link` or `url`, else a `cite` that is a URL."""
    ref = text_field(front, "ref", file, problems)
    if ref:
        return ref
    for key in ("link", "url", "cite"):
        value = text_field(front, key, file, problems)
        if value and _ABSOLUTE.match(value):
            return value
    return None


def tags(meta: Mapping[str, Any]) -> tuple[str, ...]:
    """`tags`, `categories` and `topics` merged, in that order, each tag once."""
    found: list[str] = []
    for key in TAG_KEYS:
        found.extend(tag_list(meta.get(key)))
    return tuple(dict.fromkeys(found))


def tag_list(value: Any) -> tuple[str, ...]:
    """Tags may be a list, a comma-separated string, a single word, or empty."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    tags = (str(item).strip() for item in items if item is not None)
    return tuple(dict.fromkeys(tag for tag in tags if tag))


def standalone(front: FrontMatter, file: str, problems: list[Problem]) -> Standalone | None:
    """The quote of a page with no blockquote, if its front matter says where it is."""
    meta = front.meta
    if not meta:
        return None
    quote = meta.get("quote")
    if quote is not None and quote != "":
        if isinstance(quote, bool) or not isinstance(quote, str | int | float):
            message = f"front matter 'quote' should be text, got {quote!r}; ignored"
            problems.append(Problem(file, front.key_line("quote"), message, "warning"))
            return None
        source = first_text(front, ("source", "title"), file, problems)
        return Standalone(
            tuple(str(quote).splitlines()),
            front.key_line("quote"),
            speaker(front, file, problems),
            source,
            link(front, file, problems),
        )
    if not any(meta.get(key) not in (None, "") for key in ("author", "cite")):
        return None
    numbered = [
        (number, line)
        for number, line in enumerate(front.body.splitlines(), start=front.body_line)
        if not _COMMENT.match(line)
    ]
    start = next((index for index, (_, line) in enumerate(numbered) if line.strip()), None)
    if start is not None:
        lines, line = tuple(text for _, text in numbered[start:]), numbered[start][0]
    else:
        title = text_field(front, "title", file, problems)
        if title is None:
            return None
        lines, line = (title,), front.key_line("title")
    return Standalone(
        lines,
        line,
        speaker(front, file, problems),
        text_field(front, "source", file, problems),
        link(front, file, problems),
    )
