"""`quotebot import`: other tools' collections into the quote book, or into quote pages.

The command runs in-process on the checked-in files of tests/imports/files (the real
formats), with a throwaway SQLite database; what it stored is read back through
`quotebot export` and the store, as an operator would look.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.corpus import load_corpus
from bot.store import Store
from tests.files import write_file as page

FILES = Path(__file__).resolve().parents[1] / "imports" / "files"
KINDLE = FILES / "My Clippings.txt"

pytestmark = pytest.mark.usefixtures("empty_working_folder")

ADA_PAGE = """---
title: Notes
speaker: Ada Lovelace
---
> The Analytical Engine weaves algebraic patterns.
"""


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    corpus = tmp_path / "quotes"
    page(corpus, "ada.md", ADA_PAGE)
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}", "QUOTEBOT_CORPUS": str(corpus)}


def run(capsys: pytest.CaptureFixture[str], environ: dict[str, str], *argv: str) -> tuple[int, str]:
    code = main(list(argv), environ=environ)
    out, err = capsys.readouterr()
    return code, out + err


def exported(capsys: pytest.CaptureFixture[str], environ: dict[str, str]) -> list[dict]:
    code, out = run(capsys, environ, "export")
    assert code == 0, out
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_a_kindle_file_goes_into_the_book_approved_with_book_and_author(
    capsys: pytest.CaptureFixture[str], environ: dict[str, str]
) -> None:
    code, out = run(capsys, environ, "import", str(KINDLE))

    assert code == 0, out
    records = [r for r in exported(capsys, environ) if r["origin"] == "slack"]
    walden = [r for r in records if r["source"] == "Walden"]
    assert {r["speaker"] for r in walden} == {"Henry David Thoreau"}
    deliberately = next(r for r in walden if "deliberately" in r["text"])
    assert deliberately["lead_in"] == "Read again in spring."  # its note
    assert deliberately["added_by"] == "quotebot import"
    # The highlight extended later is there once, at its longest.
    craft = [r for r in records if r["text"].startswith("Care about your craft.")]
    assert len(craft) == 1 and "doing it well?" in craft[0]["text"]
    store = Store(environ["DATABASE_URL"])
    try:
        assert store.book.waiting(None) == []  # an import skips review
        assert {row.status for row in store.book.quotes(statuses=["approved"])} == {"approved"}
    finally:
        store.close()
    assert f"{len(records)} quotes imported into the quote book" in out


def test_a_second_run_imports_nothing_and_says_so(
    capsys: pytest.CaptureFixture[str], environ: dict[str, str]
) -> None:
    run(capsys, environ, "import", str(KINDLE), str(FILES / "readwise.md"))
    first = len(exported(capsys, environ))

    code, out = run(capsys, environ, "import", str(KINDLE), str(FILES / "readwise.md"))

    assert code == 0, out
    assert "0 quotes imported into the quote book" in out
    assert len(exported(capsys, environ)) == first


def test_a_quote_the_files_already_have_is_not_imported_again(
    capsys: pytest.CaptureFixture[str], environ: dict[str, str], tmp_path: Path
) -> None:
    table = tmp_path / "more.csv"
    table.write_text(
        "text,speaker\n"
        '"The analytical engine weaves algebraic patterns!",Ada\n'  # the page's, re-punctuated
        "Robots will build the robots.,Ada\n",
        encoding="utf-8",
    )

    code, out = run(capsys, environ, "import", str(table))

    assert code == 0, out
    assert "1 quotes imported into the quote book; 1 already there" in out
    texts = [r["text"] for r in exported(capsys, environ) if r["origin"] == "slack"]
    assert texts == ["Robots will build the robots."]


def test_a_bad_row_is_reported_with_its_file_and_line_and_the_others_go_in(
    capsys: pytest.CaptureFixture[str], environ: dict[str, str], tmp_path: Path
) -> None:
    table = tmp_path / "mixed.csv"
    long_text = "word " * 700  # over the 3,000 characters a quote holds
    table.write_text(
        f"text,speaker,link\nFirst good one.,Ada,\n{long_text},Bob,\nSecond good one.,Cy,\n",
        encoding="utf-8",
    )

    code, out = run(capsys, environ, "import", str(table))

    assert code == 1, out
    assert f"{table}:3: error: text: A quote holds at most 3,000 characters" in out
    texts = {r["text"] for r in exported(capsys, environ) if r["origin"] == "slack"}
    assert texts == {"First good one.", "Second good one."}


def test_a_file_of_no_known_format_is_an_error_naming_it(
    capsys: pytest.CaptureFixture[str], environ: dict[str, str], tmp_path: Path
) -> None:
    unknown = tmp_path / "notes.txt"
    unknown.write_text("just some words\nand more\n", encoding="utf-8")

    code, out = run(capsys, environ, "import", str(unknown))

    assert code == 1, out
    assert f"{unknown}:1: error:" in out and "--format" in out


def test_import_to_a_folder_writes_pages_that_load_and_a_second_run_adds_nothing(
    capsys: pytest.CaptureFixture[str], environ: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "imported"

    code, out = run(capsys, environ, "import", str(KINDLE), "--to", str(folder))

    assert code == 0, out
    loaded = load_corpus(folder, log_problems=False)
    assert loaded.errors == ()
    walden = [q for q in loaded.corpus if q.source == "Walden"]
    assert walden and {q.speaker for q in walden} == {"Henry David Thoreau"}
    pages = sorted(path.name for path in folder.iterdir())

    code, out = run(capsys, environ, "import", str(KINDLE), "--to", str(folder))

    assert code == 0, out
    assert f"0 quotes imported into 0 new pages in {folder}" in out
    assert sorted(path.name for path in folder.iterdir()) == pages
    assert len(load_corpus(folder, log_problems=False).corpus) == len(loaded.corpus)
    store = Store(environ["DATABASE_URL"])
    try:
        assert store.book.quotes(statuses=["approved"]) == []  # pages, not the book
    finally:
        store.close()


def test_a_quote_once_removed_from_the_book_is_not_brought_back_by_a_new_run(
    capsys: pytest.CaptureFixture[str], environ: dict[str, str], tmp_path: Path
) -> None:
    table = tmp_path / "b.csv"
    table.write_text("text\nFirst one.\nSecond one.\n", encoding="utf-8")
    run(capsys, environ, "import", str(table))
    store = Store(environ["DATABASE_URL"])
    try:
        first = next(r for r in store.book.quotes(statuses=["approved"]) if r.text == "First one.")
        store.book.change("", first.id, when_status=["approved"], by="U0ADMIN",
                          now=first.added_at, status="removed")  # fmt: skip
    finally:
        store.close()

    code, out = run(capsys, environ, "import", str(table))

    assert code == 0, out
    assert "0 quotes imported into the quote book; 2 already there" in out
    texts = [r["text"] for r in exported(capsys, environ) if r["origin"] == "slack"]
    assert texts == ["Second one."]
