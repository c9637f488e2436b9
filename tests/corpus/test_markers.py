"""`quotebot ids`: markers written once, every other byte kept, and then edits keep IDs."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from bot.cli import main
from bot.corpus import load_corpus, shipped_corpus
from bot.corpus.markers import MarkerError, add_markers
from tests.files import write_file as write

HOPPER = """---
title: Grace Hopper on Navy Talk
tags: [ships]
---
## Ships

On harbours:
> Ships are safe in harbour,
> but that is not what ships are for.

> The most dangerous phrase is: we've always done it this way.

Some commentary that is no quote.

## Computers

> A ship in port is safe,
lazily continued.
>
> In a second paragraph.
"""

MARKER_LINE = re.compile(rb"^<!-- quote [2-9A-Z]{6,8} -->(\r\n|\n)?", re.MULTILINE)


# Run in an empty working folder: no `.env` and no `config/quotebot.yaml` to pick up.
pytestmark = pytest.mark.usefixtures("empty_working_folder")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "quotes"
    write(root, "hopper.md", HOPPER)
    write(root, "people/ada.md", "---\nspeaker: Ada Lovelace\n---\n> The engine weaves.\n")
    return root


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, environ: dict[str, str] | None = None
) -> tuple[int, str]:
    code = main(["ids", *argv], environ={} if environ is None else environ)
    out, err = capsys.readouterr()
    return code, out + err


def ids_by_text(root: Path) -> dict[str, str]:
    return {quote.text: quote.id for quote in load_corpus(root).corpus}


def test_ids_adds_a_marker_after_every_quote_once(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    before = ids_by_text(root)
    code, out = run(capsys, str(root))
    assert code == 0, out
    assert "hopper.md: 3 markers added" in out, out
    assert "people/ada.md: 1 markers added" in out, out
    assert f"{root}: 4 markers added in 2 pages" in out, out

    result = load_corpus(root)
    assert result.problems == ()
    assert all(quote.marked for quote in result.corpus)
    assert ids_by_text(root) == before, "every quote keeps the ID it had"

    written = {path: path.read_bytes() for path in root.rglob("*.md")}
    code, out = run(capsys, str(root))
    assert code == 0, out
    assert f"{root}: 0 markers added in 0 pages" in out, out
    assert {path: path.read_bytes() for path in root.rglob("*.md")} == written
    assert sorted(p.name for p in root.rglob("*")) == ["ada.md", "hopper.md", "people"]


def test_ids_keeps_every_other_byte_of_the_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    original = (
        b"\xef\xbb\xbf---\r\ntitle: Caf\xc3\xa9 talk  \r\n---\r\n\r\n> Un caf\xc3\xa9,\r\n"
        b"> s'il vous pla\xc3\xaet.   \r\n\r\nTrailing words.\t\r\n\r\n> Last, with no line end"
    )
    path = write(tmp_path / "q", "cafe.md", original)
    path.chmod(0o640)
    code, out = run(capsys, str(tmp_path / "q"))
    assert code == 0, out
    changed = path.read_bytes()
    assert MARKER_LINE.sub(b"", changed) == original.replace(b"end", b"end\r\n")
    assert changed.startswith(b"\xef\xbb\xbf---\r\n")
    assert changed.count(b"<!-- quote ") == 2 and changed.endswith(b" -->"), changed
    assert b"\n" not in changed.replace(b"\r\n", b""), "no bare line feed crept in"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [q.text for q in load_corpus(path).corpus] == [
        "Un café, s'il vous plaît.",
        "Last, with no line end",
    ]


def test_after_ids_an_edit_of_the_text_keeps_the_id(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    assert run(capsys, str(root))[0] == 0
    before = load_corpus(root).corpus
    quote = before.lookup("dangerous").quotes[0]
    page = root / "hopper.md"
    text = page.read_text(encoding="utf-8")
    edited = text.replace("The most dangerous phrase is", "The most damaging phrase in English")
    page.write_text(edited, encoding="utf-8")

    after = load_corpus(root).corpus
    assert after.get(quote.id).text.startswith("The most damaging phrase in English")
    assert [q.id for q in after] == [q.id for q in before]
    assert after.get(quote.alias) is None, "the old text's alias went with the old text"


def test_without_ids_the_same_edit_changes_the_id(root: Path) -> None:
    quote = load_corpus(root).corpus.lookup("dangerous").quotes[0]
    page = root / "hopper.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("dangerous", "damaging"), encoding="utf-8")
    assert load_corpus(root).corpus.get(quote.id) is None


def test_check_reports_what_would_change_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    before = {path: path.read_bytes() for path in root.rglob("*.md")}
    code, out = run(capsys, "--check", str(root))
    assert code == 1, out
    assert "hopper.md: 3 markers to add" in out and "4 markers to add in 2 pages" in out, out
    assert {path: path.read_bytes() for path in root.rglob("*.md")} == before

    assert run(capsys, str(root))[0] == 0
    code, out = run(capsys, "--check", str(root))
    assert (code, out.strip()) == (0, f"{root}: 0 markers to add in 0 pages")


def test_the_folder_defaults_to_the_configured_corpus(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    code, out = run(capsys, environ={"QUOTEBOT_CORPUS": str(root)})
    assert code == 0, out
    assert "4 markers added" in out, out
    assert all(quote.marked for quote in load_corpus(root).corpus)


def test_the_shipped_quotes_are_only_rewritten_when_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pages = {path: path.read_bytes() for path in shipped_corpus().glob("*.md")}
    try:
        code, out = run(capsys)
        assert code == 2, out
        assert "pass DIR" in out
        assert run(capsys, "--check")[0] == 1, "checking them is fine"
    finally:
        for path, data in pages.items():
            if path.read_bytes() != data:
                path.write_bytes(data)
                pytest.fail(f"{path} was rewritten")


def test_a_bad_or_second_marker_is_replaced_with_the_quotes_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = tmp_path / "q"
    write(root, "a.md", "> First.\n<!-- quote 7KQ2M -->\n\n> Bad one.\n> <!-- Quote 0OIL -->\n")
    write(root, "b.md", "> Second.\n<!-- quote 7KQ2M -->\n")
    assert len(load_corpus(root).problems) == 2
    before = ids_by_text(root)

    code, out = run(capsys, str(root))
    assert code == 0, out
    assert "a.md: 1 markers added (1 replacing bad ones)" in out, out
    result = load_corpus(root)
    assert result.problems == ()
    assert ids_by_text(root) == before
    assert (root / "a.md").read_text().endswith(f"> <!-- Quote {before['Bad one.']} -->\n")


def test_a_duplicate_quote_gets_no_marker(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = tmp_path / "q"
    write(root, "a.md", "> Same words.\n")
    write(root, "b.md", "> Same  WORDS!\n")
    assert run(capsys, str(root))[0] == 0
    assert (root / "b.md").read_text() == "> Same  WORDS!\n"
    [problem] = load_corpus(root).problems
    assert "duplicate quote" in problem.message


def test_add_markers_refuses_lines_that_start_no_quote() -> None:
    with pytest.raises(MarkerError, match="line 2"):
        add_markers("> One.\n> Two.\n", {2: "7KQ2M"})
    with pytest.raises(MarkerError, match="cannot be a marker"):
        add_markers("> One.\n", {1: "q0001"})


def test_add_markers_puts_the_marker_after_the_whole_blockquote() -> None:
    text = "Lead:\n> One\nlazy.\n>\n## Next\n> Two.\n"
    marked = add_markers(text, {2: "7KQ2M", 6: "K7Q2MAB"})
    assert marked.text == (
        "Lead:\n> One\nlazy.\n>\n<!-- quote 7KQ2M -->\n## Next\n> Two.\n<!-- quote K7Q2MAB -->\n"
    )
    assert (marked.added, marked.replaced) == (2, 0)
