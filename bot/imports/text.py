"""The text of an import file: decoding it, and tidying the white space of what it holds.

Every format goes through `decode` (UTF-8, one line ending, no byte-order mark) and
every quote through `tidy`: the white space other tools leave (CRLF, trailing blanks,
runs of spaces, blank lines between paragraphs) becomes quotebot's, where a blank line
is a new paragraph and a single line break is a line break.
"""

from __future__ import annotations

import re

from bot.corpus.inline import escape_markdown
from bot.corpus.model import Problem

BOM = "\ufeff"
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")
WIKI_LINK = re.compile(r"\[\[([^\]]+)\]\]")  # Readwise's `[[Author Name]]`


def decode(data: bytes | str, file: str) -> tuple[str, Problem | None]:
    """The file's text with "\\n" line endings and no leading BOM, or why it cannot be read.

    A file that is not UTF-8 yields "" and an error naming the line of the first bad
    byte: a CSV saved by Excel as "Windows-1252" or "UTF-16" is the usual case.
    """
    if isinstance(data, bytes):
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "", Problem(file, 1, "the file is UTF-16, not UTF-8: save it as UTF-8")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            byte = data[error.start]
            message = (
                f"not UTF-8: byte 0x{byte:02X} on this line is not UTF-8 (the file may be "
                "Windows-1252 or Latin-1); save it as UTF-8 and import it again"
            )
            return "", Problem(file, line, message)
    else:
        text = data
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.removeprefix(BOM), None


def tidy(text: str) -> str:
    """`text` with quotebot's white space: lines stripped, runs of spaces made one,
    paragraphs one blank line apart, no blank lines before or after."""
    text = text.strip()
    if "\n" not in text and "  " not in text and "\t" not in text:
        return text  # the usual highlight: one line, nothing to collapse
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def markdown(plain: str) -> str:
    """Plain text (a Kindle highlight, a CSV cell) tidied, as Markdown that shows it as typed."""
    return escape_markdown(tidy(plain))


def optional(value: str | None) -> str | None:
    """A metadata value tidied onto one line, or None when there is nothing in it."""
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def topics(value: str | None) -> tuple[str, ...]:
    """Topic names from "a, b", "#a #b" or "[[a]] [[b]]": stripped, each once, in order.

    Readwise's action tags (".h1", ".favorite") steer Readwise itself and are not topics.
    """
    if not value or not value.strip():
        return ()
    value = value.strip()
    if "[[" in value:
        names = WIKI_LINK.findall(value)
    elif "," in value:
        names = value.split(",")
    elif value.startswith("#"):
        names = value.split()
    else:
        names = [value]
    return _clean(names)


def listed(value: object) -> tuple[str, ...] | None:
    """Topic names from a JSON list of strings, or None when `value` is not one."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return _clean(value)


def _clean(names: list[str]) -> tuple[str, ...]:
    cleaned = (optional(name.strip().removeprefix("#")) for name in names)
    return tuple(dict.fromkeys(name for name in cleaned if name and not name.startswith(".")))
