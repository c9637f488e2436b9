"""Benchmark `/quote <topic>` over HTTP: quotebot against a bare bolt app that only acks.

Run from the repository root::

    .venv/bin/python bench/http.py                       # 50, 100, 200, 400 requests/s
    .venv/bin/python bench/http.py --rates 100 --seconds 10

It starts the Slack Web API stand-in (tests/slack_standin.py) in this process, then two
servers as processes of their own, both on 127.0.0.1:

- ours: the real `quotebot serve`, at its default log level (INFO), with the shipped
  quotes, a fresh SQLite database and an empty settings file;
- the floor: bench/bare_ack.py, a bolt AsyncApp on the same aiohttp server kind whose
  /quote handler only acks. It pays for everything quotebot cannot avoid: HTTP, bolt's
  signature check and dispatch.

Each rate is driven open loop: request i is due at start + i / rate, whether or not the
ones before it were answered, and its latency runs from when it was due to when its
answer was read, so a server that falls behind is charged for the queue it builds
(no coordinated omission). Every request is a slash command, form-encoded and signed
with the signing secret as Slack sends it, asking for one of the corpus's topics in
turn. An answer counts only with status 200 and, for quotebot, a message with blocks.
Everything is bounded: `--seconds` per rate, 10 s per request.

It prints, per rate and server: the achieved throughput (good answers per second of
the run), p50 and p99 latency, the errors, the p99 lateness of the client's own sends
(when this is large, the load generator, not the server, is the bottleneck), and the
ratio of the medians. Targets: p99 under 50 ms at 100 requests/s, and quotebot's
median within 1.2x of the floor's. A missed target is printed, not an error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# This file is http.py, and Python puts its folder first on the import path: `import http`
# (in aiohttp and urllib) would find this file instead of the standard library's package.
BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH]

import aiohttp  # noqa: E402

from bot.corpus import load_corpus, shipped_corpus  # noqa: E402
from tests.harness import (  # noqa: E402
    BOT_TOKEN,
    FORM,
    SIGNING_SECRET,
    TEAM_ID,
    BotProcess,
    bot_environment,
    command_body,
    free_port,
    sign,
)
from tests.slack_standin import SlackStandIn  # noqa: E402

RATES = (50, 100, 200, 400)
TARGET_P99_MS = 50.0
TARGET_RATE = 100
TARGET_RATIO = 1.2
REQUEST_TIMEOUT = 10.0
WARM_UP = 30  # requests before each measured run; the first one makes bolt call auth.test


@dataclass(frozen=True)
class Run:
    """One server driven at one rate."""

    rate: float
    sent: int
    good: int
    errors: int
    seconds: float  # from the first request due to the last answer read
    latencies_ms: list[float]  # of the good answers
    send_lateness_ms: list[float]  # how late the client sent each request

    @property
    def throughput(self) -> float:
        return self.good / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def drive(
    url: str, *, rate: float, count: int, topics: list[str], response_url: str, quotebot: bool
) -> Run:
    """Send `count` signed `/quote <topic>` requests at `rate` per second, open loop."""
    loop = asyncio.get_running_loop()
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=0)  # no queue in the client: the server's shows
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = loop.time() + 0.2  # time to create the tasks before the first is due

        async def one(number: int) -> tuple[float, float, bool]:
            due = start + number / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            sent_at = loop.time()
            body = command_body(topics[number % len(topics)], response_url=response_url)
            headers = {**sign(body, SIGNING_SECRET), "Content-Type": FORM}
            try:
                async with session.post(url, data=body.encode(), headers=headers) as response:
                    payload = await response.read()
                    good = response.status == 200 and (not quotebot or b'"blocks"' in payload)
            except (aiohttp.ClientError, TimeoutError):
                good = False
            return loop.time() - due, sent_at - due, good

        results = await asyncio.gather(*(one(number) for number in range(count)))
        seconds = loop.time() - start
    good = [latency * 1000 for latency, _, ok in results if ok]
    return Run(
        rate=rate,
        sent=count,
        good=len(good),
        errors=count - len(good),
        seconds=seconds,
        latencies_ms=good,
        send_lateness_ms=[late * 1000 for _, late, _ in results],
    )


def servers(folder: Path, slack: SlackStandIn) -> tuple[BotProcess, BotProcess]:
    """quotebot and the floor, ready to start, each on a free port with its own folder."""
    ours_folder, floor_folder = folder / "quotebot", folder / "floor"
    ours_folder.mkdir()
    floor_folder.mkdir()
    env = bot_environment(ours_folder, slack, QUOTEBOT_LOG_LEVEL="INFO")
    ours = BotProcess(env, cwd=ours_folder, slack=slack)
    floor = BotProcess(
        {**env, "PORT": str(free_port())},
        cwd=floor_folder,
        slack=slack,
        command=[sys.executable, "-P", str(BENCH / "bare_ack.py")],  # -P: see BENCH above
    )
    return ours, floor


def row(run: Run) -> str:
    return (
        f"{run.throughput:7.1f} {run.percentile(50):7.1f} {run.percentile(99):7.1f} "
        f"{run.errors:6d} {percentile(run.send_lateness_ms, 99):6.1f}"
    )


def report(runs: list[tuple[Run, Run]], seconds: float) -> None:
    print()
    head = f"{'got/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'late':>6}"
    print(f"{'':8} | {'quotebot serve':^37} | {'floor: bare bolt ack':^37} |")
    print(f"{'rate/s':>8} | {head} | {head} | {'p50 ratio':>9}")
    for ours, floor in runs:
        ratio = ours.percentile(50) / floor.percentile(50)
        print(f"{ours.rate:8.0f} | {row(ours)} | {row(floor)} | {ratio:8.2f}x")
    print(
        f"\n{seconds:g} s per rate; latency from when each request was due to its answer; "
        "late: p99 of how late the client sent (ms)"
    )
    at_target = [(o, f) for o, f in runs if o.rate == TARGET_RATE]
    if not at_target:
        return
    ours, floor = at_target[0]
    p99, ratio = ours.percentile(99), ours.percentile(50) / floor.percentile(50)
    print(
        f"target p99 < {TARGET_P99_MS:g} ms at {TARGET_RATE}/s: {p99:.1f} ms, "
        f"{'met' if p99 < TARGET_P99_MS else 'MISSED'}"
    )
    print(
        f"target median <= {TARGET_RATIO}x the floor at {TARGET_RATE}/s: {ratio:.2f}x, "
        f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}"
    )


async def measure(
    ours: BotProcess, floor: BotProcess, *, rates: list[float], seconds: float, topics: list[str]
) -> list[tuple[Run, Run]]:
    runs = []
    response_url = "http://127.0.0.1:9/never-used"  # answers go in the HTTP body
    url_of = {id(ours): ours.url + "/slack/events", id(floor): floor.url + "/slack/events"}
    for server in (ours, floor):
        await drive(
            url_of[id(server)],
            rate=50,
            count=WARM_UP,
            topics=topics,
            response_url=response_url,
            quotebot=server is ours,
        )
    for rate in rates:
        pair = []
        for server in (ours, floor):
            run = await drive(
                url_of[id(server)],
                rate=rate,
                count=max(1, round(rate * seconds)),
                topics=topics,
                response_url=response_url,
                quotebot=server is ours,
            )
            pair.append(run)
            await asyncio.sleep(0.5)  # let the server settle before the next run
        print(f"  {rate:g}/s done", flush=True)
        runs.append((pair[0], pair[1]))
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=list(RATES))
    parser.add_argument("--seconds", type=float, default=5.0, help="per rate (default 5)")
    args = parser.parse_args(argv)
    topics = [topic.name for topic in load_corpus(shipped_corpus()).corpus.topics()]
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print("quotebot HTTP benchmark: signed `/quote <topic>` on 127.0.0.1, open loop")
    print(f"machine: {os.cpu_count()} CPUs, load average {load} before the run")
    print(f"topics asked for in turn: {', '.join(topics)}", flush=True)
    with SlackStandIn(tokens={BOT_TOKEN: TEAM_ID}) as slack, tempfile.TemporaryDirectory() as tmp:
        ours, floor = servers(Path(tmp), slack)
        with ours, floor:  # started, and always stopped
            started = time.monotonic()
            runs = asyncio.run(
                measure(ours, floor, rates=args.rates, seconds=args.seconds, topics=topics)
            )
            elapsed = time.monotonic() - started
            ours_log, floor_log = ours.log(), floor.log()
    report(runs, args.seconds)
    print(f"measured in {elapsed:.0f} s")
    for name, log in (("quotebot", ours_log), ("floor", floor_log)):
        problems = [line for line in log.splitlines() if " ERROR " in line or "Traceback" in line]
        if problems:
            print(f"{name} logged {len(problems)} errors, first: {problems[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
