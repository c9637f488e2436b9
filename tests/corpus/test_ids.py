"""Short quote IDs: the same for the same folder anywhere, kept by markers, never twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.corpus import Corpus, LoadResult, Problem, load_corpus, parse_page
from bot.corpus.model import legacy_id, short_id, text_digest
from bot.ids import ALPHABET
from tests.files import write_file as write

REPO = Path(__file__).resolve().parents[2]

HOPPER = """---
title: Grace Hopper on Navy Talk
tags: [ships]
---
## Ships

On harbours:
> Ships are safe in harbour,
> but that is not what ships are for.

> The most dangerous phrase is: we've always done it this way.
"""

# Two texts whose 6-character IDs are the same (found by trying numbers): P5CJK3.
CLASH_FIRST = "Ships are safe in harbour 42294."
CLASH_SECOND = "Ships are safe in harbour 49358."


def ids(result: LoadResult) -> dict[str, str]:
    return {quote.text: quote.id for quote in result.corpus}


def only_quote(root: Path) -> tuple[str, str]:
    [quote] = load_corpus(root).corpus
    return quote.id, quote.text


def test_a_quote_gets_a_short_id_people_can_type(tmp_path: Path) -> None:
    write(tmp_path, "hopper.md", HOPPER)
    for quote in load_corpus(tmp_path).corpus:
        assert len(quote.id) == 6 and set(quote.id) <= set(ALPHABET), quote.id
        assert quote.alias == legacy_id(quote.text) and len(quote.alias) == 12
        assert not quote.marked


def test_the_same_folder_gives_the_same_ids_on_another_machine(tmp_path: Path) -> None:
    # Another machine: another folder, another process, another hash seed.
    here, there = tmp_path / "here", tmp_path / "elsewhere" / "copy"
    for root in (here, there):
        write(root, "hopper.md", HOPPER)
        write(root, "more/clash.md", f"> {CLASH_SECOND}\n\n> {CLASH_FIRST}\n")
    script = (
        "import json, sys; from bot.corpus import load_corpus; "
        "print(json.dumps({q.text: q.id for q in load_corpus(sys.argv[1]).corpus}))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(there)],
        capture_output=True, text=True, cwd=REPO, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ids(load_corpus(here)) == ids(load_corpus(here))


def test_rewrapping_case_and_punctuation_keep_the_id(tmp_path: Path) -> None:
    write(tmp_path, "p.md", "> Ships are safe in harbour, but that is not what ships are for.\n")
    before, _ = only_quote(tmp_path)
    rewrapped = (
        "## Ships\n\n> SHIPS are safe in harbour --\n> but that is not\nwhat ships are for!\n"
    )
    write(tmp_path, "p.md", rewrapped)
    after, text = only_quote(tmp_path)
    assert after == before
    assert text == "SHIPS are safe in harbour -- but that is not what ships are for!"


def test_a_real_edit_changes_the_id_without_a_marker(tmp_path: Path) -> None:
    write(tmp_path, "p.md", "> Ships are safe in harbour.\n")
    before, _ = only_quote(tmp_path)
    write(tmp_path, "p.md", "> Ships are safe in the harbour.\n")
    assert only_quote(tmp_path)[0] != before


@pytest.mark.parametrize(
    "marked",
    [
        "> Ships are safe in harbour.\n<!-- quote 7KQ2M -->\n",
        "> Ships are safe in harbour.\n> <!-- quote 7KQ2M -->\n",
        "> Ships are safe in harbour.\n<!--quote 7kq2m-->\n",
        "> Ships are safe\n> in harbour.\n>\n  <!--   QUOTE   7KQ2M   -->  \n",
        "Lead:\n> Ships are safe\nin harbour.\n<!-- quote 7KQ2M -->\n\n> Another.\n",
    ],
)
def test_a_marker_gives_the_id_and_is_not_part_of_the_text(marked: str) -> None:
    page = parse_page(marked, "p.md")
    assert page.problems == ()
    quote = page.quotes[0]
    assert (quote.id, quote.text, quote.marked) == ("7KQ2M", "Ships are safe in harbour.", True)
    assert all("<!--" not in (q.text + (q.lead_in or "")) for q in page.quotes)


def test_a_marker_keeps_the_id_through_any_edit(tmp_path: Path) -> None:
    write(tmp_path, "p.md", "> Ships are safe in harbour.\n<!-- quote 7KQ2M -->\n")
    assert only_quote(tmp_path) == ("7KQ2M", "Ships are safe in harbour.")
    write(tmp_path, "p.md", "## Moved\n\n> Boats are happier at sea.\n<!-- quote 7KQ2M -->\n")
    assert only_quote(tmp_path) == ("7KQ2M", "Boats are happier at sea.")


def test_quotes_after_a_marked_one_keep_their_lead_in() -> None:
    page = parse_page("On ships:\n> One.\n<!-- quote 7KQ2M -->\n\n> Two.\n", "p.md")
    assert [(q.text, q.lead_in) for q in page.quotes] == [
        ("One.", "On ships"),
        ("Two.", "On ships"),
    ]


@pytest.mark.parametrize(
    ("marker", "shown"),
    [
        ("<!-- quote 0OIL -->", "'0OIL'"),  # letters the alphabet leaves out
        ("<!-- quote K7Q -->", "'K7Q'"),  # too short
        ("<!-- quote K7Q2MK7Q2MK7Q -->", "'K7Q2MK7Q2MK7Q'"),  # too long
        ("<!-- quote -->", "no ID"),
        ("<!-- quote K7Q 2M -->", "'K7Q 2M'"),
    ],
)
def test_a_bad_marker_is_a_warning_and_the_quote_keeps_its_derived_id(
    marker: str, shown: str
) -> None:
    page = parse_page(f"## T\n\n> Ships are safe in harbour.\n{marker}\n", "p.md")
    [problem] = page.problems
    assert (problem.file, problem.line, problem.severity) == ("p.md", 4, "warning")
    assert shown in problem.message and ALPHABET in problem.message
    [quote] = page.quotes
    assert quote.id == short_id(text_digest("Ships are safe in harbour."))
    assert not quote.marked and quote.text == "Ships are safe in harbour."


def test_a_marker_away_from_any_quote_is_reported_and_ignored() -> None:
    page = parse_page("> One.\n\n<!-- quote 7KQ2M -->\n\n> Two.\n", "p.md")
    assert page.problems == (
        Problem("p.md", 3, "quote marker not right after a blockquote; ignored", "warning"),
    )
    assert [(q.text, q.marked) for q in page.quotes] == [("One.", False), ("Two.", False)]


def test_the_second_quote_with_a_marker_gets_a_derived_id_and_both_places_are_named(
    tmp_path: Path,
) -> None:
    write(tmp_path, "a.md", "> First.\n<!-- quote 7KQ2M -->\n")
    write(tmp_path, "b.md", "## T\n\n> Second.\n> <!-- quote 7kq2m -->\n")
    result = load_corpus(tmp_path)
    assert ids(result) == {"First.": "7KQ2M", "Second.": short_id(text_digest("Second."))}
    [problem] = result.problems
    assert (problem.file, problem.line, problem.severity) == ("b.md", 4, "warning")
    assert "7KQ2M" in problem.message and "a.md:1" in problem.message
    assert not result.corpus.get(ids(result)["Second."]).marked


def test_marker_ids_are_reserved_before_derived_ones(tmp_path: Path) -> None:
    derived = short_id(text_digest("Ships are safe in harbour."))
    write(tmp_path, "a.md", "> Ships are safe in harbour.\n")
    write(tmp_path, "b.md", f"> Another quote, marked.\n<!-- quote {derived} -->\n")
    result = load_corpus(tmp_path)
    assert result.problems == ()
    assert ids(result) == {
        "Ships are safe in harbour.": short_id(text_digest("Ships are safe in harbour."), 8),
        "Another quote, marked.": derived,
    }


def test_a_short_id_taken_becomes_the_long_form_of_the_same_digest(tmp_path: Path) -> None:
    first, second = short_id(text_digest(CLASH_FIRST)), short_id(text_digest(CLASH_SECOND))
    assert first == second  # the two texts really collide
    write(tmp_path, "a.md", f"> {CLASH_FIRST}\n")
    write(tmp_path, "b.md", f"> {CLASH_SECOND}\n")
    result = load_corpus(tmp_path)
    long = short_id(text_digest(CLASH_SECOND), 8)
    assert ids(result) == {CLASH_FIRST: first, CLASH_SECOND: long}
    assert long.startswith(first)
    # Page order decides: the same pages the other way round swap the two.
    write(tmp_path, "a.md", f"> {CLASH_SECOND}\n")
    write(tmp_path, "b.md", f"> {CLASH_FIRST}\n")
    swapped = ids(load_corpus(tmp_path))
    assert swapped == {CLASH_SECOND: first, CLASH_FIRST: short_id(text_digest(CLASH_FIRST), 8)}


def test_when_both_forms_are_taken_a_counter_finds_a_free_id(tmp_path: Path) -> None:
    digest = text_digest(CLASH_SECOND)
    short, long = short_id(digest), short_id(digest, 8)
    write(
        tmp_path,
        "a.md",
        f"> Holder one.\n<!-- quote {short} -->\n\n> Holder two.\n<!-- quote {long} -->\n",
    )
    write(tmp_path, "b.md", f"> {CLASH_SECOND}\n")
    result = load_corpus(tmp_path)
    assert result.problems == ()
    got = ids(result)[CLASH_SECOND]
    assert len(got) == 8 and got not in (short, long)
    assert ids(load_corpus(tmp_path))[CLASH_SECOND] == got, "the same every load"
    assert len(set(ids(result).values())) == 3


def test_ids_are_unique_in_a_large_folder_with_many_short_collisions(tmp_path: Path) -> None:
    texts = [f"Ships are safe in harbour {n}." for n in range(40_000, 60_000)]  # the clash
    write(tmp_path, "many.md", "\n\n".join(f"> {text}" for text in texts) + "\n")
    result = load_corpus(tmp_path)
    found = [quote.id for quote in result.corpus]
    assert len(found) == len(set(found)) == 20_000
    assert sum(len(quote_id) == 8 for quote_id in found) > 0, "some collided at 6 characters"
    assert result.problems == ()


@pytest.mark.parametrize("typed", ["{id}", "#{id}", "{lower}", "#{lower}", "  #{lower} ", "# {id}"])
def test_get_takes_the_id_as_people_type_it(tmp_path: Path, typed: str) -> None:
    write(tmp_path, "hopper.md", HOPPER)
    corpus = load_corpus(tmp_path).corpus
    quote = corpus.quotes[1]
    assert corpus.get(typed.format(id=quote.id, lower=quote.id.lower())) is quote


def test_get_takes_the_old_12_hex_id_stored_before_short_ids(tmp_path: Path) -> None:
    write(tmp_path, "hopper.md", HOPPER)
    corpus = load_corpus(tmp_path).corpus
    for quote in corpus:
        assert corpus.get(legacy_id(quote.text)) is quote
        assert corpus.get(quote.alias.upper()) is quote
    assert corpus.get("000000000000") is None
    assert corpus.get("") is None and corpus.get("#") is None


def test_a_corpus_refuses_two_quotes_with_one_id() -> None:
    quote = parse_page("> One.\n", "p.md").quotes[0]
    with pytest.raises(ValueError, match=quote.id):
        Corpus([quote, quote])
