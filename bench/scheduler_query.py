"""Benchmark the scheduler's per-minute database work at 0 and 1,000,000 rows of post history.

Run from the repository root::

    python bench/scheduler_query.py               # a temporary SQLite file
    python bench/scheduler_query.py --postgres    # a throwaway PostgreSQL server

Why: every minute the scheduler (`bot.daily.scheduler`) asks the database which of
today's posts are still to be sent, and before each claim whether the post is taken.
The claims table keeps one row per schedule and day, so it grows by a row per schedule
a day unless pruned (hourly, to `history_days`, 60 by default). The per-minute queries
must not grow with it: `Claims.finished` reads the index `daily_claims_by_date`
(local_date, status) and `Claims.taken` the primary key. This measures that they don't,
and how long the prune takes that a database three years old would first meet.

What: a fresh database with 1,000 schedules from the settings file (times 06:00 to
11:59 UTC, every day), `now` at 12:00 UTC today and the scheduler's default 6-hour
catch-up window, so each schedule is due once today. Each measured minute, done
`--repeats` times after one untimed warm-up, is:

- `schedules(store)`: reading the 1,000 schedules, as `run_due` does first;
- `DailyRunner.due(...)` over them, which calls `store.claims.finished(...)` for
  today's 1,000 (schedule, date) keys;
- `store.claims.taken(...)` for 100 of today's keys, as each claim asks first.

It prints median and p95 in ms of each, and of due + taken (the figure asked about),
at three sizes of history:

1. 0 rows;
2. 1,000,000 rows: status "sent" for each schedule on each of the 1,000 days before
   today (about 2.7 years), bulk-inserted with SQLAlchemy Core executemany batches;
   today has no rows yet, as in 1, so `due` still finds all 1,000 due;
3. the same plus today's 1,000 posts sent: the state for the rest of the catch-up
   window after the fan-out, when `finished` returns every key.

Then the time of `store.claims.prune(before=today - 60 days)`, which deletes the
940,000 rows older than that, the per-minute figures once more after it, and the
query plan of the `finished` query. On PostgreSQL the table is VACUUM ANALYZEd after
the bulk insert, as autovacuum would have done long before a real table got that big.
Other work on the machine skews every figure here; the load average before the run is
printed. Temporary files (and the PostgreSQL server) are removed at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
# Run as a script, bench/ heads sys.path and bench/http.py would stand in for the
# standard library's http package (aiohttp imports it): drop it, add the repository.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from datetime import time as clock_time  # noqa: E402

from sqlalchemy import insert, select  # noqa: E402

from bot.corpus import Corpus  # noqa: E402
from bot.daily.runner import DailyRunner  # noqa: E402
from bot.daily.schedule import Subscription  # noqa: E402
from bot.daily.schedules import schedules, sync_config  # noqa: E402
from bot.slack.sender import SlackSender  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.store.claims import FINISHED  # noqa: E402
from bot.store.schema import claims  # noqa: E402

SCHEDULES = 1_000
DAYS = 1_000  # of history, before today: SCHEDULES x DAYS rows
TAKEN_KEYS = 100
GRACE = timedelta(hours=6)  # the scheduler's default catch-up window (catch_up_hours)
KEEP = timedelta(days=60)  # history_days' default
BATCH = 10_000
TEAM = "T1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="a throwaway PostgreSQL server (tests/postgres.py) instead of SQLite",
    )
    parser.add_argument("--repeats", type=int, default=50, help="measured minutes per size")
    parser.add_argument(
        "--days",
        type=int,
        default=DAYS,
        help=f"days of history per schedule (default {DAYS}: 1,000,000 rows)",
    )
    args = parser.parse_args(argv)
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} before the run")
    with database(args.postgres) as (url, shown):
        print(
            f"scheduler query benchmark: {SCHEDULES:,} schedules, {shown}, "
            f"{args.repeats} measured minutes per size",
            flush=True,
        )
        run(url, repeats=args.repeats, days=args.days)
    return 0


@contextmanager
def database(postgres: bool) -> Iterator[tuple[str, str]]:
    """A SQLAlchemy URL of an empty database, removed afterwards, and how to name it."""
    if postgres:
        from tests.postgres import fresh_database, postgres_server

        with postgres_server() as server:
            yield fresh_database(server), "a throwaway PostgreSQL server"
        return
    with tempfile.TemporaryDirectory(prefix="quotebot-scheduler-query-") as folder:
        yield f"sqlite:///{Path(folder) / 'quotebot.sqlite3'}", "a temporary SQLite file"


def run(url: str, *, repeats: int, days: int) -> None:
    today = datetime.now(UTC).date()
    now = datetime.combine(today, clock_time(12, 0), UTC)
    store = Store(url)
    try:
        sync_config(store, subscriptions(), now=now)
        # The corpus and the sender are never used by `due`; they are real ones, unused.
        sender = SlackSender(store=store, client_for=lambda _team: None, clock=lambda: now)
        runner = DailyRunner(
            store=store,
            corpus=Corpus([]),
            sender=sender,
            owner="bench",
            lease=timedelta(seconds=300),
        )
        subs = schedules(store)
        keys = [(stored.id, today) for stored in subs[:TAKEN_KEYS]]

        def minute() -> dict[str, float]:
            return one_minute(store, runner, keys, now)

        print()
        print(
            f"{'history rows':>12}  {'per minute: due + taken':>23}  {'due()':>15}  "
            f"{f'taken() x{TAKEN_KEYS}':>15}  {'schedules()':>15}  {'due':>5}"
        )
        print(
            f"{'':>12}  {'median / p95 ms':>23}  {'median / p95':>15}  {'median / p95':>15}  "
            f"{'median / p95':>15}  {'found':>5}"
        )
        report(0, measure(minute, repeats), len(runner.due(subs, now=now, grace=GRACE)))

        started = time.monotonic()
        rows = fill_history(store, [stored.id for stored in subs], today, days)
        filled = time.monotonic() - started
        settle(store)
        report(rows, measure(minute, repeats), len(runner.due(subs, now=now, grace=GRACE)))

        # Today's posts, all sent: the day before tomorrow.
        fill_history(store, [stored.id for stored in subs], today + timedelta(days=1), 1)
        settle(store)
        report(
            rows + len(subs),
            measure(minute, repeats),
            len(runner.due(subs, now=now, grace=GRACE)),
            note="incl. today's, all sent",
        )

        print()
        print(
            f"bulk insert of {rows:,} rows: {filled:.1f} s "
            f"({rows / filled:,.0f} rows/s, executemany batches of {BATCH:,})"
        )
        before = today - KEEP
        started = time.monotonic()
        gone = store.claims.prune(before=before)
        pruned = time.monotonic() - started
        print(f"prune(before={before}) deleted {gone:,} rows in {pruned:.2f} s")
        left = measure(minute, repeats)
        report(
            rows + len(subs) - gone,
            left,
            len(runner.due(subs, now=now, grace=GRACE)),
            note="after the prune",
        )
        print()
        print("query plan of Claims.finished (today's date, the finished statuses):")
        for line in plan(store, today):
            print(f"  {line}")
    finally:
        store.close()


def subscriptions() -> list[Subscription]:
    """1,000 settings-file schedules, every day, at times spread over 06:00 to 11:59 UTC."""
    minutes = [6 * 60 + number * 6 * 60 // SCHEDULES for number in range(SCHEDULES)]
    return [
        Subscription(
            channel=f"C{number:06d}",
            time=f"{at // 60:02d}:{at % 60:02d}",
            timezone="UTC",
            days="mon-sun",
            team_id=TEAM,
        )
        for number, at in enumerate(minutes)
    ]


def fill_history(store: Store, ids: list[str], until: date, days: int) -> int:
    """Insert a "sent" claim for each schedule on each of the `days` days before `until`."""

    def rows() -> Iterator[dict]:
        for back in range(days, 0, -1):
            day = until - timedelta(days=back)
            moment = datetime.combine(day, clock_time(9, 0), UTC)
            for number, schedule_id in enumerate(ids):
                yield {
                    "subscription_id": schedule_id,
                    "local_date": day,
                    "status": "sent",
                    "quote_id": f"q{(number + back) % 997:04d}",
                    "cycle": back // 80,
                    "ts": f"{moment.timestamp():.0f}.{number:06d}",
                    "claimed_by": "bench",
                    "lease_until": moment + timedelta(minutes=5),
                    "attempts": 1,
                    "error": None,
                    "updated_at": moment,
                }

    count = 0
    batch: list[dict] = []
    with store.engine.begin() as db:
        for row in rows():
            batch.append(row)
            if len(batch) == BATCH:
                db.execute(insert(claims), batch)
                count, batch = count + len(batch), []
        if batch:
            db.execute(insert(claims), batch)
            count += len(batch)
    return count


def settle(store: Store) -> None:
    """PostgreSQL: the statistics and visibility map autovacuum would have made by now."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.exec_driver_sql("VACUUM ANALYZE daily_claims")


def one_minute(
    store: Store, runner: DailyRunner, keys: list[tuple[str, date]], now: datetime
) -> dict[str, float]:
    """The scheduler's database work for one minute, timed by part (seconds)."""
    started = time.perf_counter()
    subs = schedules(store)
    listed = time.perf_counter()
    runner.due(subs, now=now, grace=GRACE)
    checked = time.perf_counter()
    for schedule_id, day in keys:
        store.claims.taken(subscription_id=schedule_id, local_date=day, now=now)
    ended = time.perf_counter()
    return {
        "schedules": listed - started,
        "due": checked - listed,
        "taken": ended - checked,
        "minute": ended - listed,  # due + taken
    }


def measure(minute: Callable[[], dict[str, float]], repeats: int) -> dict[str, list[float]]:
    minute()  # warm-up: connections, statement caches, pages read in
    samples: dict[str, list[float]] = {}
    for _ in range(repeats):
        for part, seconds in minute().items():
            samples.setdefault(part, []).append(seconds * 1000)
    return samples


def median_p95(values: list[float]) -> str:
    p95 = (
        statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]
    )
    return f"{statistics.median(values):6.1f} / {p95:6.1f}"


def report(rows: int, samples: dict[str, list[float]], found: int, note: str = "") -> None:
    print(
        f"{rows:>12,}  {median_p95(samples['minute']):>23}  {median_p95(samples['due']):>15}  "
        f"{median_p95(samples['taken']):>15}  {median_p95(samples['schedules']):>15}  "
        f"{found:>5}" + (f"  ({note})" if note else "")
    )


def plan(store: Store, day: date) -> list[str]:
    """How the database runs the `finished` query (EXPLAIN), one line per step."""
    query = select(claims.c.subscription_id, claims.c.local_date).where(
        claims.c.local_date.in_([day]) & claims.c.status.in_(FINISHED)
    )
    sql = str(query.compile(store.engine, compile_kwargs={"literal_binds": True}))
    sqlite = store.engine.dialect.name == "sqlite"
    with store.engine.connect() as db:
        result = db.exec_driver_sql(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql)
        return [str(row[-1]) if sqlite else str(row[0]) for row in result]


if __name__ == "__main__":
    sys.exit(main())
