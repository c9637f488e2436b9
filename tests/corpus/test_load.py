"""Loading a folder of quote pages: what loads, and what a broken page reports."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.corpus import CorpusError, LoadResult, Problem, load_corpus
from tests.files import write_file as write

GOOD = """---
title: Grace Hopper on Navy Talk
tags: [ships]
---

## Ships

On harbours:
> Ships are safe in harbour.

> That is not what ships are for.
"""


def texts(result: LoadResult) -> list[str]:
    return [quote.text for quote in result.corpus]


def test_a_folder_loads_recursively_with_both_suffixes(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "> From a.\n")
    write(tmp_path, "people/grace/b.markdown", "## T\n\n> From b.\n")
    write(tmp_path, "people/c.MD", "> From c.\n")
    write(tmp_path, "notes.txt", "> Not a quote page.\n")
    write(tmp_path, "people/readme.rst", "> Not a quote page either.\n")
    result = load_corpus(tmp_path)
    assert result.problems == ()
    assert {(q.file, q.line, q.text) for q in result.corpus} == {
        ("a.md", 1, "From a."),
        ("people/grace/b.markdown", 3, "From b."),
        ("people/c.MD", 1, "From c."),
    }


def test_files_load_in_a_stable_path_order(tmp_path: Path) -> None:
    for name in ("z.md", "b/a.md", "a.md", "m.markdown"):
        write(tmp_path, name, f"> In {name}.\n")
    first = [quote.file for quote in load_corpus(tmp_path).corpus]
    assert first == sorted(first)
    assert [quote.file for quote in load_corpus(tmp_path).corpus] == first


def test_a_single_file_can_be_loaded(tmp_path: Path) -> None:
    path = write(tmp_path, "sub/page.md", GOOD)
    result = load_corpus(path)
    assert result.problems == ()
    assert [(q.file, q.line) for q in result.corpus] == [("page.md", 9), ("page.md", 11)]


def test_a_missing_folder_is_a_corpus_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(CorpusError, match="nowhere"):
        load_corpus(missing)


# Every bad input gives exactly one problem naming the file and line, and the good
# page next to it still loads in full.

BAD_INPUTS = [
    pytest.param(b"> Fine.\n> Also fine.\n> Caf\xe9 au lait.\n", 3, "error", "UTF-8", id="latin-1"),
    pytest.param(b"\xef\xbb\xbf> Fine.\n\xff\n", 2, "error", "UTF-8", id="bom-then-bad-byte"),
    pytest.param(b"", 1, "warning", "empty", id="empty"),
    pytest.param(b"  \n\n\t\n", 1, "warning", "empty", id="blank"),
    pytest.param(b"---\ntitle: x\n---\nJust words.\n", 1, "warning", "no quotes", id="no-quotes"),
    pytest.param(
        b"---\ntitle: ok\nref: https://example.org\ntags: a: b\n---\n> Lost.\n",
        4,
        "error",
        "YAML",
        id="malformed-yaml",
    ),
    pytest.param(b"---\ntitle: ok\n\tref: x\n---\n> Lost.\n", 3, "error", "YAML", id="tab-in-yaml"),
    pytest.param(b"---\ntitle: ok\n\n> Lost.\n", 1, "error", "not closed", id="unclosed"),
    pytest.param(b"---\n- a\n- b\n---\n> Lost.\n", 2, "error", "mapping", id="yaml-list"),
]


@pytest.mark.parametrize(("content", "line", "severity", "words"), BAD_INPUTS)
def test_a_bad_page_gives_one_problem_and_the_others_load(
    tmp_path: Path, content: bytes, line: int, severity: str, words: str
) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "sub/bad.md", content)
    result = load_corpus(tmp_path)
    assert len(result.problems) == 1, result.problems
    problem = result.problems[0]
    assert (problem.file, problem.line, problem.severity) == ("sub/bad.md", line, severity)
    assert words.casefold() in problem.message.casefold()
    assert str(problem).startswith(f"sub/bad.md:{line}: {severity}: ")
    assert texts(result) == ["Ships are safe in harbour.", "That is not what ships are for."]


def test_a_page_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    write(tmp_path, "bom.md", "\ufeff---\ntitle: Grace Hopper on Navy Talk\n---\n> Fine.\n")
    result = load_corpus(tmp_path)
    assert result.problems == ()
    quote = result.corpus.quotes[0]
    assert (quote.speaker, quote.source, quote.line) == ("Grace Hopper", "Navy Talk", 4)


def test_windows_line_endings_keep_the_line_numbers(tmp_path: Path) -> None:
    write(tmp_path, "crlf.md", GOOD.replace("\n", "\r\n").encode("utf-8"))
    result = load_corpus(tmp_path)
    assert result.problems == ()
    assert [(q.line, q.lead_in) for q in result.corpus] == [(9, "On harbours"), (11, "On harbours")]


def test_a_quote_in_two_files_is_kept_once_and_reported_once(tmp_path: Path) -> None:
    write(tmp_path, "a.md", GOOD)
    write(tmp_path, "b.md", "## Elsewhere\n\n> Another one.\n\n> Ships are SAFE\n> in harbour\n")
    result = load_corpus(tmp_path)
    assert result.problems == (
        Problem("b.md", 5, "duplicate quote: same text as a.md:9; skipped", "warning"),
    )
    assert [(q.file, q.line) for q in result.corpus] == [("a.md", 9), ("a.md", 11), ("b.md", 3)]


def test_every_problem_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "empty.md", "")
    write(tmp_path, "broken.md", b"> caf\xe9\n")
    with caplog.at_level(logging.WARNING, logger="bot.corpus"):
        load_corpus(tmp_path)
    assert sorted((r.levelname, r.getMessage().split(":")[0]) for r in caplog.records) == [
        ("ERROR", "broken.md"),
        ("WARNING", "empty.md"),
    ]


def test_all_bad_inputs_together_leave_the_good_page_whole(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    for number, bad in enumerate(BAD_INPUTS):
        write(tmp_path, f"bad/{number}.md", bad.values[0])
    write(tmp_path, "z-copy.md", "> That is not what ships are for.\n")
    result = load_corpus(tmp_path)
    assert sorted(p.file for p in result.problems) == sorted(
        ["z-copy.md"] + [f"bad/{number}.md" for number in range(len(BAD_INPUTS))]
    )
    assert len(result.errors) == sum(1 for bad in BAD_INPUTS if bad.values[2] == "error")
    assert texts(result) == ["Ships are safe in harbour.", "That is not what ships are for."]
