"""Benchmark the App Home view: `home_view` for an admin of a large workspace.

Run from the repository root::

    python bench/home.py                   # 500 schedules, a 100,000-quote collection
    python bench/home.py --schedules 2000  # another size

The data is generated deterministically (seeded), as the Slack edge would hand it over:
500 schedules in 150 channels (a tenth from the settings file, a tenth paused) in a
dozen time zones, their next post worked out beforehand (`next_post`, the edge's job);
the figures of a 100,000-quote collection (counts by origin, 5 recently added, 50
waiting for review, 5 most loved this month and of all time); every quote 20-120 words,
a quarter with inline Markdown (bold, italics, a link, a footnote link), as in
bench/corpus.py. The viewer is in America/New_York, so most times show in two zones.

Each build is one `home_view` call, on the schedules' pages in turn. Timed twice, 200
builds each after a warm-up: cold, with the Markdown parse cache emptied before every
build (a quote's first showing: `bot.corpus.inline` parses at show time), and warm
(the same quotes shown again, as the Home tabs of a team are). It prints the median and
the slowest build of each, and the view's block count and size as JSON on every page.

Target: every build, cold, under 50 ms (Slack waits for nothing here, but a Home tab is
built on every `app_home_opened`, for each user who opens it).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

# Run as a script, this folder heads the import path, where bench/http.py would stand in
# for the standard library's `http`: the repository goes there instead.
BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH]

from bot.corpus import Quote  # noqa: E402
from bot.corpus.inline import parse  # noqa: E402
from bot.daily.schedule import Subscription, next_post  # noqa: E402
from bot.daily.schedules import StoredSubscription  # noqa: E402
from bot.render_home import PAGE_SIZE, HomeData, Loved, ScheduleRow, home_view  # noqa: E402


def _corpus_bench() -> ModuleType:
    """bench/corpus.py, for its inline Markdown: the same quarter of quotes marked up."""
    spec = importlib.util.spec_from_file_location("bench_corpus", BENCH / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


markup = _corpus_bench().markup

SEED = 80
BUILDS = 200
WARM_UP = 20
TARGET_MS = 50.0
QUOTES = 100_000
CHANNELS = 150
NOW = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
ZONES = (
    "UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles",
    "America/Sao_Paulo", "Asia/Tokyo", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Sydney",
    "Pacific/Auckland", "Africa/Nairobi",
)  # fmt: skip
DAYS = ("mon-fri", "mon-sun", "mon,wed,fri", "sat,sun", "tue,thu")
TOPICS = ("Robots", "Learning", "Design", "Energy", "Writing", "Software", "Ethics", "Music")
SPEAKERS = (
    "Ada Lovelace", "Grace Hopper", "Alan Kay", "Barbara Liskov", "Donald Knuth",
    "Margaret Hamilton", "Ken Thompson", "Frances Allen", "Edsger Dijkstra", "Radia Perlman",
)  # fmt: skip
WORDS = (
    "the of and to a in is it that you this we for be not on with they are as have but was "
    "models data people learning robots think build small teams software ideas problem "
    "better world future simple hard work change question answer design useful"
).split()


def sentence(rng: random.Random) -> str:
    """20-120 words, a quarter with inline Markdown, as bench/corpus.py writes them."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(20, 120))]
    words[0] = words[0].capitalize()
    return markup(rng, " ".join(words) + ".")


def quote(rng: random.Random, number: int, *, slack: bool = False) -> Quote:
    return Quote(
        f"Q{number:05d}", sentence(rng), rng.choice(SPEAKERS), "A talk",
        f"https://example.org/talks/{number}", rng.choice(TOPICS), None, (),
        "" if slack else f"shelf/page-{number // 25:05d}.md", number % 25 + 1,
        origin="slack" if slack else "file",
    )  # fmt: skip


def schedules(rng: random.Random, count: int) -> list[ScheduleRow]:
    rows = []
    for number in range(count):
        channel = rng.randrange(CHANNELS)
        sub = Subscription(
            f"C{channel:05d}", f"{rng.randint(6, 18):02d}:{rng.choice(['00', '15', '30'])}",
            rng.choice(ZONES), rng.choice(DAYS), tuple(rng.sample(TOPICS, rng.randint(0, 2))),
            id=f"S{number:04d}",
        )  # fmt: skip
        origin = "config" if number % 10 == 0 else "slack"
        enabled = number % 10 != 5
        stored = StoredSubscription(sub, origin, enabled, None, "U0ADMIN")
        at = next_post(sub, now=NOW) if enabled else None
        rows.append(ScheduleRow(stored, f"#team-{channel:03d}", at, may_change=True))
    return sorted(rows, key=lambda r: (r.channel_name, r.stored.subscription.time))


def home_data(count: int, seed: int) -> HomeData:
    rng = random.Random(seed)
    book = [quote(rng, number, slack=number % 50 == 0) for number in range(200)]
    pending = [quote(rng, QUOTES + number, slack=True) for number in range(50)]
    return HomeData(
        viewer_zone="America/New_York",
        now=NOW,
        today=book[0],
        schedules=schedules(rng, count),
        may_add_schedule=True,
        book_counts={"file": QUOTES - 1200, "slack": 1200},
        recent=book[1:6],
        pending=pending,
        pending_seq={q.id: rng.randint(1, 5) for q in pending},
        is_approver=True,
        loved_month=[Loved(q, rng.randint(1, 40)) for q in book[6:11]],
        loved_all=[Loved(q, rng.randint(40, 400)) for q in book[11:16]],
        open_reports=12,
    )


def timed(data: HomeData, pages: int, *, cold: bool) -> list[float]:
    """Milliseconds of each build after the warm-up, going through the pages in turn."""
    times = []
    for number in range(WARM_UP + BUILDS):
        page = replace(data, schedule_page=number % pages)
        if cold:
            parse.cache_clear()
        started = time.perf_counter()
        home_view(page)
        elapsed = (time.perf_counter() - started) * 1000
        if number >= WARM_UP:
            times.append(elapsed)
    return sorted(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=500)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)

    data = home_data(args.schedules, args.seed)
    pages = max(1, -(-args.schedules // PAGE_SIZE))
    views = [home_view(replace(data, schedule_page=page)) for page in range(pages)]
    blocks = [len(view["blocks"]) for view in views]
    sizes = [len(json.dumps(view)) for view in views]
    print(
        f"quotebot Home view benchmark (seed {args.seed}): {args.schedules:,} schedules in "
        f"{CHANNELS} channels, {QUOTES:,} quotes, {len(data.pending)} waiting for review"
    )
    print(
        f"view, over its {pages} pages: {min(blocks)}-{max(blocks)} blocks (Slack takes 100), "
        f"{min(sizes):,}-{max(sizes):,} characters of JSON"
    )
    results = {}
    for label, cold in (("cold", True), ("warm", False)):
        times = timed(data, pages, cold=cold)
        results[label] = times
        print(
            f"  {label}: {BUILDS} builds over {pages} pages, median {statistics.median(times):.2f}"
            f" ms, max {times[-1]:.2f} ms"
        )
    met = results["cold"][-1] < TARGET_MS
    print(f"target: every build (cold) < {TARGET_MS:g} ms: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
