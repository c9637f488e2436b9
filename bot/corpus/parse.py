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

A quote gets its ID from its text (see `bot.corpus.load` for how two alike are told
apart), unless the page gives it one with a marker, an HTML comment that rendered
Markdown does not show, on the line right after the blockquote or as its last line::

    > Tesla, I don't think it's a car company.
    <!-- quote 7KQ2M -->

    > Robots will build the robots.
    > <!-- quote K7Q2MAB -->

The marker (case and spaces as you like) is never part of the quote's text; its ID is
4 to 12 characters of `bot.ids.ALPHABET`. With a marker the ID survives any edit of
the text; `quotebot ids` writes one for every quote that lacks it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import frontmatter
import yaml

from bot.corpus.model import Page, Problem, Quote, Span, short_id, text_digest
from bot.ids import ALPHABET

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_BLOCKQUOTE = re.compile(r"^ {0,3}>[ \t]?(.*)$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_RULE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_HTML_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"\w", re.UNICODE)
# `<!-- quote 7KQ2M -->`; what follows `quote` is checked apart, so a bad ID is reported.
MARKER = re.compile(r"^[ \t]*<!--[ \t]*quote\b(?P<id>.*?)-->[ \t]*$", re.IGNORECASE)
MARKER_LENGTHS = range(4, 13)
_STRAY_MARKER = "quote marker not right after a blockquote; ignored"
_ID_LETTERS = frozenset(ALPHABET)

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
    """A blockquote being read: its first and last lines, its paragraphs so far, its marker."""

    line: int
    end: int
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])
    marker: str | None = None  # the marker's ID as written
    marker_line: int | None = None


@dataclass(frozen=True, slots=True)
class _RawQuote:
    line: int
    text: str
    lead_in: str | None
    topic: str | None
    end: int
    marker: str | None
    marker_line: int | None


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
    lines = body.splitlines()
    raw_quotes = list(_blockquotes(lines, first_line=body_line, file=file, problems=problems))
    attribution = _attribution(meta, _intro_line(body), file, problems)
    quotes = []
    for raw in raw_quotes:
        digest = text_digest(raw.text)  # once per quote: both of its IDs come from it
        marked = _marker_id(raw, file, problems)
        quotes.append(
            Quote(
                id=marked or short_id(digest),
                text=raw.text,
                speaker=attribution.speaker,
                source=attribution.source,
                url=attribution.url,
                topic=raw.topic,
                lead_in=raw.lead_in,
                tags=attribution.tags,
                file=file,
                line=raw.line,
                alias=digest[:6].hex(),
                marked=marked is not None,
            )
        )
    if not quotes:
        problems.append(Problem(file, 1, "no quotes: the page has no '>' blockquote", "warning"))
    spans = tuple(Span(raw.line, raw.end, raw.marker_line) for raw in raw_quotes)
    problems.sort(key=lambda problem: problem.line)  # stable: line 1's stay in their order
    return Page(quotes=tuple(quotes), problems=tuple(problems), spans=spans)


def _marker_id(raw: _RawQuote, file: str, problems: list[Problem]) -> str | None:
    """The ID a quote's marker gives it, or None (no marker, or a bad one: reported)."""
    if raw.marker is None or raw.marker_line is None:
        return None
    wanted = raw.marker.strip().upper()
    if len(wanted) in MARKER_LENGTHS and _ID_LETTERS.issuperset(wanted):
        return wanted
    shown = f"'{raw.marker.strip()}'" if raw.marker.strip() else "no ID"
    message = (
        f"quote marker with {shown}: an ID is {MARKER_LENGTHS.start} to "
        f"{MARKER_LENGTHS.stop - 1} of {ALPHABET}; the quote gets an ID from its text"
    )
    problems.append(Problem(file, raw.marker_line, message, "warning"))
    return None


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


def _blockquotes(
    lines: list[str], *, first_line: int, file: str, problems: list[Problem]
) -> Iterator[_RawQuote]:
    """Yield every blockquote with its topic, lead-in and marker, in page order."""
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
                yield _RawQuote(
                    block.line, text, lead_in, topic, block.end, block.marker, block.marker_line
                )
            elif block.marker_line is not None:  # `> <!-- quote ... -->` alone: no quote
                problems.append(Problem(file, block.marker_line, _STRAY_MARKER, "warning"))
            block = None

    def note_marker(found: re.Match[str], number: int) -> None:
        if block is None:  # a blank line (or a heading) came between it and any quote
            problems.append(Problem(file, number, _STRAY_MARKER, "warning"))
        elif block.marker_line is not None:
            where = f"line {block.marker_line}"
            message = f"a second quote marker for one quote (the first is on {where}); ignored"
            problems.append(Problem(file, number, message, "warning"))
        else:
            block.marker, block.marker_line = found["id"], number

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
                block = _Block(number, number)
                last_paragraph = None
            content = stripped[1:].strip()
            if content.startswith("<!--") and (found := MARKER.match(content)):
                note_marker(found, number)  # `> <!-- quote 7KQ2M -->`: not the quote's text
                continue
            block.end = number
            if content:
                block.paragraphs[-1].append(content)
            elif block.paragraphs[-1]:
                block.paragraphs.append([])  # a bare '>' line separates paragraphs
            continue
        if not stripped:
            yield from finish_block()
            finish_paragraph()
            continue
        if stripped.startswith("<!--") and (found := MARKER.match(stripped)):
            # The marker ends its blockquote, as a blank line would; the run of quotes
            # (and its lead-in) goes on.
            note_marker(found, number)
            yield from finish_block()
            continue
        if block is not None and block.paragraphs[-1] and not _starts_block(line):
            block.paragraphs[-1].append(line.strip())  # lazy continuation of a quote
            block.end = number
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
