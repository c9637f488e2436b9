"""Benchmark reading a large Kindle `My Clippings.txt` with `bot.imports.read`.

Run from the repository root::

    python bench/imports.py                       # 50,000 highlights in about 100 books
    python bench/imports.py --highlights 200000   # another size

The file is generated deterministically (seeded) into a temporary folder, as a Kindle
writes it: CRLF line endings, a byte-order mark at the start of some entries, and the
meta line in the wordings of several firmware versions and languages (English old and
new, German, French, Spanish, Italian, Portuguese, Chinese, Japanese). Besides the
highlights it holds notes typed on some of them, bookmarks, and re-highlights (a
passage highlighted again, extended by a few words, which `read` keeps once).

It reports the entries in the file, the records `read` made of them, what it skipped,
the wall time of `read(path)` (decoding, detection, parsing, merging repeats and
notes, escaping Markdown) and the entries read per second, best of a few runs; then
the whole `quotebot import FILE` as a new process into a new SQLite database (reading,
checking each quote, storing), and the same command again, which adds nothing.

Target: the whole `quotebot import` of 50,000 highlights under 10 s, so reading the
file should take well under 2 s.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 80
BOOKS = 100
RUNS = 3
TARGET_S = 2.0
COMMAND_TARGET_S = 10.0
NOTE_SHARE = 0.10  # of highlights with a note typed on them
BOOKMARK_SHARE = 0.05
REHIGHLIGHT_SHARE = 0.08  # of highlights made again, longer, right after

WORDS = (
    "the of and to a in is it that we for not on with they are as have but was do at so "
    "mind time world life work people reason nature truth habit attention craft river light "
    "memory silence courage patience virtue city garden letter morning question answer"
).split()
FIRST = "Ada Grace Alan Barbara Donald Margaret Ken Frances Edsger Radia John Leslie".split()
LAST = "Lovelace Hopper Kay Liskov Knuth Hamilton Thompson Allen Dijkstra Perlman Backus".split()

# kind ("highlight", "note", "bookmark") and place -> a meta line, one per wording.
Wording = Callable[[str, int, int, int], str]
KINDS = {
    "en": {"highlight": "Your Highlight", "note": "Your Note", "bookmark": "Your Bookmark"},
    "de": {"highlight": "Ihre Markierung", "note": "Ihre Notiz", "bookmark": "Ihr Lesezeichen"},
    "fr": {"highlight": "Votre surlignement", "note": "Votre note", "bookmark": "Votre signet"},
    "es": {"highlight": "Tu subrayado", "note": "Tu nota", "bookmark": "Tu marcador"},
    "it": {"highlight": "La tua evidenziazione", "note": "La tua nota",
           "bookmark": "Il tuo segnalibro"},
    "pt": {"highlight": "Seu destaque", "note": "Sua nota", "bookmark": "Seu marcador"},
    "zh": {"highlight": "的标注", "note": "的笔记", "bookmark": "的书签"},
    "ja": {"highlight": "のハイライト", "note": "のメモ", "bookmark": "のブックマーク"},
    "old": {"highlight": "Highlight", "note": "Note", "bookmark": "Bookmark"},
}  # fmt: skip


def place(first: int, last: int) -> str:
    return f"{first}-{last}" if last != first else str(first)


WORDINGS: dict[str, Wording] = {
    "en": lambda kind, page, first, last: (
        f"- {KINDS['en'][kind]} on page {page} | Location {place(first, last)} | "
        "Added on Sunday, 13 January 2019 10:00:00"
    ),
    "de": lambda kind, page, first, last: (
        f"- {KINDS['de'][kind]} bei Position {place(first, last)} | "
        "Hinzugefügt am Montag, 4. April 2016 20:10:30"
    ),
    "fr": lambda kind, page, first, last: (
        f"- {KINDS['fr'][kind]} sur la page {page} | emplacement {place(first, last)} | "
        "Ajouté le lundi 4 avril 2016 20:10:30"
    ),
    "es": lambda kind, page, first, last: (
        f"- {KINDS['es'][kind]} en la posición {place(first, last)} | "
        "Añadido el lunes, 4 de abril de 2016 20:10:30"
    ),
    "it": lambda kind, page, first, last: (
        f"- {KINDS['it'][kind]} alla posizione {place(first, last)} | "
        "Aggiunto in data lunedì 8 marzo 2021 22:52:57"
    ),
    "pt": lambda kind, page, first, last: (
        f"- {KINDS['pt'][kind]} na página {page} | posição {place(first, last)} | "
        "Adicionado: sexta-feira, 29 de novembro de 2019 18:00:13"
    ),
    "zh": lambda kind, page, first, last: (
        f"- 您在位置 #{place(first, last)}{KINDS['zh'][kind]} | "
        "添加于 2016年4月4日星期一 下午8:10:30"
    ),
    "ja": lambda kind, page, first, last: (
        f"- 位置No. {place(first, last)}{KINDS['ja'][kind]} |作成日: 2017年8月28日月曜日 17:51:55"
    ),
    "old": lambda kind, page, first, last: (
        f"- {KINDS['old'][kind]} Loc. {first}-{str(last)[-2:]} | "
        "Added on Friday, March 18, 2011, 10:14 AM"
        if last != first
        else f"- {KINDS['old'][kind]} Loc. {first} | Added on Friday, March 18, 2011, 10:14 AM"
    ),
}


def sentence(rng: random.Random, length: int) -> str:
    words = rng.choices(WORDS, k=length)
    return " ".join(words).capitalize() + rng.choice([".", ".", "!", "?", "; *really*."])


def books(rng: random.Random) -> list[tuple[str, str]]:
    """About `BOOKS` title lines, each with the language its Kindle wrote it in."""
    found = []
    for number in range(BOOKS):
        title = f"{sentence(rng, rng.randint(2, 5)).rstrip('.!?;* ')} ({number} Edition)"
        author = f"{rng.choice(LAST)}, {rng.choice(FIRST)}"
        if rng.random() < 0.2:
            author += f";{rng.choice(LAST)}, {rng.choice(FIRST)}"
        found.append((f"{title} ({author})", rng.choice(list(WORDINGS))))
    return found


def generate(path: Path, highlights: int, seed: int) -> int:
    """Write a My Clippings.txt of `highlights` highlights (and more); the entries written."""
    rng = random.Random(seed * 1_000_003 + highlights)
    shelf = books(rng)
    next_location = dict.fromkeys(range(len(shelf)), 100)
    lines: list[str] = []

    def entry(book: int, kind: str, first: int, last: int, text: str) -> None:
        title, language = shelf[book]
        bom = "\ufeff" if rng.random() < 0.3 else ""
        page = first // 15 + 1
        lines.extend((bom + title, WORDINGS[language](kind, page, first, last), "", text))
        lines.append("==========")

    made = 0
    while made < highlights:
        book = rng.randrange(len(shelf))
        first = next_location[book]
        last = first + rng.randint(0, 4)
        next_location[book] = last + rng.randint(1, 40)
        text = sentence(rng, rng.randint(8, 60))
        entry(book, "highlight", first, last, text)
        made += 1
        if made < highlights and rng.random() < REHIGHLIGHT_SHARE:
            entry(book, "highlight", first, last + 1, f"{text} {sentence(rng, 6)}")
            made += 1
        if rng.random() < NOTE_SHARE:  # one in five typed away from any highlight
            spot = last if rng.random() < 0.8 else last + 10_000_000
            entry(book, "note", spot, spot, sentence(rng, 10))
        if rng.random() < BOOKMARK_SHARE:
            entry(book, "bookmark", first, first, "")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return lines.count("==========")


def run(highlights: int, seed: int) -> None:
    sys.path.insert(0, str(ROOT))
    from bot.imports import read

    with tempfile.TemporaryDirectory(prefix="quotebot-bench-") as temp:
        path = Path(temp) / "My Clippings.txt"
        entries = generate(path, highlights, seed)
        size_mib = path.stat().st_size / 2**20
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            batch = read(path)
            timings.append(time.perf_counter() - started)
        whole, again = command(path, Path(temp))
    best = min(timings)
    print(f"quotebot import benchmark (seed {seed}, best of {RUNS} runs of read())")
    print(f"  file:     {entries:,} entries ({highlights:,} highlights), {size_mib:.1f} MiB")
    print(f"  records:  {len(batch.records):,}")
    print(f"  skipped:  {batch.skipped:,} (bookmarks, re-highlights, notes on nothing)")
    print(f"  problems: {len(batch.problems):,}")
    noted = sum(record.lead_in is not None for record in batch.records)
    print(f"  with a note as lead-in: {noted:,}")
    print(f"  read():   {best:.2f} s ({entries / best:,.0f} entries/s; runs: "
          f"{', '.join(f'{t:.2f}' for t in timings)} s)")  # fmt: skip
    print(f"  quotebot import FILE (a new SQLite database): {whole:.2f} s; run again: "
          f"{again:.2f} s")  # fmt: skip
    met = "met" if best < TARGET_S else "MISSED"
    print(f"target: read {highlights:,} highlights in under {TARGET_S:g} s: {met}")
    met = "met" if whole < COMMAND_TARGET_S else "MISSED"
    print(f"target: the whole quotebot import in under {COMMAND_TARGET_S:g} s: {met}")


def command(path: Path, folder: Path) -> tuple[float, float]:
    """Wall time of `quotebot import PATH` as a new process, twice (the second adds none)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}"}
    env.pop("QUOTEBOT_CORPUS", None)
    times = []
    for _ in range(2):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "import", str(path)], env=env, cwd=folder,
            check=True, capture_output=True,
        )  # fmt: skip
        times.append(time.perf_counter() - started)
    return times[0], times[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--highlights", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    run(args.highlights, args.seed)


if __name__ == "__main__":
    main()
