"""Reading one import file: decode it, tell its format, hand it to that format's reader.

Nothing here raises for what a file holds: a file that is not UTF-8, that is empty,
or whose format cannot be told, yields a `Batch` with no records and the problem.
Only the file system's own errors (a missing file) reach the caller of `read`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.corpus.model import Problem
from bot.imports.detect import detect
from bot.imports.kindle import read_kindle
from bot.imports.readwise import read_readwise_csv, read_readwise_markdown
from bot.imports.records import FORMATS, Batch, Tick, no_tick
from bot.imports.table import read_csv, read_jsonl
from bot.imports.text import decode

Progress = Callable[[int, int], None]

READERS: dict[str, Callable[[str, str, Tick], Batch]] = {
    "kindle": read_kindle,
    "readwise-csv": read_readwise_csv,
    "readwise-markdown": read_readwise_markdown,
    "csv": read_csv,
    "jsonl": read_jsonl,
}
_NAMES = ", ".join(FORMATS)
UNKNOWN = (
    "cannot tell this file's format: it is not a Kindle “My Clippings.txt” (no “==========” "
    "lines), a Readwise CSV (no “Highlight,Book Title,…” header), a Readwise Markdown export "
    "(no “## Highlights” heading), a CSV with a “text” column, or JSON Lines; if it is one of "
    f"them, name it with --format ({_NAMES})"
)
_REPORTS = 100  # about how many progress calls a large file gets


def read(path: Path, *, format: str | None = None, on_progress: Progress | None = None) -> Batch:
    """The records of the file at `path`, in `format` or the one its content shows.

    `on_progress(lines read, lines in the file)` is called now and then, and once at
    the end; records name the file as `path` is written.
    """
    return read_text(path.read_bytes(), str(path), format=format, on_progress=on_progress)


def read_text(
    data: bytes | str,
    file: str,
    *,
    format: str | None = None,
    on_progress: Progress | None = None,
) -> Batch:
    """The records of `data`, the content of the file named `file`; see `read`."""
    if format is not None and format not in READERS:
        message = f"unknown format “{format}”: the formats are {_NAMES}"
        return Batch("", (), (Problem(file, 1, message),))
    text, problem = decode(data, file)
    if problem is not None:
        return Batch(format or "", (), (problem,))
    if not text.strip():
        empty = Problem(file, 1, "the file is empty: nothing to import", "warning")
        return Batch(format or "", (), (empty,))
    chosen = format or detect(text)
    if chosen is None:
        return Batch("", (), (Problem(file, 1, UNKNOWN),))
    total = text.count("\n") + 1
    with _collector_paused():
        batch = READERS[chosen](text, file, _ticker(total, on_progress))
    if on_progress is not None:
        on_progress(total, total)
    if not (batch.records or batch.problems or batch.skipped):
        message = f"no quotes found: is this really a {chosen} file?"
        return Batch(chosen, (), (Problem(file, 1, message, "warning"),))
    return batch


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is parsed.

    A large file makes hundreds of thousands of small objects that live to the end and
    hold no cycles; the collector would walk them all again and again, a third of the
    time of reading 50,000 highlights (see bench/imports.py). Memory is still freed by
    reference counting.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _ticker(total: int, on_progress: Progress | None) -> Tick:
    """A `Tick` that reports to `on_progress` each time another 1% of the lines is read."""
    if on_progress is None:
        return no_tick
    step = max(total // _REPORTS, 1)
    next_report = step

    def tick(line: int) -> None:
        nonlocal next_report
        if line >= next_report:
            on_progress(min(line, total), total)
            next_report = line + step

    return tick
