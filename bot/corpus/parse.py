"""Read one quote page: front matter, then Markdown with topics and blockquotes.

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
before a run of blockquotes is their lead-in (one trailing ":" dropped). A run is
blockquotes with only blank lines and markers between them; any other line ends it: a
paragraph (which leads in the next run), a heading, a thematic break (`* * *`). The
parser is a small line-by-line state machine rather than a full Markdown parser: these
pages use a handful of constructs, and line numbers for every quote matter more than
full CommonMark.

Who said the quotes, where and the link come from the front matter: `speaker:` (else
`author:`, else `cite:`), `source:`, `ref:` (else an absolute `link:` or `url:`);
without those, from the intro line ("Quoting NAME from [SOURCE](url)") and from a title
of the form "NAME on SOURCE", else the title is the source. An explicit `source:` (even
empty: no source) makes the title a mere label, so "Andrej on Robots" can be a title
that names nobody. `tags:`, `categories:` and `topics:` give every quote its tags.
Front matter may also be TOML between `+++` lines, a `draft: true` page is skipped, and
a page with no blockquote may hold its quote in its front matter or be the quote:
`bot.corpus.conventions` says how.

The quote's text is Markdown (`bot.corpus.inline`): a blockquote's lines are joined with
a space, except that a line ending in a hard break (two spaces, or a backslash, which
goes) and a line before a list item (`- `, `* `, `+ `, `1. `, `1) `; other numbers once
a list has begun) are joined with a line break, and list items keep their indentation,
so nested lists survive. A line with only `>` starts a new paragraph.

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

A marker after the blockquote may go on over several lines, to say what the page cannot
say for this one quote (quotes saved in Slack each have their own)::

    > The quote text
    <!-- quote 7KQ2MX
    speaker: Ada Lovelace
    source: Notes on the Analytical Engine
    link: https://example.com/notes
    topics: [robotics, first programs]
    -->

Its first line is the one-line marker without `-->` (the ID may be left out: the quote
then gets its ID from its text); then YAML `key: value` lines, with no blank line among
them, up to a line that is just `-->`. Each key given replaces the page's value for
this quote; an empty value means none (`speaker:` for a quote nobody is known to have
said). `topics` (a list or a comma-separated string) replaces both the heading's topic
and the page's tags: the first is the quote's topic, the others its tags, `[]` none. An
unknown key, bad YAML, a value of the wrong type are reported with their line and
ignored; a marker with no `-->` line before a blank line, a blockquote or the page's
end is reported and its lines ignored (its ID still counts). `bot.corpus.write` writes
pages in this format from any quotes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.corpus import conventions
from bot.corpus.conventions import FrontMatter, Standalone
from bot.corpus.model import Page, Problem, Quote, Span, short_id, text_digest
from bot.ids import ALPHABET

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_BLOCKQUOTE = re.compile(r"^ {0,3}>[ \t]?(.*)$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_RULE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_HTML_TAG = re.compile(r"(?<!\\)<[^>]*>")  # `\<b>` is no tag: the escape shows `<b>`
_WORD = re.compile(r"\w", re.UNICODE)
_LIST_ITEM = re.compile(r"[ \t]*(?:[-+*]|(\d{1,9})[.)])[ \t]+\S")
_ITEM_STARTS = frozenset("-+*0123456789")
# `<!-- quote 7KQ2M -->`; what follows `quote` is checked apart, so a bad ID is reported.
MARKER = re.compile(r"^[ \t]*<!--[ \t]*quote\b(?P<id>.*?)-->[ \t]*$", re.IGNORECASE)
# `<!-- quote 7KQ2M` with no `-->`: a marker with fields on the lines after it.
MARKER_OPEN = re.compile(r"^[ \t]*<!--[ \t]*quote\b(?P<id>(?:(?!-->).)*)$", re.IGNORECASE)
MARKER_LENGTHS = range(4, 13)
MARKER_KEYS = ("speaker", "source", "link", "topics")
_STRAY_MARKER = "quote marker not right after a blockquote; ignored"
_ID_LETTERS = frozenset(ALPHABET)
_SPACES, _BACKSLASH = 1, 2  # how a line of a quote ends in a hard break

# "Quoting Andrej Karpathy from [No Priors #80](https://...)."
_INTRO_NAMED = re.compile(
    r"^Quoting\s+(?P<name>[^\[\]]+?)\s+(?:from|on)\s+\[(?P<source>[^\]]+)\]\((?P<url>[^)\s]+)\)"
)
# "Quoting [Simon Willison](https://...):"
_INTRO_LINKED = re.compile(r"^Quoting\s+\[(?P<name>[^\]]+)\]\((?P<url>[^)\s]+)\)")
# "Andrej Karpathy on No Priors 80"
_TITLE = re.compile(r"^(?P<name>.+?)\s+on\s+(?P<source>.+)$")


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who said the quotes on a page, where, and the link to it."""

    speaker: str | None = None
    source: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()


def list_item(line: str, *, in_list: bool) -> bool:
    """Whether a line of a quote's text starts a list item, as CommonMark reads it.

    A bullet (`-`, `*`, `+`) or a number (`1.`, `1)`) with words after it; a number
    other than 1 only once a list has begun (`in_list`), so "2019. That year" wrapped
    to the start of a line stays prose. `* * *` is a thematic break, not an item.
    """
    found = _LIST_ITEM.match(line)
    if found is None:
        return False
    if found[1] is not None and not in_list and int(found[1]) != 1:
        return False
    return not _RULE.match(line)


class _Text:
    """A quote's text as its lines come: paragraphs, line breaks and lists kept."""

    __slots__ = ("done", "in_list", "parts", "pending")

    def __init__(self) -> None:
        self.done: list[str] = []  # finished paragraphs
        self.parts: list[str] = []  # the paragraph being read: lines and what joins them
        self.in_list = False
        self.pending = 0  # the last line ends in a hard break: _SPACES or _BACKSLASH

    def add(self, raw: str, stripped: str, *, lazy: bool = False) -> None:
        """One line (not blank) as written after its `>` and stripped; `lazy`: no `>`."""
        parts = self.parts
        if not parts:
            parts.append(stripped)
            self.in_list = (
                not lazy and stripped[0] in _ITEM_STARTS and list_item(stripped, in_list=True)
            )
        elif not lazy and stripped[0] in _ITEM_STARTS and list_item(raw, in_list=self.in_list):
            # A list item ends the line before it, keeping that line's backslash, as
            # CommonMark ends a paragraph; its indentation says how deep it is.
            parts += ("\n", raw.rstrip())
            self.in_list = True
        elif self.pending:
            if self.pending == _BACKSLASH:
                parts[-1] = parts[-1][:-1].rstrip()
            parts += ("\n", stripped)
        else:
            parts += (" ", stripped)
        if raw.endswith("  "):
            self.pending = _SPACES
        elif stripped.endswith("\\") and (len(stripped) - len(stripped.rstrip("\\"))) % 2:
            self.pending = _BACKSLASH  # an even count is escaped backslashes, no break
        else:
            self.pending = 0

    def paragraph(self) -> None:
        """End the paragraph being read (a blank line, a bare `>`)."""
        if self.parts:
            self.done.append("".join(self.parts))
            self.parts = []
            self.in_list = False
            self.pending = 0

    def text(self) -> str:
        if not self.done:  # nearly always: one paragraph
            return "".join(self.parts)
        self.paragraph()
        return "\n\n".join(self.done)


@dataclass(slots=True)
class _Block:
    """A blockquote being read: its first and last lines, its text so far, its marker."""

    line: int
    end: int
    text: _Text = field(default_factory=_Text)
    marker: str | None = None  # the marker's ID as written (None: a marker with no ID)
    marker_line: int | None = None
    fields: Mapping[str, Any] | None = None  # from a multi-line marker


@dataclass(slots=True)
class _OpenMarker:
    """A multi-line marker being read, up to its `-->`."""

    line: int
    block: _Block | None  # the quote it belongs to; None when it counts for none
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _RawQuote:
    line: int
    text: str
    lead_in: str | None
    topic: str | None
    end: int
    marker: str | None
    marker_line: int | None
    fields: Mapping[str, Any] | None


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

    front, problem = conventions.split(text, file)
    if problem:
        return Page(problems=(problem,))
    if conventions.is_draft(front.meta):
        return Page(draft=True)

    problems: list[Problem] = []
    lines = front.body.splitlines()
    raw_quotes = list(_blockquotes(lines, first_line=front.body_line, file=file, problems=problems))
    quotes: list[Quote] = []
    spans: tuple[Span, ...] = ()
    if raw_quotes:
        attribution = _attribution(front, _intro_line(front.body), file, problems)
        quotes = [_quote(raw, attribution, file, problems) for raw in raw_quotes]
        spans = tuple(Span(raw.line, raw.end, raw.marker_line) for raw in raw_quotes)
    elif not any(map(_BLOCKQUOTE.match, lines)) and (
        alone := conventions.standalone(front, file, problems)
    ):
        # No span: a marker has nowhere to go, so `quotebot ids` leaves the page be.
        quotes = [quote] if (quote := _standalone_quote(alone, front, file)) else []
    else:
        _attribution(front, None, file, problems)  # for its warnings
    if not quotes:
        problems.append(Problem(file, 1, "no quotes: the page has no '>' blockquote", "warning"))
    # Stable: line 1's stay in their order. A key read twice is reported once.
    problems = sorted(dict.fromkeys(problems), key=lambda problem: problem.line)
    return Page(quotes=tuple(quotes), problems=tuple(problems), spans=spans)


def _quote(raw: _RawQuote, attribution: Attribution, file: str, problems: list[Problem]) -> Quote:
    digest = text_digest(raw.text)  # once per quote: both of its IDs come from it
    marked = _marker_id(raw, file, problems)
    speaker, source, url = attribution.speaker, attribution.source, attribution.url
    topic, tags = raw.topic, attribution.tags
    if raw.fields:  # a multi-line marker's keys replace the page's
        speaker = raw.fields.get("speaker", speaker)
        source = raw.fields.get("source", source)
        url = raw.fields.get("link", url)
        topic, tags = raw.fields.get("topics", (topic, tags))
    return Quote(
        id=marked or short_id(digest),
        text=raw.text,
        speaker=speaker,
        source=source,
        url=url,
        topic=topic,
        lead_in=raw.lead_in,
        tags=tags,
        file=file,
        line=raw.line,
        alias=digest[:6].hex(),
        marked=marked is not None,
    )


def _standalone_quote(alone: Standalone, front: FrontMatter, file: str) -> Quote | None:
    lines = _Text()
    for line in alone.lines:
        if line.strip():
            lines.add(line, line.strip())
        else:
            lines.paragraph()
    text = _quote_text(lines.text())
    if text is None:
        return None
    digest = text_digest(text)
    return Quote(
        id=short_id(digest),
        text=text,
        speaker=_clean(alone.speaker),
        source=_clean(alone.source),
        url=alone.url,
        topic=None,
        lead_in=None,
        tags=conventions.tags(front.meta),
        file=file,
        line=alone.line,
        alias=digest[:6].hex(),
    )


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


def _intro_line(body: str) -> str | None:
    for line in body.splitlines():
        if line.strip().startswith("Quoting "):
            return line.strip()
    return None


def _attribution(
    front: FrontMatter, intro: str | None, file: str, problems: list[Problem]
) -> Attribution:
    title = conventions.text_field(front, "title", file, problems)
    speaker = conventions.speaker(front, file, problems)
    url = conventions.link(front, file, problems)
    explicit = "source" in front.meta  # then the title is only a label
    source = conventions.text_field(front, "source", file, problems) if explicit else None

    named = _INTRO_NAMED.match(intro) if intro else None
    linked = _INTRO_LINKED.match(intro) if intro and not named else None
    titled = _TITLE.match(title) if title and not explicit else None
    if named:
        speaker = speaker or named["name"].strip()
        source = source if explicit else named["source"].strip()
        url = url or named["url"]
    elif linked:
        speaker = speaker or linked["name"].strip()
        url = url or linked["url"]
    if titled:
        speaker = speaker or titled["name"].strip()
        source = source or titled["source"].strip()
    if not explicit:
        source = source or title
    return Attribution(
        speaker=_clean(speaker),
        source=_clean(source),
        url=url,
        tags=conventions.tags(front.meta),
    )


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
    opened: _OpenMarker | None = None  # a multi-line marker not closed yet
    in_fence = False

    def finish_block() -> Iterator[_RawQuote]:
        nonlocal block
        if block is not None:
            text = _quote_text(block.text.text())
            if text is not None:
                yield _RawQuote(
                    block.line,
                    text,
                    lead_in,
                    topic,
                    block.end,
                    block.marker,
                    block.marker_line,
                    block.fields,
                )
            elif block.marker_line is not None:  # `> <!-- quote ... -->` alone: no quote
                problems.append(Problem(file, block.marker_line, _STRAY_MARKER, "warning"))
            block = None

    def note_marker(found: re.Match[str], number: int) -> bool:
        """Give the quote being read this marker; False if it counts for no quote."""
        if block is None:  # a blank line (or a heading) came between it and any quote
            problems.append(Problem(file, number, _STRAY_MARKER, "warning"))
        elif block.marker_line is not None:
            where = f"line {block.marker_line}"
            message = f"a second quote marker for one quote (the first is on {where}); ignored"
            problems.append(Problem(file, number, message, "warning"))
        else:
            block.marker, block.marker_line = found["id"], number
            return True
        return False

    def close_marker(*, closed: bool) -> Iterator[_RawQuote]:
        nonlocal opened
        assert opened is not None
        if not closed:
            message = (
                "quote marker not closed: end it with a line '-->' (no blank line before "
                "it); its fields are ignored"
            )
            problems.append(Problem(file, opened.line, message, "warning"))
        elif opened.block is not None:
            opened.block.fields = _marker_fields(opened.lines, file, problems)
        opened = None
        yield from finish_block()

    def finish_paragraph() -> None:
        nonlocal paragraph, last_paragraph
        if paragraph:
            last_paragraph = " ".join(paragraph)
            paragraph = []

    for number, line in enumerate(lines, start=first_line):
        if opened is not None:
            inner = line.strip()
            if inner == "-->":
                yield from close_marker(closed=True)
                continue
            if inner and inner[0] != ">" and not inner.startswith("<!--"):
                opened.lines.append((number, line))
                continue
            yield from close_marker(closed=False)  # and this line is read as any other
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
            # What follows the '>' and one space or tab: the quote's line as written.
            raw = line[1:] if line[0] == ">" else line.lstrip(" ")[1:]
            if raw[:1] in (" ", "\t"):
                raw = raw[1:]
            content = raw.strip()
            if content.startswith("<!--") and (found := MARKER.match(content)):
                note_marker(found, number)  # `> <!-- quote 7KQ2M -->`: not the quote's text
                continue
            block.end = number
            if content:
                block.text.add(raw, content)
            else:
                block.text.paragraph()  # a bare '>' line separates paragraphs
            continue
        if not stripped:
            yield from finish_block()
            finish_paragraph()
            continue
        if stripped.startswith("<!--"):
            if found := MARKER.match(stripped):
                # The marker ends its blockquote, as a blank line would; the run of quotes
                # (and its lead-in) goes on.
                note_marker(found, number)
                yield from finish_block()
                continue
            if found := MARKER_OPEN.match(stripped):
                # So does a marker of several lines, once its fields are read.
                target = block if note_marker(found, number) else None
                if target is not None and not found["id"].strip():
                    target.marker = None  # fields only: the quote's ID comes from its text
                opened = _OpenMarker(number, target)
                continue
        if block is not None and block.text.parts and not starts_block(line):
            block.text.add(line, stripped, lazy=True)  # lazy continuation of a quote
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
    if opened is not None:
        yield from close_marker(closed=False)
    yield from finish_block()


def _marker_fields(
    lines: Sequence[tuple[int, str]], file: str, problems: list[Problem]
) -> dict[str, Any]:
    """The keys of a multi-line marker, checked; each bad one reported at its line."""
    if not lines:
        return {}
    first = lines[0][0]
    loader = yaml.SafeLoader("\n".join(line for _, line in lines))
    fields: dict[str, Any] = {}
    try:
        node = loader.get_single_node()
        if node is None:
            return fields
        if not isinstance(node, yaml.MappingNode):
            message = "quote marker fields should be 'key: value' lines; ignored"
            problems.append(Problem(file, first, message, "warning"))
            return fields
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in MARKER_KEYS:
                known = ", ".join(MARKER_KEYS)
                message = f"unknown key {key!r} in a quote marker (known: {known}); ignored"
                problems.append(Problem(file, first + key_node.start_mark.line, message, "warning"))
                continue
            value = loader.construct_object(value_node, deep=True)
            checked = _marker_value(key, value)
            if checked is _WRONG:
                shape = "a list of topics" if key == "topics" else "text"
                message = f"quote marker '{key}' should be {shape}, got {value!r}; ignored"
                line = first + value_node.start_mark.line
                problems.append(Problem(file, line, message, "warning"))
            else:
                fields[key] = checked
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = first + mark.line if mark is not None else first
        reason = getattr(error, "problem", None) or str(error)
        problems.append(
            Problem(file, line, f"quote marker is not valid YAML: {reason}; ignored", "warning")
        )
        return {}
    finally:
        loader.dispose()
    return fields


_WRONG = object()


def _marker_value(key: str, value: Any) -> Any:
    """A marker key's value as a quote holds it, or _WRONG."""
    if key == "topics":
        if value is None or value == "":
            return (None, ())
        if isinstance(value, str | int | float):
            value = str(value).split(",")
        if not isinstance(value, list) or any(isinstance(item, list | dict) for item in value):
            return _WRONG
        topics = [str(item).strip() for item in value if item is not None]
        topics = [topic for topic in topics if topic]
        if not topics:
            return (None, ())
        return (topics[0], tuple(dict.fromkeys(topics[1:])))
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return _WRONG
    text = str(value).strip()
    return (text or None) if key == "link" else _clean(text) or None


def starts_block(line: str) -> bool:
    """Whether a line outside a blockquote is a heading, a code fence or a thematic break."""
    return bool(_HEADING.match(line) or _FENCE.match(line) or _RULE.match(line))


def _quote_text(joined: str) -> str | None:
    """A quote's text from its joined lines; None when it has no words (only an image)."""
    text = html.unescape(joined).strip()
    words_only = _HTML_TAG.sub(" ", _IMAGE.sub(" ", text)) if "![" in text or "<" in text else text
    return text if _WORD.search(words_only) else None


def has_words(text: str) -> bool:
    """Whether a quote's text has a word outside images and HTML tags: else no quote."""
    words_only = _HTML_TAG.sub(" ", _IMAGE.sub(" ", text)) if "![" in text or "<" in text else text
    return _WORD.search(words_only) is not None


def _lead_in(paragraph: str | None) -> str | None:
    # The intro line ("Quoting NAME from [SOURCE](url)") attributes the page's quotes;
    # it is not a lead-in even when a quote follows it directly.
    if not paragraph or _INTRO_NAMED.match(paragraph) or _INTRO_LINKED.match(paragraph):
        return None
    text = html.unescape(paragraph).strip().removesuffix(":").strip()
    return text or None
