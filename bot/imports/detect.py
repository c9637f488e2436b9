"""Which format an import file is in, told from its content rather than its name.

A file named "My Clippings.txt" may be renamed, and a ".csv" may come from Readwise or
from a spreadsheet, so each format is recognised by what only it has:

- kindle: lines of "==========" closing entries whose second line starts "- ";
- jsonl: a first line that is a JSON object;
- readwise-csv: a header row starting "Highlight" with a "Book Title" (or "Title") column;
- csv: a header row with a "text" (or "quote") column;
- readwise-markdown: a "## Highlights" (or "## New highlights added …") heading.
"""

from __future__ import annotations

import json
import re

from bot.imports.kindle import SEPARATOR
from bot.imports.kindle_meta import META_START
from bot.imports.rows import header
from bot.imports.table import PARTS
from bot.imports.text import BOM

_HIGHLIGHTS = re.compile(
    r"^##\s+(?:highlights\s*$|new highlights added\b)", re.IGNORECASE | re.MULTILINE
)
_HEAD = 65_536  # characters enough to see a file's first entries


def detect(text: str) -> str | None:
    """The format of `text` (one of `FORMATS`), or None when it looks like none of them."""
    head = text[:_HEAD]
    lines = [line.replace(BOM, "").strip() for line in head.split("\n")]
    first = next((line for line in lines if line), "")
    if first.startswith("{") and _json_object(first):
        return "jsonl"
    if _kindle(lines):
        return "kindle"
    _, columns = header(first)
    if next(iter(columns), "") == "highlight" and ("book title" in columns or "title" in columns):
        return "readwise-csv"
    if any(name in columns for name in PARTS["text"]):
        return "csv"
    if _HIGHLIGHTS.search(text):
        return "readwise-markdown"
    return None


def _json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _kindle(lines: list[str]) -> bool:
    """True when one of the first entries ends with a separator and has a meta line second."""
    entry: list[str] = []
    entries = 0
    for line in lines:
        if line == SEPARATOR:
            if len(entry) >= 2 and entry[1].startswith(META_START):
                return True
            entries += 1
            if entries == 5:
                return False
            entry = []
        elif line:
            entry.append(line)
    return False
