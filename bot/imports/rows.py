"""CSV rows with the line each starts on, for the problems that name it.

`csv.reader` counts the lines it has read, so after a row its `line_num` is the row's
*last* line: a quoted field may hold line breaks (a highlight of two paragraphs). A
row starts on the line after the previous row ended.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from bot.corpus.model import Problem
from bot.imports.records import Tick

DELIMITERS = (",", ";", "\t")  # Excel writes ";" where the decimal mark is a comma


@dataclass(frozen=True, slots=True)
class Row:
    """One row: its first and last line and its cells."""

    line: int
    end: int
    cells: list[str]

    def cell(self, column: int | None) -> str | None:
        """The cell of `column`, None when the row is short of it or there is no such column."""
        if column is None or column >= len(self.cells):
            return None
        return self.cells[column]


def rows(text: str, delimiter: str = ",") -> Iterator[Row]:
    """The non-blank rows of `text`, in order (blank lines are left out).

    A quote mark that is never closed swallows the rest of the file into one cell, as
    the csv module reads it; `unclosed` tells such a last row apart.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    end = 0
    for cells in reader:
        start, end = end + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield Row(start, end, [cell.removeprefix("\ufeff") for cell in cells])


def header(line: str) -> tuple[str, dict[str, int]]:
    """The delimiter a header line uses and its column names (stripped, lower case).

    The delimiter is the one of `DELIMITERS` that cuts the line into the most columns.
    """
    best: tuple[str, list[str]] = (",", [line])
    for delimiter in DELIMITERS:
        cells = next(csv.reader([line], delimiter=delimiter), [])
        if len(cells) > len(best[1]):
            best = (delimiter, cells)
    delimiter, cells = best
    return delimiter, names(cells)


def names(cells: list[str]) -> dict[str, int]:
    """Each column's number by its name, stripped and in lower case (the first if repeated)."""
    columns: dict[str, int] = {}
    for number, name in enumerate(cells):
        columns.setdefault(name.strip().removeprefix("\ufeff").casefold(), number)
    return columns


def column(columns: dict[str, int], aliases: tuple[str, ...]) -> int | None:
    """The number of the first column named one of `aliases` (lower case), if any."""
    return next((columns[name] for name in aliases if name in columns), None)


def unclosed(row: Row, columns: int, text: str) -> bool:
    """True when `row` of `text` looks like a quoted cell that runs to the end of the file."""
    if row.end == row.line or len(row.cells) >= columns:
        return False  # the usual row: counting the file's lines is left for the odd one
    return row.end == text.count("\n") + (not text.endswith("\n"))


def closed_rows(
    table: Iterator[Row], columns: int, text: str, file: str, tick: Tick, problems: list[Problem]
) -> Iterator[Row]:
    """The rows of `table` up to one whose quoted cell never closes (reported, and the rest
    of the file skipped: it is all inside that cell)."""
    for row in table:
        tick(row.line)
        if unclosed(row, columns, text):
            message = "a quoted cell that starts on this line is never closed: rest of file skipped"
            problems.append(Problem(file, row.line, message))
            return
        yield row
