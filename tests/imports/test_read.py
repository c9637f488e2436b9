"""The entry point: formats told by content, --format overrides, files that cannot be read."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.imports import FORMATS, read, read_text
from tests.imports.fixtures import (
    FILES,
    KINDLE,
    QUOTES_CSV,
    QUOTES_JSONL,
    READWISE_MARKDOWN,
    READWISE_NEW,
    READWISE_OLD,
)

IMPORTS = Path(__file__).resolve().parents[2] / "bot" / "imports"


@pytest.mark.parametrize(
    ("path", "format"),
    [
        (KINDLE, "kindle"),
        (READWISE_NEW, "readwise-csv"),
        (READWISE_OLD, "readwise-csv"),
        (READWISE_MARKDOWN, "readwise-markdown"),
        (QUOTES_CSV, "csv"),
        (QUOTES_JSONL, "jsonl"),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_the_format_is_told_from_the_content_not_the_name(
    tmp_path: Path, path: Path, format: str
) -> None:
    renamed = tmp_path / "export.txt"  # the same bytes under a name that says nothing
    renamed.write_bytes(path.read_bytes())
    batch = read(renamed)
    assert batch.format == format
    assert batch.records == tuple(replace(r, file=str(renamed)) for r in read(path).records)


def test_format_overrides_detection() -> None:
    # A CSV whose header also has a text column is read as Readwise's when told so.
    data = "Highlight,Title,Text\nfrom readwise,Book,from text\n"
    assert [r.text for r in read_text(data, "x.csv").records] == ["from readwise"]
    assert [r.text for r in read_text(data, "x.csv", format="csv").records] == ["from text"]


def test_a_file_forced_into_the_wrong_format_yields_problems_not_quotes() -> None:
    batch = read_text(KINDLE.read_bytes(), "clips.txt", format="jsonl")
    assert (batch.records, batch.problems[0].line) == ((), 1)
    assert all(p.message.startswith("not JSON") for p in batch.problems)
    empty = read_text("# Just a heading\n", "notes.md", format="readwise-markdown")
    assert [str(p) for p in empty.problems] == [
        "notes.md:1: warning: no quotes found: is this really a readwise-markdown file?"
    ]


def test_an_undetectable_file_is_one_error_naming_the_formats_and_the_flag() -> None:
    batch = read_text("Dear diary,\nnothing to see here.\n", "diary.txt")
    assert (batch.format, batch.records) == ("", ())
    [problem] = batch.problems
    assert (problem.file, problem.line, problem.severity) == ("diary.txt", 1, "error")
    for name in ("Kindle", "Readwise CSV", "Readwise Markdown", "CSV", "JSON Lines", "--format"):
        assert name in problem.message
    assert all(format in problem.message for format in FORMATS)


def test_an_unknown_format_name_is_an_error_not_an_exception() -> None:
    [problem] = read_text("text\nhi\n", "x.csv", format="excel").problems
    assert str(problem) == (
        "x.csv:1: error: unknown format “excel”: the formats are "
        "kindle, readwise-csv, readwise-markdown, csv, jsonl"
    )


def test_a_file_that_is_not_utf8_is_an_error_naming_the_line_of_the_bad_byte() -> None:
    data = "text,author\nCafé au lait,Anon\nÀ bientôt,Anon\n".encode("cp1252")
    batch = read_text(data, "excel.csv")
    assert batch.records == ()
    assert [str(p) for p in batch.problems] == [
        "excel.csv:2: error: not UTF-8: byte 0xE9 on this line is not UTF-8 (the file may be "
        "Windows-1252 or Latin-1); save it as UTF-8 and import it again"
    ]


def test_a_utf16_file_is_an_error_saying_so() -> None:
    batch = read_text("text\nhello\n".encode("utf-16"), "unicode.txt")
    assert [p.message for p in batch.problems] == [
        "the file is UTF-16, not UTF-8: save it as UTF-8"
    ]


def test_an_empty_file_is_a_warning() -> None:
    assert [str(p) for p in read_text(b"\xef\xbb\xbf \r\n", "empty.csv").problems] == [
        "empty.csv:1: warning: the file is empty: nothing to import"
    ]


def test_a_bom_and_crlf_do_not_hide_a_csv_header() -> None:
    data = "\ufefftext,author\r\nOne,Ann\r\n".encode()
    batch = read_text(data, "bom.csv")
    assert [(r.line, r.text, r.speaker) for r in batch.records] == [(2, "One", "Ann")]


def test_progress_is_reported_in_lines_and_ends_at_the_total() -> None:
    data = "".join(
        f"Book (Writer)\n- Your Highlight on Location {n}-{n} | Added on Monday\n\nWords {n}\n"
        "==========\n"
        for n in range(1, 2001)
    )
    seen: list[tuple[int, int]] = []
    read_text(data, "My Clippings.txt", on_progress=lambda done, total: seen.append((done, total)))
    assert 50 <= len(seen) <= 110
    assert seen[-1] == (10_001, 10_001)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_every_fixture_file_has_its_test() -> None:
    used = {KINDLE, READWISE_NEW, READWISE_OLD, READWISE_MARKDOWN, QUOTES_CSV, QUOTES_JSONL}
    assert {path for path in FILES.iterdir() if not path.name.startswith(".")} == used


def test_the_importers_never_import_slack_the_database_or_the_bot() -> None:
    banned = ("slack_bolt", "slack_sdk", "aiohttp", "sqlalchemy")
    banned_bot = ("bot.store", "bot.listeners", "bot.book")
    names: set[str] = set()
    for path in IMPORTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
    assert sorted(n for n in names if n.split(".")[0] in banned or n.startswith(banned_bot)) == []
    # And importing it (with all it pulls in) loads none of them either.
    check = (
        "import sys, bot.imports; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {banned!r} "
        f"or m.startswith({banned_bot!r})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
