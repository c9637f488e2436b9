"""Quotes kept in a CSV with a text column, or in JSON Lines."""

from __future__ import annotations

import json

from bot.imports import Batch, read, read_text
from tests.imports.fixtures import QUOTES_CSV, QUOTES_JSONL

ZEN = "https://peps.python.org/pep-0020/"


def shown(batch: Batch) -> list[tuple[object, ...]]:
    return [
        (r.line, r.text, r.speaker, r.source, r.url, r.topics, r.lead_in) for r in batch.records
    ]


def test_a_csv_yields_its_quotes_with_synonym_columns_in_any_case() -> None:
    batch = read(QUOTES_CSV)
    assert batch.format == "csv"
    assert shown(batch) == [
        (2, "Simple is better than complex.", "Tim Peters", "The Zen of Python", ZEN,
         ("python", "design"), None),
        (3, "Use \\*stars\\* and \\[brackets\\] as typed.", None, None, None, (), None),
        (5, "Two lines\nin one cell.", "Grace Hopper", None, None, ("history",), None),
    ]  # fmt: skip


def test_a_csv_row_without_text_is_an_error_naming_its_line() -> None:
    assert [str(p) for p in read(QUOTES_CSV).problems] == [
        f"{QUOTES_CSV}:4: error: no text: each quote needs a “text” (or “quote”) cell; row skipped"
    ]


def test_a_csv_from_a_semicolon_locale_reads_the_same() -> None:
    data = "quote;author;topics\n«Ça ira.»;Anonyme;révolution, chanson\n"
    assert shown(read_text(data, "citations.csv")) == [
        (2, "«Ça ira.»", "Anonyme", None, None, ("révolution", "chanson"), None)
    ]


def test_a_csv_forced_without_a_text_column_says_which_columns_it_has() -> None:
    batch = read_text("name,born\nAda,1815\n", "people.csv", format="csv")
    assert [str(p) for p in batch.problems] == [
        "people.csv:1: error: no “text” (or “quote”) column in the header row (columns: name, born)"
    ]


def test_a_jsonl_file_yields_its_objects_and_reports_each_bad_line() -> None:
    batch = read(QUOTES_JSONL)
    assert batch.format == "jsonl"
    assert shown(batch) == [
        (1, "Simple is better than complex.", "Tim Peters", "The Zen of Python", ZEN,
         ("python", "design"), None),
        (2, "Premature optimization is the root of all evil.", "Donald Knuth", None, None,
         ("performance", "programming"), None),
        (7, "With a note", None, None, None, (), "Said in \\*jest\\*"),
    ]  # fmt: skip
    gist = [(p.line, p.severity, p.message.split(" (")[0].split(";")[0]) for p in batch.problems]
    assert gist == [
        (4, "error", "not a JSON object but a list"),
        (5, "error", "not JSON"),
        (6, "error", "no text: each quote needs a “text”"),
    ]


def test_json_values_of_the_wrong_type_are_left_out_with_a_warning() -> None:
    data = '{"text": "Words", "speaker": {"name": "Ada"}, "source": 1843, "topics": 7}\n'
    batch = read_text(data, "q.jsonl")
    assert shown(batch) == [(1, "Words", None, "1843", None, (), None)]
    assert [(p.line, p.severity) for p in batch.problems] == [(1, "warning"), (1, "warning")]


def test_a_bom_at_the_start_of_a_json_line_is_ignored() -> None:
    data = '\ufeff{"text": "one"}\n\ufeff{"text": "two"}\n'
    assert [r.text for r in read_text(data, "q.jsonl").records] == ["one", "two"]


def test_quotebots_own_export_comes_back_as_it_was_exported() -> None:
    line = json.dumps(
        {"id": "7KQ2MX", "text": "Not \\*bold\\*,\n  - nested **really**", "speaker": "Ada",
         "source": "Notes", "url": "https://x.y", "topic": "Engines", "lead_in": "On *this*",
         "tags": ["quote", "machines"], "file": "ada.md", "line": 3, "alias": "0123456789ab",
         "origin": "file", "added_by": None, "added_at": None, "marked": False}
    )  # fmt: skip

    batch = read_text(line + "\n", "export.jsonl")

    assert batch.problems == ()
    (record,) = batch.records
    assert record.text == "Not \\*bold\\*,\n  - nested **really**"  # Markdown kept, not escaped
    assert record.lead_in == "On *this*"
    assert record.topics == ("Engines", "quote", "machines")
    assert (record.speaker, record.source, record.url) == ("Ada", "Notes", "https://x.y")
