"""Benchmark the quote corpus: load time, memory and lookup latency at 1k, 10k and 100k quotes.

Run from the repository root::

    python bench/corpus.py                      # 1,000, 10,000 and 100,000 quotes
    python bench/corpus.py --sizes 1000 20000   # other sizes

Pages are generated deterministically (seeded) into a temporary folder, in the format of
the shipped seed page: front matter, an intro line, a few headings, lead-ins, runs of
blockquotes (some of several paragraphs, some wrapped), commentary. Each size is then
measured in a fresh Python process, so one size's memory does not blur the next:

- load: wall time of `load_corpus(folder)`, reading and parsing every page and building
  the topic table and the full-text index;
- RSS growth: the process's peak resident memory (getrusage) after the load minus before
  it; it includes SQLite's index, which tracemalloc cannot see;
- traced peak: tracemalloc's peak during a second, separate load (Python objects only);
- lookup: median and p99 of 1,000 `corpus.lookup()` calls, after a short warm-up, over a
  mix of topic names, misspelt topic names, single words, two-word phrases, and words
  that match nothing;
- save: 50 times, one quote saved into the loaded collection in place (`Corpus.add`) and
  found by a word of it (`lookup`), timed from the add to the answer; then the same quote
  edited (`Corpus.replace`) and taken out (`Corpus.remove`), each timed alone; and the
  first `random()` after a change, which makes the tuple of every quote again;
- render: 1,000 quotes with inline Markdown (a quarter of the generated quotes carry
  bold, italics, a link or a footnote link) each shown once as a Slack message, their
  Markdown parsed then (`bot.corpus.inline` parses at show time, not at load).

Targets: 100,000 quotes load in under 5 s; the median lookup takes under 1 ms; a saved
quote is found in under 50 ms (the slowest of the 50 saves).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, replace
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.corpus import Corpus

ROOT = Path(__file__).resolve().parent.parent
SEED = 80
QUERIES = 1000
WARM_UP = 50
LOAD_TARGET_S = 5.0
LOOKUP_TARGET_MS = 1.0
SAVES = 50
RENDERS = 1000  # quotes with inline Markdown shown once each
SAVE_TARGET_MS = 50.0

# Common English words head the vocabulary, as they head any real text; the rest are
# made-up words, so that stemming and ranking see a few thousand distinct terms.
FUNCTION_WORDS = (
    "the of and to a in is it that i you this we for be not on with they are as have but "
    "was do at so like think can what just there all or if people about one from would "
    "more very which will get really know going kind much an by some my your"
).split()
SYLLABLES = (
    "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge go ka ke ki ko la le li "
    "lo lu ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so su ta te ti "
    "to tu va ve vi vo za ze zo tra pro con ex in un der ver ment tion ing al ous"
).split()
ADJECTIVES = (
    "Applied Modern Open Distributed Human Artificial Synthetic Digital Urban Social Early "
    "Deep Quiet Global Local Future Ancient Small Large Shared Public Private Natural Mobile "
    "Creative"
).split()
NOUNS = (
    "Robots Cars Networks Learning Education Culture Design Energy Health Music Writing "
    "Science Cities Markets Teams Software Hardware Language Memory Data Research Games "
    "Startups Biology Physics Ethics Work"
).split()
SPEAKERS = (
    "Ada Lovelace, Grace Hopper, Alan Kay, Barbara Liskov, Donald Knuth, Margaret Hamilton, "
    "Ken Thompson, Frances Allen, Edsger Dijkstra, Radia Perlman, John Backus, Leslie Lamport"
).split(", ")
SHOWS = ("No Priors", "The Changelog", "Lex Fridman Podcast", "Dwarkesh Podcast", "Hard Fork")


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]
    cumulative: list[float]  # Zipf weights, accumulated for random.choices

    def sample(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)

    def content_word(self, rng: random.Random) -> str:
        """A word as a user might type it: Zipf-weighted, but not a function word."""
        while True:
            word = self.sample(rng, 1)[0]
            if word not in FUNCTION_WORDS:
                return word


def vocabulary(rng: random.Random, size: int = 3000) -> Vocabulary:
    made_up: set[str] = set()
    while len(made_up) < size - len(FUNCTION_WORDS):
        made_up.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    tail = sorted(made_up)  # sorted first: set order is not stable between runs
    rng.shuffle(tail)
    words = FUNCTION_WORDS + tail
    weights = [1 / rank**1.07 for rank in range(1, len(words) + 1)]
    return Vocabulary(words, list(accumulate(weights)))


def topic_pool(rng: random.Random, size: int = 200) -> list[str]:
    pairs = [f"{adjective} {noun}" for adjective in ADJECTIVES for noun in NOUNS]
    if size > len(pairs):  # a very large collection: numbered variants of each pair
        pairs += [f"{pair} {n}" for n in range(2, size // len(pairs) + 2) for pair in pairs]
    return rng.sample(pairs, size)


def sentence_text(rng: random.Random, vocab: Vocabulary, length: int) -> str:
    """`length` words with capitals, commas, full stops and the odd apostrophe entity."""
    words = vocab.sample(rng, length)
    out: list[str] = []
    start = True
    for position, word in enumerate(words):
        if start:
            word = word.capitalize()
            start = False
        if rng.random() < 0.01:
            word += "&#39;s"
        last = position == len(words) - 1
        if last or rng.random() < 0.08:
            word += "."
            start = True
        elif rng.random() < 0.06:
            word += ","
        out.append(word)
    return " ".join(out)


def wrap(text: str, width: int = 78) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def markup(rng: random.Random, text: str) -> str:
    """Inline Markdown as real pages carry it: a quarter of quotes get bold, italics,
    a link or a footnote link (`[[1]](https://…)`), the way the pages tried do."""
    if rng.random() >= 0.25:
        return text
    words = text.split()
    at = rng.randrange(len(words))
    kind = rng.random()
    if kind < 0.35:
        words[at] = f"**{words[at]}**"
    elif kind < 0.65:
        words[at] = f"*{words[at]}*"
    elif kind < 0.85:
        end = min(at + 2, len(words) - 1)
        words[at] = f"[{words[at]}"
        words[end] = f"{words[end]}](https://example.org/notes/{rng.randint(1, 999)})"
    else:
        words[at] += f"[[{rng.randint(1, 9)}]](https://example.org/ref/{rng.randint(1, 999)})"
    return " ".join(words)


def blockquote(rng: random.Random, vocab: Vocabulary) -> list[str]:
    """One quote of 20-120 words, as Markdown lines in one of the forms real pages use."""
    text = markup(rng, sentence_text(rng, vocab, rng.randint(20, 120)))
    form = rng.random()
    if form < 0.7:  # one long line, like the seed page
        return [f"> {text}"]
    if form < 0.85:  # two paragraphs joined by a bare '>' line
        words = text.split()
        cut = len(words) // 2
        return [f"> {' '.join(words[:cut])}", rng.choice([">", "> "]), f"> {' '.join(words[cut:])}"]
    lines = wrap(text)
    if form < 0.93:  # wrapped, every line marked
        return [f"> {line}" for line in lines]
    return [f"> {lines[0]}", *lines[1:]]  # wrapped, lazy continuation lines


def page(rng: random.Random, vocab: Vocabulary, topics: list[str], number: int, quotes: int) -> str:
    speaker = rng.choice(SPEAKERS)
    show = rng.choice(SHOWS)
    episode = rng.randint(1, 400)
    url = f"https://example.org/{show.lower().replace(' ', '-')}/{episode}?p={number}"
    tags = ["quote", *rng.sample(topics, rng.randint(0, 2))]
    lines = [
        "---",
        "layout: quote",
        f"ref: {url}",
        f"slug: page-{number}",
        f"tags: [{', '.join(tags)}]",
        f"title: {speaker} on {show} {episode}",
        f"date: 20{rng.randint(10, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        "---",
        "",
        f"Quoting {speaker} from [{show} #{episode}]({url}).",
        "",
    ]
    headings = rng.randint(3, 6)
    left = quotes
    for heading in range(headings):
        lines += [f"{rng.choice(['###', '####'])} {rng.choice(topics)}", ""]
        in_topic = left if heading == headings - 1 else min(left, rng.randint(2, 7))
        left -= in_topic
        while in_topic:
            run = min(in_topic, rng.choice([1, 1, 1, 2, 2, 3, 4]))
            in_topic -= run
            lines.append(sentence_text(rng, vocab, rng.randint(4, 14)).rstrip(".") + ":")
            for _ in range(run):
                lines += [*blockquote(rng, vocab), ""]
            if rng.random() < 0.1:  # commentary that belongs to no quote
                lines += [sentence_text(rng, vocab, rng.randint(8, 25)), ""]
    return "\n".join(lines) + "\n"


def generate(folder: Path, size: int, seed: int, topics: int = 200) -> tuple[int, list[str]]:
    """Write pages holding `size` quotes on `topics` topics; the page count and the lookups."""
    rng = random.Random(seed * 1_000_003 + size)
    vocab = vocabulary(rng)
    topics = topic_pool(rng, topics)
    pages = 0
    left = size
    while left:
        quotes = min(left, rng.randint(20, 30))
        left -= quotes
        subfolder = folder / f"shelf-{pages % 50:02d}"
        subfolder.mkdir(exist_ok=True)
        text = page(rng, vocab, topics, pages, quotes)
        (subfolder / f"page-{pages:05d}.md").write_text(text, encoding="utf-8")
        pages += 1
    return pages, queries(rng, vocab, topics, QUERIES + WARM_UP)


def typo(rng: random.Random, word: str) -> str:
    position = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:position] + word[position + 1 :]  # a dropped letter
    return word[:position] + word[position + 1] + word[position] + word[position + 2 :]


def queries(rng: random.Random, vocab: Vocabulary, topics: list[str], count: int) -> list[str]:
    kinds = [
        lambda: rng.choice(topics),
        lambda: rng.choice(topics).lower(),
        lambda: typo(rng, rng.choice(topics)),
        lambda: vocab.content_word(rng),
        lambda: vocab.content_word(rng),
        lambda: f"{vocab.content_word(rng)} {vocab.content_word(rng)}",
        lambda: f"{vocab.content_word(rng)} {vocab.content_word(rng)}",
        lambda: "".join(rng.choices("qxzjwy", k=rng.randint(6, 9))),  # matches nothing
    ]
    return [rng.choice(kinds)() for _ in range(count)]


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB


def measure(folder: Path, queries_file: Path) -> dict[str, float]:
    """Load the folder and time lookups, in this (fresh) process."""
    sys.path.insert(0, str(ROOT))
    from bot.corpus import load_corpus

    queries = json.loads(queries_file.read_text(encoding="utf-8"))
    gc.collect()
    rss_before = peak_rss_mib()
    started = time.perf_counter()
    result = load_corpus(folder)
    load_s = time.perf_counter() - started
    rss_growth = peak_rss_mib() - rss_before
    corpus = result.corpus

    latencies: list[float] = []
    hits = 0
    for number, query in enumerate(queries):
        started = time.perf_counter()
        found = corpus.lookup(query)
        elapsed = time.perf_counter() - started
        if number >= WARM_UP:
            latencies.append(elapsed * 1000)
            hits += bool(found)
    latencies.sort()

    saves = measure_saves(corpus)
    renders = measure_renders(corpus)
    quotes, problems = len(corpus), len(result.problems)
    del corpus, result, found
    gc.collect()
    tracemalloc.start()
    load_corpus(folder)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    reload = measure_reload(folder)
    return {
        **reload,
        **saves,
        **renders,
        "quotes": quotes,
        "problems": problems,
        "load_s": load_s,
        "rss_growth_mib": rss_growth,
        "traced_peak_mib": traced_peak / 2**20,
        "median_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        "hit_rate": hits / len(latencies),
    }


def measure_renders(corpus: Corpus) -> dict[str, float]:
    """A quote as a Slack message (`quote_message`), its Markdown parsed at show time: the
    first showing of each of 1,000 quotes with inline markup (nothing cached), in ms."""
    from bot.corpus.inline import has_markup, parse
    from bot.render import quote_message

    marked = [quote for quote in corpus if "**" in quote.text or "](" in quote.text][:RENDERS]
    parse.cache_clear()
    times = []
    for quote in marked:
        started = time.perf_counter()
        quote_message(quote)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    share = sum(has_markup(quote.text) for quote in corpus) / max(len(corpus), 1)
    return {
        "marked_share": share,
        "render_median_ms": statistics.median(times) if times else 0.0,
        "render_max_ms": times[-1] if times else 0.0,
    }


def measure_saves(corpus: Corpus) -> dict[str, float]:
    """Quotes saved into the loaded corpus in place, found, edited and removed: in ms."""
    from bot.corpus import Quote, legacy_id
    from bot.ids import random_id

    rng = random.Random(SEED)
    found_ms, replace_ms, remove_ms, first_read_ms = [], [], [], []
    for number in range(SAVES):
        word = f"zephyrquill{number}"  # a word no generated page has
        text = f"Saved in Slack: {word} keeps the harbour lights on, number {number}."
        quote_id = random_id(rng, 4)
        while corpus.get(quote_id) is not None:
            quote_id = random_id(rng, 4)
        quote = Quote(
            quote_id, text, "Grace Hopper", "A team meeting", None, "Saved Quotes", None, (),
            "", 0, alias=legacy_id(text), origin="slack", added_by="U0BENCH",
            added_at="2026-03-27T09:00:00+00:00",
        )  # fmt: skip
        started = time.perf_counter()
        corpus.add(quote)
        answer = corpus.lookup(word)
        found_ms.append((time.perf_counter() - started) * 1000)
        assert answer.quotes[0] is quote, answer

        started = time.perf_counter()
        corpus.random(rng)
        first_read_ms.append((time.perf_counter() - started) * 1000)

        edited = replace(quote, text=f"{text} Edited.", alias=legacy_id(f"{text} Edited."))
        started = time.perf_counter()
        corpus.replace(edited)
        replace_ms.append((time.perf_counter() - started) * 1000)
        assert corpus.lookup(word).quotes[0] is edited

        started = time.perf_counter()
        removed = corpus.remove(quote_id)
        remove_ms.append((time.perf_counter() - started) * 1000)
        assert removed is edited and not corpus.lookup(word)
    return {
        "save_found_median_ms": statistics.median(found_ms),
        "save_found_max_ms": max(found_ms),
        "replace_median_ms": statistics.median(replace_ms),
        "replace_max_ms": max(replace_ms),
        "remove_median_ms": statistics.median(remove_ms),
        "remove_max_ms": max(remove_ms),
        "first_read_median_ms": statistics.median(first_read_ms),
        "first_read_max_ms": max(first_read_ms),
    }


def measure_reload(folder: Path) -> dict[str, float]:
    """One page edited in a loaded folder: what a refresh reads again, and its cost."""
    from bot.corpus.folder import CorpusFolder

    # Looking an hour on: the edit below has stayed still long enough to be read (a page
    # written in the last seconds is left for the next look, as it may be half-saved).
    watched = CorpusFolder(folder, clock=lambda: time.time() + 3600)
    watched.load()
    parsed_before = watched.parsed
    edited = sorted(folder.rglob("*.md"))[len(list(folder.rglob("*.md"))) // 2]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n> One more, edited in.\n")
    stat = edited.stat()
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    started = time.perf_counter()
    changed = watched.refresh()
    looked = time.perf_counter()
    corpus = watched.result().corpus
    rebuilt = time.perf_counter()
    assert changed and any(q.text == "One more, edited in." for q in corpus)
    return {
        "reload_parsed": watched.parsed - parsed_before,
        "reload_look_ms": (looked - started) * 1000,
        "reload_rebuild_s": rebuilt - looked,
    }


def run(sizes: list[int], seed: int, topics: int) -> None:
    header = (
        f"{'quotes':>8} {'pages':>6} {'load s':>7} {'RSS +MiB':>9} {'traced MiB':>11} "
        f"{'median ms':>10} {'p99 ms':>8} {'found':>6} {'problems':>9}"
    )
    print(f"quotebot corpus benchmark (seed {seed}, {QUERIES} lookups per size, {topics:,} topics)")
    print(header)
    print("-" * len(header))
    rows, page_counts = [], []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="quotebot-bench-") as temp:
            folder = Path(temp) / "corpus"
            folder.mkdir()
            pages, lookups = generate(folder, size, seed, topics)
            queries_file = Path(temp) / "queries.json"
            queries_file.write_text(json.dumps(lookups), encoding="utf-8")
            output = subprocess.run(
                [sys.executable, __file__, "--measure", str(folder), str(queries_file)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        row = json.loads(output)
        rows.append(row)
        page_counts.append(pages)
        print(
            f"{row['quotes']:>8,} {pages:>6,} {row['load_s']:>7.2f} {row['rss_growth_mib']:>9.1f} "
            f"{row['traced_peak_mib']:>11.1f} {row['median_ms']:>10.3f} {row['p99_ms']:>8.3f} "
            f"{row['hit_rate']:>6.0%} {row['problems']:>9}"
        )
    print()
    print("one page edited in the loaded folder (bot.corpus.folder: what a reload costs):")
    for row, pages in zip(rows, page_counts, strict=True):
        print(
            f"  {row['quotes']:>8,} quotes, {pages:>5,} pages: {row['reload_parsed']:.0f} page "
            f"parsed again, looking at the folder {row['reload_look_ms']:.1f} ms, "
            f"rebuilding the collection {row['reload_rebuild_s']:.2f} s"
        )
    print()
    print(f"one quote saved into the loaded collection in place, {SAVES} times (ms, median / max):")
    for row in rows:
        print(
            f"  {row['quotes']:>8,} quotes: add then found by lookup "
            f"{row['save_found_median_ms']:.3f} / {row['save_found_max_ms']:.3f}; replace "
            f"{row['replace_median_ms']:.3f} / {row['replace_max_ms']:.3f}; remove "
            f"{row['remove_median_ms']:.3f} / {row['remove_max_ms']:.3f}; first random() "
            f"after a change {row['first_read_median_ms']:.3f} / {row['first_read_max_ms']:.3f}"
        )
    print()
    print(f"a quote with inline Markdown shown as a Slack message, first showing (ms), {RENDERS}:")
    for row in rows:
        print(
            f"  {row['quotes']:>8,} quotes ({row['marked_share']:.0%} with markup): median "
            f"{row['render_median_ms']:.3f}, max {row['render_max_ms']:.3f}"
        )
    print()
    print(
        "lookups: topic names, lower-cased topic names, misspelt topic names, single words, "
        "two-word phrases, words matching nothing; 'found' is the share with any result."
    )
    largest = max(rows, key=lambda row: row["quotes"])
    load_ok = largest["load_s"] < LOAD_TARGET_S
    lookup_ok = all(row["median_ms"] < LOOKUP_TARGET_MS for row in rows)
    save_ok = all(row["save_found_max_ms"] < SAVE_TARGET_MS for row in rows)
    print(
        f"targets: load {largest['quotes']:,} quotes < {LOAD_TARGET_S:g} s: "
        f"{'met' if load_ok else 'MISSED'}; median lookup < {LOOKUP_TARGET_MS:g} ms at every "
        f"size: {'met' if lookup_ok else 'MISSED'}; every saved quote found < "
        f"{SAVE_TARGET_MS:g} ms at every size: {'met' if save_ok else 'MISSED'}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--topics", type=int, default=200, help="topics the pages use")
    parser.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
    else:
        run(args.sizes, args.seed, args.topics)


if __name__ == "__main__":
    main()
