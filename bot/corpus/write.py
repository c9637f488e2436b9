"""Write quotes as pages that `parse_page` reads back as the same quotes.

`pages` makes one page per source (quotes with no source: one per speaker, then one for
the rest), in the shipped format plus the multi-line marker (`bot.corpus.parse`):

- front matter: `title`, an explicit `source:` (`null` on a page of quotes with no
  source: then the title is only a label), `speaker:` and `ref:` when every quote has
  the same (else the most common, the others saying theirs in their markers), `tags:`
  that every quote has;
- the quotes with no topic first, then one `## topic` heading per topic, in order of
  first appearance, each quote keeping its order within its topic (a page read with
  `parse_page` is already in that order: it comes back unchanged);
- a lead-in is the paragraph before its run of quotes, written with a ":" unless it
  ends with other punctuation (so "Why:" is written "Why::", the parser dropping one);
  a quote with no lead-in after one with a lead-in starts a new run after a thematic
  break, `* * *`;
- every quote's ID in its marker, so IDs survive; with the speaker, link or topics
  that the page does not give it, in the marker's fields. An ID a marker cannot hold
  (not 4-12 characters of `bot.ids.ALPHABET`) is left out: that quote gets an ID from
  its text when read back.

The text is written so that the parser's rules give it back: a line break inside a
paragraph is a line ending in a backslash (two spaces after a line that itself ends in
a backslash or looks like a thematic break), no mark at all before a list item; a blank
line is a line `>`; `&` that would start a character reference becomes `&amp;`, and a
line that would read as a marker starts `&lt;!--`. Headings, lead-ins, speakers and
sources are entity-escaped the same way where they would read as something else
("Quoting ...", a trailing `#`).

What a page cannot hold is tidied first, as the parser would have read it: text and
names stripped, spaces at the ends of lines and control characters dropped, blank
lines between paragraphs made one, indentation kept only for list items; tags once
each. A quote whose text has no word (only an image, only punctuation) is no quote to
the parser: `pages` refuses it with ValueError rather than lose it without a word.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import yaml

from bot.corpus.model import Quote
from bot.corpus.parse import MARKER_LENGTHS, has_words, list_item, starts_block
from bot.ids import ALPHABET

MAX_NAME = 80  # characters in a file name, ".md" included
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ENTITY_START = re.compile(r"&(?=[^\t\n\f <&;])")  # what `html.unescape` could read
_LINE_BREAKS = {"\n": "&#10;", "\u2028": "&#8232;", "\u2029": "&#8233;"}
_TRAILING_HASHES = re.compile(r"(?:^|[ \t])#+$")
_PLAIN = re.compile(r"[^\W_][\w .,'/()+\-:#?=&%~@!*;$]*")
_SLUG_GAPS = re.compile(r"[^a-z0-9]+")
_LETTERS = frozenset(ALPHABET)
_NO_RUN = object()  # no quote written under the current heading yet


def pages(quotes: Iterable[Quote]) -> dict[str, str]:
    """Relative file name -> page text, for every quote; see the module docstring."""
    groups: dict[tuple[int, str], list[Quote]] = {}
    for quote in map(_tidy, quotes):
        if quote.source:
            key = (0, quote.source)
        elif quote.speaker:
            key = (1, quote.speaker)
        else:
            key = (2, "")
        groups.setdefault(key, []).append(quote)
    written: dict[str, str] = {}
    for (kind, name), grouped in sorted(groups.items(), key=lambda item: item[0][0]):
        title = name if kind < 2 else "Quotes"
        for chunk, tags in _chunks(grouped):
            file = _file_name(title, written)
            written[file] = _page(chunk, title=title, source=name if kind == 0 else None, tags=tags)
    return written


def _tidy(quote: Quote) -> Quote:
    """The quote as a page can hold it, which is how `parse_page` would have read it."""
    text = _tidy_text(quote.text)
    if not has_words(text):
        raise ValueError(f"quote {quote.id}: its text has no words, a page cannot hold it")
    return dataclasses.replace(
        quote,
        text=text,
        speaker=_tidy_name(quote.speaker),
        source=_tidy_name(quote.source),
        url=(quote.url or "").strip() or None,
        topic=_tidy_name(quote.topic),
        lead_in=_tidy_name(quote.lead_in),
        tags=tuple(dict.fromkeys(tag for tag in (str(t).strip() for t in quote.tags) if tag)),
    )


def _tidy_name(value: str | None) -> str | None:
    return _CONTROL.sub("", value).strip() or None if value else None


def _tidy_text(text: str) -> str:
    paragraphs: list[list[str]] = [[]]
    for line in _CONTROL.sub("", text).split("\n"):
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    tidied = []
    for lines in paragraphs:
        if not lines:
            continue
        kept = [lines[0].strip()]
        in_list = list_item(_escape_line(kept[0]), in_list=True)
        for line in lines[1:]:
            # A list item keeps its indentation; any other line is read stripped.
            line = line.rstrip()
            if not list_item(_escape_line(line), in_list=in_list):
                line = line.strip()
            kept.append(line)
            in_list = in_list or list_item(_escape_line(line), in_list=in_list)
        tidied.append("\n".join(kept))
    return "\n\n".join(tidied)


def _items(lines: Sequence[str]) -> list[bool]:
    """Which lines of a paragraph the parser reads as list items, as written (escaped)."""
    items, in_list = [], False
    for number, line in enumerate(lines):
        item = list_item(_escape_line(line), in_list=in_list or number == 0)
        items.append(item)
        in_list = in_list or item
    return items


def _chunks(quotes: list[Quote]) -> Iterable[tuple[list[Quote], tuple[str, ...]]]:
    """The quotes of one source in pages, each with the tags its front matter gives.

    A quote with no topic takes the page's tags as they are (a marker's `topics` can
    give it none, never others), so those with other tags go on a page of their own.
    """
    rest = quotes
    while rest:
        loose = next((q.tags for q in rest if q.topic is None and q.tags), None)
        if loose is None:
            shared = tuple(t for t in rest[0].tags if all(t in q.tags for q in rest))
            yield rest, shared
            return
        fits = [q.topic is not None or q.tags in ((), loose) for q in rest]
        yield [q for q, fit in zip(rest, fits, strict=True) if fit], loose
        rest = [q for q, fit in zip(rest, fits, strict=True) if not fit]


def _page(quotes: list[Quote], *, title: str, source: str | None, tags: tuple[str, ...]) -> str:
    speaker = _most_common([quote.speaker for quote in quotes])
    url = _most_common([quote.url for quote in quotes])
    lines = ["---", f"title: {_yaml(title)}", f"source: {_yaml(_escape(source))}"]
    if speaker is not None:
        lines.append(f"speaker: {_yaml(_escape(speaker))}")
    if url is not None:
        lines.append(f"ref: {_yaml(url)}")
    if tags:
        lines.append(f"tags: {_yaml_list(tags)}")
    lines.append("---")

    topics: dict[str | None, list[Quote]] = {None: []}
    for quote in quotes:
        topics.setdefault(quote.topic, []).append(quote)
    for topic, under in topics.items():
        if topic is not None:
            lines += ["", f"## {_heading(topic)}"]
        lead: object = _NO_RUN
        for quote in under:
            if lead is _NO_RUN or quote.lead_in != lead:
                if quote.lead_in is not None:
                    lines += ["", _lead_in_line(quote.lead_in)]
                else:  # a paragraph would lead it in: end the run with a thematic break
                    lines += ["", "* * *", ""] if lead is not _NO_RUN else [""]
                lead = quote.lead_in
            else:
                lines.append("")
            lines += _blockquote(quote.text)
            fields: dict[str, Any] = {}
            if quote.speaker != speaker:
                fields["speaker"] = _escape(quote.speaker)
            if quote.url != url:
                fields["link"] = quote.url
            if (quote.topic, quote.tags) != (topic, tags):
                fields["topics"] = [quote.topic, *quote.tags] if quote.topic is not None else []
            lines += _marker(quote.id, fields)
    return "\n".join(lines) + "\n"


def _most_common(values: Sequence[str | None]) -> str | None:
    """The value most quotes have (the first of a tie); None may win."""
    counts = Counter(values)
    return max(counts, key=lambda value: counts[value]) if counts else None


def _blockquote(text: str) -> list[str]:
    """A quote's text as blockquote lines that the parser joins back into `text`."""
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        if out:
            out.append(">")
        lines = paragraph.split("\n")
        items = _items(lines)
        for number, line in enumerate(lines):
            written = _escape_line(line)
            if number + 1 < len(lines) and not items[number + 1]:
                # A hard break. After an odd run of backslashes one more would escape the
                # last of them, and `* * *\\` would be a list item where `* * *` is a
                # thematic break: two spaces say it there instead.
                odd = (len(written) - len(written.rstrip("\\"))) % 2
                written += "  " if odd or starts_block(written) else "\\"
            out.append(f"> {written}")
    return out


def _escape_line(line: str) -> str:
    line = _escape(line)
    for char, reference in _LINE_BREAKS.items():
        if char != "\n":
            line = line.replace(char, reference)
    if line.lstrip().startswith("<!--"):  # would be read as a marker, or end the quote
        line = line.replace("<", "&lt;", 1)
    return line


def _escape(text: str | None) -> str | None:
    """`&` where the parser's `html.unescape` would read a character reference."""
    return _ENTITY_START.sub("&amp;", text) if text and "&" in text else text


def _one_line(text: str) -> str:
    escaped = _escape(text) or ""
    for char, reference in _LINE_BREAKS.items():
        escaped = escaped.replace(char, reference)
    return escaped


def _heading(topic: str) -> str:
    escaped = _one_line(topic)
    if _TRAILING_HASHES.search(escaped):  # the heading's closing sequence, to Markdown
        escaped = escaped[:-1] + "&#35;"
    return escaped


def _lead_in_line(lead_in: str) -> str:
    line = _one_line(lead_in)
    # A heading, a fence, a rule, a quote, a marker, the intro line: not a paragraph.
    if starts_block(line) or line.startswith((">", "<!--", "Quoting")):
        line = f"&#{ord(line[0])};{line[1:]}"
    last = lead_in[-1]
    # The parser drops one trailing ":"; other punctuation ends the lead-in as it is.
    if last == ":" or not unicodedata.category(last).startswith("P"):
        line += ":"
    return line


def _marker(quote_id: str, fields: dict[str, Any]) -> list[str]:
    markable = len(quote_id) in MARKER_LENGTHS and _LETTERS.issuperset(quote_id)
    if not fields:
        return [f"<!-- quote {quote_id} -->"] if markable else []
    lines = [f"<!-- quote {quote_id}" if markable else "<!-- quote"]
    for key, value in fields.items():
        written = _yaml_list(value) if isinstance(value, list) else _yaml(value)
        lines.append(f"{key}: {written}")
    return [*lines, "-->"]


def _yaml_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_yaml(value, flow=True) for value in values) + "]"


def _yaml(value: str | None, *, flow: bool = False) -> str:
    """A YAML scalar on one line that reads back as `value`: plain when that is safe."""
    if value is None:
        return "null"
    if _plain(value, flow=flow):
        return value
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code <= 0x7E:
            out.append(char)
        elif char in "\n\t":
            out.append("\\n" if char == "\n" else "\\t")
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"\\x{code:02x}")
        elif char in "\u2028\u2029\ufeff\ufffe\uffff" or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")  # line breaks to YAML, or not allowed in it
        else:
            out.append(char)
    # `-->` would end the marker's HTML comment where Markdown is shown.
    return '"' + "".join(out).replace("-->", "--\\x3e") + '"'


def _plain(value: str, *, flow: bool) -> bool:
    if not _PLAIN.fullmatch(value) or value != value.strip() or value.endswith(":"):
        return False
    if ": " in value or " #" in value or "-->" in value:
        return False
    if flow and any(char in value for char in ",[]{}"):
        return False
    try:
        loaded = yaml.safe_load(f"[{value}]" if flow else value)
    except yaml.YAMLError:
        return False
    return loaded == ([value] if flow else value)  # not a number, a date, `yes` or `null`


def _file_name(title: str, taken: dict[str, str]) -> str:
    """A lower-case ASCII slug of `title` + ".md", not in `taken`, at most MAX_NAME long."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = _SLUG_GAPS.sub("-", ascii_title.lower()).strip("-") or "quotes"
    suffix, count = "", 1
    while True:
        stem = slug[: MAX_NAME - len(".md") - len(suffix)].rstrip("-") or "quotes"
        name = f"{stem}{suffix}.md"
        if name not in taken:
            return name
        count += 1
        suffix = f"-{count}"
