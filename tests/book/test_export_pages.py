"""`quotebot export --format markdown DIR`, then `quotebot check DIR`: the same quotes back.

Round trips through the real command on the shipped corpus, on pages carrying inline
Markdown, and on a collection with quotes saved in Slack (each with its own speaker,
link and topics), compared field by field with what `quotebot export` (JSON) said.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.corpus import Quote, legacy_id, load_corpus, shipped_corpus
from bot.store import BookRow, Store
from tests.files import write_file as page

pytestmark = pytest.mark.usefixtures("empty_working_folder")

MARKUP_PAGE = """---
title: Simon Willison on LLMs
ref: https://example.com/llms
tags: [quote, llms]
---
Quoting Simon Willison from [his blog](https://example.com/llms).

## Building

Why it matters:
> **Abstracted simplicity:** the *best* tools hide [their parts](https://e.x/p)[[1]](https://e.x/1).

> Three rules:
>
> - small models
> - *fast* loops
>   - nested
> - ship\\
> and then rest

## Tests

> Not \\*bold\\*, and `rm *.tmp` stays code.
"""

FIELDS = ("id", "text", "speaker", "source", "url", "topic", "tags", "lead_in")


def run(capsys: pytest.CaptureFixture[str], environ: dict[str, str], *argv: str) -> tuple[int, str]:
    code = main(list(argv), environ=environ)
    out, err = capsys.readouterr()
    return code, out + err


def same(quotes: list[Quote]) -> list[tuple]:
    return sorted(tuple(getattr(quote, name) for name in FIELDS) for quote in quotes)


def exported(capsys: pytest.CaptureFixture[str], environ: dict[str, str]) -> list[tuple]:
    code, out = run(capsys, environ, "export")
    assert code == 0, out
    records = [json.loads(line) for line in out.splitlines()]
    return sorted(tuple(tuple(r[n]) if n == "tags" else r[n] for n in FIELDS) for r in records)


def round_trip(
    capsys: pytest.CaptureFixture[str], environ: dict[str, str], folder: Path
) -> list[Quote]:
    code, out = run(capsys, environ, "export", "--format", "markdown", str(folder))
    assert code == 0, out
    code, out = run(capsys, environ, "check", str(folder))
    assert code == 0 and " 0 errors, 0 warnings" in out, out
    return list(load_corpus(folder, log_problems=False).corpus)


def test_the_shipped_corpus_comes_back_the_same(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    environ = {"DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}"}
    before = list(load_corpus(shipped_corpus(), log_problems=False).corpus)

    after = round_trip(capsys, environ, tmp_path / "out")

    assert len(before) > 10
    assert same(after) == same(before)


def test_pages_with_inline_markdown_come_back_the_same(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    corpus = tmp_path / "quotes"
    page(corpus, "simon.md", MARKUP_PAGE)
    environ = {"DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}", "QUOTEBOT_CORPUS": str(corpus)}
    before = list(load_corpus(corpus, log_problems=False).corpus)
    assert "\n- small models\n- *fast* loops\n  - nested\n- ship\nand then rest" in before[1].text

    after = round_trip(capsys, environ, tmp_path / "out")

    assert same(after) == same(before)


def test_a_collection_with_quotes_saved_in_slack_comes_back_the_same(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    corpus = tmp_path / "quotes"
    page(corpus, "simon.md", MARKUP_PAGE)
    environ = {"DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}", "QUOTEBOT_CORPUS": str(corpus)}
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    saved = [
        ("7KQ2", "Ship it *today*, see [notes](https://x.y/n).", "Grace Hopper", "A meeting",
         "https://slack.example/p1", ("llms", "shipping", "teams"), "She said, on Friday"),
        ("8MN3", "Robots build robots.", "Ada Lovelace", "A meeting", None, (), None),
        ("9PQ4", "No source at all, \\<b> stays.", "Bob: the builder #1", None, None,
         ("building",), None),
        ("AR5T", "Nobody knows who said this.", None, None, None, (), "Found on a wall:"),
    ]  # fmt: skip
    store = Store(environ["DATABASE_URL"])
    try:
        for quote_id, text, speaker, source, url, topics, lead_in in saved:
            row = BookRow(
                team_id="", id=quote_id, text=text, alias=legacy_id(text), speaker=speaker,
                speaker_user=None, source=source, url=url, topics=topics, lead_in=lead_in,
                status="approved", added_by="U0ADA", added_at=now, changed_by=None,
                changed_at=now,
            )  # fmt: skip
            store.book.add(row)
    finally:
        store.close()
    before = exported(capsys, environ)
    assert len(before) == 3 + len(saved)

    after = round_trip(capsys, environ, tmp_path / "out")

    assert same(after) == before


def test_export_refuses_a_folder_that_is_not_empty(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    page(folder, "mine.md", MARKUP_PAGE)
    environ = {"DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}"}

    code, out = run(capsys, environ, "export", "--format", "markdown", str(folder))

    assert code == 2 and "is not empty" in out
    assert (folder / "mine.md").read_text(encoding="utf-8") == MARKUP_PAGE
