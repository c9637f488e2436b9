"""Quotes kept as a table: a CSV with a header row, or JSON Lines (one object a line).

The columns (CSV) or keys (JSON) are named after a quote's parts, in any case::

    text, speaker, source, link, topics     also: quote, author, url, tags
    lead_in                                 also: note

    text,speaker,source,link,topics
    "Simple is better than complex.",Tim Peters,The Zen of Python,,"python, design"

    {"quote": "Simple is better than complex.", "author": "Tim Peters", "tags": ["python"]}

Only the text is needed. Topics are comma-separated in a CSV cell, a list (or such a
string) in JSON. Other columns and keys are left alone. The text and lead-in are plain
text, escaped as Markdown. A CSV may use ";" or a tab instead of commas (as Excel does in
some countries); the header tells which.
"""

from __future__ import annotations

import json

from bot.corpus.model import Problem
from bot.imports.records import Batch, Record, Tick, no_tick
from bot.imports.rows import closed_rows, column, header, rows
from bot.imports.text import BOM, listed, markdown, optional, topics

# Each part and the names it goes by, the preferred first.
PARTS = {
    "text": ("text", "quote"),
    "speaker": ("speaker", "author"),
    "source": ("source",),
    "link": ("link", "url"),
    "topics": ("topics", "tags"),
    "lead_in": ("lead_in", "note"),
}
_NO_TEXT = "no text: each quote needs a “text” (or “quote”)"


def read_csv(text: str, file: str, tick: Tick = no_tick) -> Batch:
    """The quotes of a CSV file whose header names a text column."""
    first_line = next((line for line in text.split("\n") if line.strip()), "")
    delimiter, columns = header(first_line)
    at = {part: column(columns, aliases) for part, aliases in PARTS.items()}
    table = rows(text, delimiter)
    first = next(table, None)
    if first is None:
        return Batch("csv", ())
    if at["text"] is None:
        found = ", ".join(columns) or "none"
        message = f"no “text” (or “quote”) column in the header row (columns: {found})"
        return Batch("csv", (), (Problem(file, first.line, message),))
    records: list[Record] = []
    problems: list[Problem] = []
    for row in closed_rows(table, len(columns), text, file, tick, problems):
        quote = markdown(row.cell(at["text"]) or "")
        if not quote:
            problems.append(Problem(file, row.line, f"{_NO_TEXT} cell; row skipped"))
            continue
        records.append(
            Record(
                quote,
                optional(row.cell(at["speaker"])),
                optional(row.cell(at["source"])),
                optional(row.cell(at["link"])),
                topics(row.cell(at["topics"])),
                markdown(row.cell(at["lead_in"]) or "") or None,
                file,
                row.line,
            )
        )
    return Batch("csv", tuple(records), tuple(problems))


def read_jsonl(text: str, file: str, tick: Tick = no_tick) -> Batch:
    """The quotes of a JSON Lines file: one JSON object on each non-blank line."""
    records: list[Record] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip().lstrip(BOM)
        if not line:
            continue
        tick(number)
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(Problem(file, number, f"not JSON ({error.msg}); line skipped"))
            continue
        if not isinstance(value, dict):
            kind = type(value).__name__
            message = f"not a JSON object but a {kind}; line skipped"
            problems.append(Problem(file, number, message))
            continue
        record = _record(value, file, number, problems)
        if record is not None:
            records.append(record)
    return Batch("jsonl", tuple(records), tuple(problems))


def _record(
    value: dict[str, object], file: str, line: int, problems: list[Problem]
) -> Record | None:
    keys = {str(key).casefold(): item for key, item in value.items()}

    def get(part: str) -> object:
        return next((keys[name] for name in PARTS[part] if name in keys), None)

    def string(part: str) -> str | None:
        item = get(part)
        if item is None or isinstance(item, str):
            return optional(item)
        if isinstance(item, int | float) and not isinstance(item, bool):
            return str(item)
        problems.append(Problem(file, line, f"“{part}” is not a string; left out", "warning"))
        return None

    # quotebot's own `quotebot export`: its text is Markdown already, its topics are
    # `topic` then `tags`.
    ours = "alias" in keys and "origin" in keys
    as_markdown = str.strip if ours else markdown
    quote = get("text")
    if not isinstance(quote, str) or not as_markdown(quote):
        problems.append(Problem(file, line, f"{_NO_TEXT} string; line skipped"))
        return None
    tags = get("topics")
    if ours and isinstance(keys.get("topic"), str):
        tags = [keys["topic"], *(tags if isinstance(tags, list) else [])]
    names = listed(tags) if not isinstance(tags, str | None) else topics(tags)
    if names is None:
        problems.append(Problem(file, line, "“topics” is not a list of names; left out", "warning"))
    lead_in = string("lead_in")
    return Record(
        as_markdown(quote),
        string("speaker"),
        string("source"),
        string("link"),
        names or (),
        as_markdown(lead_in) if lead_in else None,
        file,
        line,
    )
