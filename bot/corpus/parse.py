"""Read one quote page: YAML front matter, then Markdown with topics and blockquotes.

A page looks like this::

    ---
    title: Andrej Karpathy on No Priors 80
    ref: https://www.youtube.com/watch?v=hM_h0UA7upI
    tags: quote
    ---
    Quoting Andrej Karpathy from [No Priors #80](https://www.youtube.com/watch?v=hM_h0UA7upI).

    #### Robotics

    Tesla is a robotics company:
    > Tesla, I don't think it's a car company. ...

Every heading starts a topic, each blockquote is one quote, and the paragraph just
before a run of blockquotes is their lead-in. The parser is a small line-by-line
state machine rather than a full Markdown parser: these pages use a handful of
constructs, and line numbers for every quote matter more than full CommonMark.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import frontmatter
import yaml

from bot.corpus.model import Page, Problem, Quote, quote_id

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_BLOCKQUOTE = re.compile(r"^ {0,3}>[ \t]?(.*)$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_RULE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_HTML_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"\w", re.UNICODE)

# "Quoting Andrej Karpathy from [No Priors #80](https://...)."
_INTRO_NAMED = re.compile(
    r"^Quoting\s+(?P<name>[^\[\]]+?)\s+(?:from|on)\s+\[(?P<source>[^\]]+)\]\((?P<url>[^)\s]+)\)"
)
# "Quoting [Simon Willison](https://...):"
_INTRO_LINKED = re.compile(r"^Quoting\s+\[(?P<name>[^\]]+)\]\((?P<url>[^)\s]+)\)")
# "Andrej Karpathy on No Priors 80"
_TITLE = re.compile(r"^(?P<name>.+?)\s+on\s+(?P<source>.+)$")

_YAML = frontmatter.YAMLHandler()


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who said the quotes on a page, where, and the link to it."""

    speaker: str | None = None
    source: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class _Block:
    """A blockquote being read: its first line and its paragraphs so far."""

    line: int
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])


@dataclass(frozen=True, slots=True)
class _RawQuote:
    line: int
    text: str
    lead_in: str | None
    topic: str | None


def parse_page(data: bytes | str, file: str) -> Page:
    """Parse one quote page; `file` is the name used in quotes and problem reports.

    Never raises for bad content: a page that cannot be read yields no quotes and an
    error naming the file and line, so one broken page never takes the others down.
    """
    text, problem = _decode(data, file)
    if problem:
        return Page(problems=(problem,))
    if not text.strip():
        empty = Problem(file, 1, "empty file: no front matter, no quotes", "warning")
        return Page(problems=(empty,))

    meta, body, body_line, problem = _split_front_matter(text, file)
    if problem:
        return Page(problems=(problem,))

    problems: list[Problem] = []
    raw_quotes = list(_blockquotes(body.splitlines(), first_line=body_line))
    attribution = _attribution(meta, _intro_line(body), file, problems)
    quotes = [
        Quote(
            id=quote_id(raw.text),
            text=raw.text,
            speaker=attribution.speaker,
            source=attribution.source,
            url=attribution.url,
            topic=raw.topic,
            lead_in=raw.lead_in,
            tags=attribution.tags,
            file=file,
            line=raw.line,
        )
        for raw in raw_quotes
    ]
    if not quotes:
        problems.append(Problem(file, 1, "no quotes: the page has no '>' blockquote", "warning"))
    return Page(quotes=tuple(quotes), problems=tuple(problems))


def _decode(data: bytes | str, file: str) -> tuple[str, Problem | None]:
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), None
    # Strip the byte order mark ourselves: "utf-8-sig" would report error offsets
    # counted after it, pointing at the wrong byte and, at a line start, the wrong line.
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        message = f"not UTF-8: byte 0x{byte:02x} cannot be decoded; save the file as UTF-8"
        return "", Problem(file, line, message)


def _split_front_matter(text: str, file: str) -> tuple[Mapping[str, Any], str, int, Problem | None]:
    """Return (metadata, body, line number of the body's first line, problem)."""
    if not _YAML.detect(text):
        return {}, text, 1, None
    try:
        raw_meta, body = _YAML.split(text)
    except ValueError:
        return {}, "", 1, Problem(file, 1, "front matter is not closed: add a '---' line after it")
    # The body starts after the closing '---': count the lines that come before it.
    body_line = text[: len(text) - len(body)].count("\n") + 1
    try:
        meta = _YAML.load(raw_meta)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        # The YAML text starts with the rest of the opening '---' line (empty), so its
        # 0-based line numbers are already the file's line numbers minus one.
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error)
        return {}, "", 1, Problem(file, line, f"front matter is not valid YAML: {reason}")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return {}, "", 1, Problem(file, 2, "front matter must be a mapping of keys to values")
    return meta, body, body_line, None


def _intro_line(body: str) -> str | None:
    for line in body.splitlines():
        if line.strip().startswith("Quoting "):
            return line.strip()
    return None


def _attribution(
    meta: Mapping[str, Any], intro: str | None, file: str, problems: list[Problem]
) -> Attribution:
    title = _text_field(meta, "title", file, problems)
    speaker = _text_field(meta, "speaker", file, problems) or _text_field(
        meta, "author", file, problems
    )
    url = _text_field(meta, "ref", file, problems)
    source = None

    named = _INTRO_NAMED.match(intro) if intro else None
    linked = _INTRO_LINKED.match(intro) if intro and not named else None
    titled = _TITLE.match(title) if title else None
    if named:
        speaker = speaker or named["name"].strip()
        source = named["source"].strip()
        url = url or named["url"]
    elif linked:
        speaker = speaker or linked["name"].strip()
        url = url or linked["url"]
    if titled:
        speaker = speaker or titled["name"].strip()
        source = source or titled["source"].strip()
    source = source or title
    return Attribution(
        speaker=_clean(speaker),
        source=_clean(source),
        url=url,
        tags=_tags(meta.get("tags")),
    )


def _text_field(
    meta: Mapping[str, Any], key: str, file: str, problems: list[Problem]
) -> str | None:
    value = meta.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str | int | float):
        return str(value).strip() or None
    message = f"front matter '{key}' should be text, got {value!r}; ignored"
    problems.append(Problem(file, 1, message, "warning"))
    return None


def _tags(value: Any) -> tuple[str, ...]:
    """Tags may be a list, a comma-separated string, a single word, or empty."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    tags = (str(item).strip() for item in items if item is not None)
    return tuple(dict.fromkeys(tag for tag in tags if tag))


def _clean(text: str | None) -> str | None:
    return html.unescape(text).strip() if text else None


def _blockquotes(lines: list[str], *, first_line: int) -> Iterator[_RawQuote]:
    """Yield every blockquote with its topic and lead-in, in page order."""
    topic: str | None = None
    paragraph: list[str] = []  # the paragraph being read, outside quotes
    last_paragraph: str | None = None  # the paragraph just before the current position
    lead_in: str | None = None  # lead-in of the current run of blockquotes
    in_run = False  # only blockquotes and blank lines since the run's first quote
    block: _Block | None = None
    in_fence = False

    def finish_block() -> Iterator[_RawQuote]:
        nonlocal block
        if block is not None:
            text = _quote_text(block.paragraphs)
            if text is not None:
                yield _RawQuote(block.line, text, lead_in, topic)
            block = None

    def finish_paragraph() -> None:
        nonlocal paragraph, last_paragraph
        if paragraph:
            last_paragraph = " ".join(paragraph)
            paragraph = []

    for number, line in enumerate(lines, start=first_line):
        if in_fence:
            in_fence = not _FENCE.match(line)
            continue
        stripped = line.strip()
        # Most lines start with '>' at the margin or are blank: test those without a regex.
        quoted = stripped.startswith(">") and (line[0] == ">" or _BLOCKQUOTE.match(line))
        if quoted:
            if block is None:
                finish_paragraph()
                if not in_run:
                    lead_in = _lead_in(last_paragraph)
                    in_run = True
                block = _Block(number)
                last_paragraph = None
            content = stripped[1:].strip()
            if content:
                block.paragraphs[-1].append(content)
            elif block.paragraphs[-1]:
                block.paragraphs.append([])  # a bare '>' line separates paragraphs
            continue
        if not stripped:
            yield from finish_block()
            finish_paragraph()
            continue
        if block is not None and block.paragraphs[-1] and not _starts_block(line):
            block.paragraphs[-1].append(line.strip())  # lazy continuation of a quote
            continue
        # Anything else ends the quote and the run of quotes.
        yield from finish_block()
        in_run = False
        heading = _HEADING.match(line)
        if heading:
            finish_paragraph()
            topic = _clean(heading.group(2)) if heading.group(2) else None
            last_paragraph = None
        elif _FENCE.match(line):
            finish_paragraph()
            in_fence, last_paragraph = True, None
        elif _RULE.match(line):
            finish_paragraph()
            last_paragraph = None
        else:
            paragraph.append(line.strip())
    yield from finish_block()


def _starts_block(line: str) -> bool:
    return bool(_HEADING.match(line) or _FENCE.match(line) or _RULE.match(line))


def _quote_text(paragraphs: list[list[str]]) -> str | None:
    """Join a blockquote's lines; None when it has no words (only an image, say)."""
    text = "\n\n".join(" ".join(lines) for lines in paragraphs if lines)
    text = html.unescape(text).strip()
    words_only = _HTML_TAG.sub(" ", _IMAGE.sub(" ", text)) if "![" in text or "<" in text else text
    return text if _WORD.search(words_only) else None


def _lead_in(paragraph: str | None) -> str | None:
    # The intro line ("Quoting NAME from [SOURCE](url)") attributes the page's quotes;
    # it is not a lead-in even when a quote follows it directly.
    if not paragraph or _INTRO_NAMED.match(paragraph) or _INTRO_LINKED.match(paragraph):
        return None
    text = html.unescape(paragraph).strip().removesuffix(":").strip()
    return text or None
