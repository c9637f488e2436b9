"""A quote folder kept loaded: a refresh re-reads only what changed and keeps what broke."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from bot.corpus import CorpusError
from bot.corpus.folder import CorpusFolder
from tests.files import write_file


def page(speaker: str, *quotes: str, topic: str = "Craft") -> str:
    lines = ["---", f"speaker: {speaker}", "---", f"#### {topic}", ""]
    return "\n".join(lines + [f"> {text}\n" for text in quotes])


def texts(folder: CorpusFolder) -> list[str]:
    return sorted(quote.text for quote in folder.result().corpus)


def touch(path: Path, content: str | bytes) -> None:
    """Rewrite a file and move its time on, as an editor saving it a moment later would."""
    write_file(path.parent, path.name, content)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def folder(tmp_path: Path) -> CorpusFolder:
    for number in range(3):
        write_file(tmp_path, f"page{number}.md", page(f"Speaker {number}", f"Quote {number}."))
    # Looking an hour on: every file here has stayed still long enough to be read.
    loaded = CorpusFolder(tmp_path, clock=lambda: time.time() + 3600)
    assert len(loaded.load().corpus) == 3
    return loaded


def test_a_refresh_with_nothing_changed_parses_nothing(folder: CorpusFolder) -> None:
    assert folder.parsed == 3
    assert folder.refresh() is False
    assert folder.parsed == 3


def test_one_changed_page_is_parsed_again_alone_and_its_quotes_change(
    folder: CorpusFolder, tmp_path: Path
) -> None:
    touch(tmp_path / "page1.md", page("Speaker 1", "Quote 1.", "A new one."))

    assert folder.refresh() is True
    assert folder.parsed == 4, "one page parsed again, not three"
    assert texts(folder) == ["A new one.", "Quote 0.", "Quote 1.", "Quote 2."]


def test_a_new_page_joins_and_a_removed_one_leaves(folder: CorpusFolder, tmp_path: Path) -> None:
    write_file(tmp_path, "sub/page9.md", page("Speaker 9", "Quote 9."))
    (tmp_path / "page0.md").unlink()

    assert folder.refresh() is True
    assert texts(folder) == ["Quote 1.", "Quote 2.", "Quote 9."]


def test_a_page_that_breaks_keeps_its_last_good_version_with_one_log_line(
    folder: CorpusFolder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    touch(tmp_path / "page2.md", "---\nspeaker: [unclosed\n---\n> Half-written.\n")

    with caplog.at_level(logging.ERROR):
        assert folder.refresh() is False, "what the bot shows did not change"
        assert folder.refresh() is False
    assert texts(folder) == ["Quote 0.", "Quote 1.", "Quote 2."]
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(lines) == 1 and lines[0].startswith("page2.md:"), lines
    assert "last good version stays loaded" in lines[0]
    assert [p.file for p in folder.result().errors] == ["page2.md"], "still reported"

    touch(tmp_path / "page2.md", page("Speaker 2", "Quote 2, fixed."))
    assert folder.refresh() is True
    assert texts(folder) == ["Quote 0.", "Quote 1.", "Quote 2, fixed."]
    assert folder.result().errors == ()


def test_a_page_broken_from_the_start_is_reported_and_the_others_load(tmp_path: Path) -> None:
    write_file(tmp_path, "good.md", page("Ada", "Fine."))
    write_file(tmp_path, "bad.md", b"---\nspeaker: Bob\n---\n> \xff\xfe not UTF-8\n")

    result = CorpusFolder(tmp_path).load()

    assert [q.text for q in result.corpus] == ["Fine."]
    assert [p.file for p in result.errors] == ["bad.md"]


def half_saved(tmp_path: Path) -> tuple[CorpusFolder, Path, dict[str, float]]:
    """A loaded page, then a save of it caught half a second after it began."""
    write_file(tmp_path, "page.md", page("Ada", "First."))
    clock = {"now": time.time() + 3600}
    folder = CorpusFolder(tmp_path, settle=2.0, clock=lambda: clock["now"])
    folder.load()
    path = write_file(tmp_path, "page.md", page("Ada", "First.", "Half-sav"))
    clock["now"] = path.stat().st_mtime + 0.5
    return folder, path, clock


def test_a_file_written_a_moment_ago_is_read_once_it_has_stayed_still(tmp_path: Path) -> None:
    folder, _path, _clock = half_saved(tmp_path)

    assert folder.refresh() is False, "perhaps half-saved: not read yet"
    assert texts(folder) == ["First."]
    assert folder.refresh(now_please=True) is True, "an operator's SIGHUP reads it at once"
    assert texts(folder) == ["First.", "Half-sav"]


def test_a_save_caught_mid_write_is_read_whole_at_the_next_look(tmp_path: Path) -> None:
    folder, path, clock = half_saved(tmp_path)
    assert folder.refresh() is False
    touch(path, page("Ada", "First.", "Half-saved, now whole."))
    clock["now"] = path.stat().st_mtime + 3  # the editor has finished

    assert folder.refresh() is True
    assert texts(folder) == ["First.", "Half-saved, now whole."]


def test_a_folder_that_disappears_is_an_error_for_the_watcher_to_report(tmp_path: Path) -> None:
    quotes = tmp_path / "quotes"
    write_file(quotes, "page.md", page("Ada", "First."))
    folder = CorpusFolder(quotes)
    folder.load()
    (quotes / "page.md").unlink()
    quotes.rmdir()

    with pytest.raises(CorpusError, match="corpus folder not found"):
        folder.refresh()
    assert texts(folder) == ["First."], "what was loaded is still shown"
