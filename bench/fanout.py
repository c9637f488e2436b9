"""Benchmark the quote of the day fan-out: a post to each of 1,000 channels within Slack's limits.

Run from the repository root::

    python bench/fanout.py                      # 1,000 channels, one `quotebot daily run`
    python bench/fanout.py --instances 3        # three runs at once on the same database
    python bench/fanout.py --database-url postgresql+psycopg://user@localhost/quotebot
    python bench/fanout.py --instances 3 --postgres   # a throwaway PostgreSQL server
    python bench/fanout.py --first-day          # no history yet: joins and looks first

It starts the Slack Web API stand-in (tests/slack_standin.py) on 127.0.0.1, enforcing
chat.postMessage limits: one message per second per channel (burst 1) and a workspace
token bucket (default 100 posts/s, burst 100). It writes a settings file with one
subscription per channel, due a minute ago (mon-sun, UTC), and a fresh SQLite database
(or uses --database-url), then runs the real code path, `quotebot daily run`, as
`--instances` subprocesses at once, with only loopback URLs in their environment.

It prints:

- wall time from starting the processes to the last one's exit (this includes Python's
  start and imports, opening the database, and syncing the settings file);
- first-post-to-last-post time from the stand-in's record of successful posts, which is
  what the limits bound, and the minimum the limits allow for it; their ratio is the
  figure held to the target (1.2x);
- posts lost (channels with no successful chat.postMessage) and doubled (channels with
  more than one), which must both be 0, and the 429 answers the limits caused;
- where the time between first and last post went: the gaps in which nothing was posted;
- the CPU time the quotebot processes and the stand-in used, and the machine's load
  average before the run (other work on the machine skews every figure here).

Everything is bounded: the processes are killed after --timeout seconds. The exit code
is 1 when a post was lost or doubled or a process failed, else 0 (a missed time target is
printed, not an error). --standin process (the default) runs the stand-in as its own
process; --standin thread runs it in this process, whose main thread only waits
meanwhile. Either way it runs apart from the quotebot processes, and measured alike (it
uses about 1 s of CPU for 1,000 channels); --save-calls keeps its record for a closer look.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "xoxb-test"
TEAM = "T1"
TARGET_RATIO = 1.2
GAP_SECONDS = 0.25  # a pause between two successful posts longer than this counts as a gap


@dataclass(frozen=True)
class Limits:
    per_channel_rate: float
    per_channel_burst: int
    workspace_rate: float
    workspace_burst: int
    latency: float

    def describe(self) -> str:
        return (
            f"{self.per_channel_rate:g}/s per channel (burst {self.per_channel_burst}), "
            f"{self.workspace_rate:g}/s per workspace (burst {self.workspace_burst}), "
            f"{self.latency * 1000:g} ms latency per call"
        )

    def minimum_seconds(self, posts: int, channels: int) -> float:
        """The stand-in's own figure: shortest first-to-last-post time these limits allow."""
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from tests.slack_standin import SlackStandIn

        standin = SlackStandIn(
            per_channel_rate=self.per_channel_rate,
            per_channel_burst=self.per_channel_burst,
            workspace_rate=self.workspace_rate,
            workspace_burst=self.workspace_burst,
        )
        return standin.minimum_seconds(posts, channels)


class StandIn:
    """The stand-in, in a subprocess (`python -m tests.slack_standin`) or in a thread here."""

    def __init__(self, limits: Limits, mode: str) -> None:
        self.mode = mode
        self._process: subprocess.Popen[str] | None = None
        self._server: Any = None
        if mode == "thread":
            if str(ROOT) not in sys.path:
                sys.path.insert(0, str(ROOT))
            from tests.slack_standin import SlackStandIn

            self._server = SlackStandIn(
                {TOKEN: TEAM},
                per_channel_rate=limits.per_channel_rate,
                per_channel_burst=limits.per_channel_burst,
                workspace_rate=limits.workspace_rate,
                workspace_burst=limits.workspace_burst,
                latency=limits.latency,
            ).start()
            self.api_url, self.base_url = self._server.api_url, self._server.base_url
            return
        command = [
            sys.executable, "-m", "tests.slack_standin", "--host", "127.0.0.1",
            "--token", f"{TOKEN}:{TEAM}",
            "--per-channel-rate", str(limits.per_channel_rate),
            "--per-channel-burst", str(limits.per_channel_burst),
            "--workspace-rate", str(limits.workspace_rate),
            "--workspace-burst", str(limits.workspace_burst),
            "--latency", str(limits.latency),
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()  # one JSON line once it listens
        if not line:
            self.close()
            raise RuntimeError("the Slack stand-in did not start")
        urls = json.loads(line)
        self.api_url, self.base_url = urls["api_url"], urls["base_url"]

    def cpu_seconds(self) -> float | None:
        """CPU time the stand-in has used so far (in a thread: this whole process's)."""
        if self._server is not None:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            return usage.ru_utime + usage.ru_stime
        assert self._process is not None
        try:  # Linux: utime and stime, in clock ticks, after the command name
            fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def record(self) -> tuple[list[dict[str, Any]], int]:
        """Every call the stand-in answered (as dicts, `at` on the monotonic clock) and 429s."""
        if self._server is not None:
            calls = [dataclasses.asdict(call) for call in self._server.calls]
            return calls, self._server.ratelimited_count
        import urllib.request  # after main() has unshadowed the standard library's http

        with urllib.request.urlopen(f"{self.base_url}/_standin/calls", timeout=30) as answer:
            dump = json.load(answer)
        return dump["calls"], dump["ratelimited_count"]

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


@dataclass
class Instance:
    number: int
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    ended: float | None = None
    killed: bool = False

    @property
    def summary(self) -> str:
        """The last line `quotebot daily run` printed: 'N sent, N failed, …'."""
        lines = self.stdout.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return lines[-1] if lines else "(no output)"


def write_settings(folder: Path, channels: list[str], now: datetime) -> Path:
    """A settings file with one subscription per channel, due a minute ago today (UTC)."""
    due = max(now - timedelta(minutes=1), now.replace(hour=0, minute=0, second=0, microsecond=0))
    lines = ["timezone: UTC", "catch_up_hours: 6", "lease_seconds: 300", "daily:"]
    for channel in channels:
        lines += [f"  - channel: {channel}", f'    time: "{due:%H:%M}"', "    days: mon-sun"]
    path = folder / "quotebot.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def quotebot_command(profile: Path | None, number: int) -> list[str]:
    script = Path(sys.executable).with_name("quotebot")
    if profile is not None:
        output = profile / f"instance-{number}.prof"
        return [sys.executable, "-m", "cProfile", "-o", str(output), "-m", "bot", "daily", "run"]
    if script.exists():
        return [str(script), "daily", "run"]
    return [sys.executable, "-m", "bot", "daily", "run"]


def quotebot_env(settings: Path, database_url: str, api_url: str) -> dict[str, str]:
    """This environment without any Slack or quotebot setting, plus the bench's own."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "QUOTEBOT_")) and name not in ("DATABASE_URL", "PORT")
    }
    env.update(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_API_URL=api_url,
        DATABASE_URL=database_url,
        QUOTEBOT_CONFIG=str(settings),
        QUOTEBOT_LOG_LEVEL="INFO",
    )
    return env


def prepare_database(
    folder: Path, env: dict[str, str], timeout: float, *, first_day: bool, now: datetime
) -> float:
    """Create the schema and store the subscriptions once (`quotebot daily list`), as a
    deployed bot's database already is; returns the seconds it took.

    Unless `first_day`, the database is dated a month back and each schedule gets
    yesterday's post on record and its channel's membership, as a bot that has been
    running has. With `first_day`, the database is newer than today's post time, so each
    post is looked for in its channel first (and its channel joined for that).
    """
    started = time.monotonic()
    subprocess.run(
        [*quotebot_command(None, 0)[:-1], "list"],
        cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, timeout=timeout, check=True,
    )  # fmt: skip
    if not first_day:
        seed_yesterday(env["DATABASE_URL"], now)
    return time.monotonic() - started


def seed_yesterday(database_url: str, now: datetime) -> None:
    from bot.store import Store
    from bot.store.schema import channel_members, claims, database_origin, walk_steps

    store = Store(database_url)
    try:
        yesterday = (now - timedelta(days=1)).date()
        rows = store.schedules.list()
        with store.engine.begin() as db:
            # Made long before today's posts were due, as a running bot's database was.
            db.execute(database_origin.update().values(created_at=now - timedelta(days=30)))
            db.execute(claims.insert(), [
                {"subscription_id": row.id, "local_date": yesterday, "status": "sent",
                 "quote_id": "yesterday", "cycle": 0, "ts": "1.0", "claimed_by": "earlier",
                 "lease_until": now, "attempts": 1, "updated_at": now}
                for row in rows
            ])  # fmt: skip
            db.execute(walk_steps.insert(), [
                {"subscription_id": row.id, "local_date": yesterday, "cycle": 0,
                 "quote_id": "yesterday"}
                for row in rows
            ])  # fmt: skip
            db.execute(channel_members.insert(), [
                {"team_id": row.team_id, "channel": row.channel, "joined_at": now}
                for row in rows
            ])  # fmt: skip
    finally:
        store.close()


def run_instances(
    count: int, folder: Path, env: dict[str, str], deadline: float, profile: Path | None
) -> tuple[list[Instance], float]:
    """Start `count` runs of `quotebot daily run` at once; wait for all, killing at deadline.

    Returns them and the CPU seconds they used together."""
    instances = []
    before = _children_cpu()
    for number in range(1, count + 1):
        stdout, stderr = folder / f"run-{number}.out", folder / f"run-{number}.err"
        with stdout.open("wb") as out, stderr.open("wb") as err:
            process = subprocess.Popen(
                quotebot_command(profile, number),
                cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            )  # fmt: skip
        instances.append(Instance(number, process, stdout, stderr))
    for instance in instances:
        try:
            instance.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            instance.process.kill()
            instance.process.wait()
            instance.killed = True
        instance.ended = time.monotonic()
    return instances, _children_cpu() - before


def _children_cpu() -> float:
    """User and system CPU of the child processes waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _succeeded(call: dict[str, Any]) -> bool:
    return call["status"] == 200 and bool(call["response"].get("ok"))


def gaps(times: list[float], longer_than: float) -> list[float]:
    """The pauses between consecutive posts longer than `longer_than` seconds."""
    return [b - a for a, b in itertools.pairwise(times) if b - a > longer_than]


def report(
    limits: Limits,
    channels: list[str],
    instances: list[Instance],
    started: float,
    calls: list[dict[str, Any]],
    ratelimited: int,
    cpu: tuple[float, float | None],
) -> bool:
    """Print the figures; True when nothing was lost or doubled and every run ended well."""
    posts = [call for call in calls if call["method"] == "chat.postMessage"]
    sent = [call for call in posts if _succeeded(call)]
    per_channel = Counter(str(call["args"].get("channel")) for call in sent)
    lost = sum(1 for channel in channels if per_channel[channel] == 0)
    doubled = sum(1 for channel in channels if per_channel[channel] > 1)
    known = set(channels)
    strays = sum(count for channel, count in per_channel.items() if channel not in known)
    other = Counter(call["method"] for call in calls if call["method"] != "chat.postMessage")
    refused = Counter(
        call["response"].get("error") or str(call["status"])
        for call in posts
        if not _succeeded(call) and call["status"] != 429
    )

    ended = max(instance.ended or started for instance in instances)
    wall = ended - started
    times = sorted(call["at"] for call in sent)
    span = times[-1] - times[0] if times else 0.0
    minimum = limits.minimum_seconds(len(channels), len(channels))
    pauses = gaps(times, GAP_SECONDS)

    print(f"{'processes, start to last exit':34} {wall:8.2f} s")
    if times:
        print(f"{'  start to first post':34} {times[0] - started:8.2f} s")
        print(f"{'  first post to last post':34} {span:8.2f} s")
        print(f"{'  last post to last exit':34} {ended - times[-1]:8.2f} s")
    print(f"{'minimum the limits allow':34} {minimum:8.2f} s  (first post to last post)")
    span_ratio = span / minimum if minimum else float("nan")
    if minimum:
        print(f"{'ratio, first to last post':34} {span_ratio:8.2f}x")
        print(f"{'ratio, whole processes':34} {wall / minimum:8.2f}x")
    past_burst = len(times) - min(limits.workspace_burst, len(times))
    rate = past_burst / span if span else float("nan")
    print(
        f"{'rate past the first burst':34} {rate:8.1f} posts/s (limit {limits.workspace_rate:g}/s)"
    )
    print(
        f"{'gaps with no post > ' + format(GAP_SECONDS, 'g') + ' s':34} {len(pauses):8d}"
        f"   totalling {sum(pauses):.2f} s, longest {max(pauses, default=0.0):.2f} s"
    )
    quotebot_cpu, standin_cpu = cpu
    per_post = quotebot_cpu / len(sent) * 1000 if sent else float("nan")
    print(
        f"{'CPU, quotebot processes':34} {quotebot_cpu:8.2f} s"
        f"   ({per_post:.2f} ms per post, start-up included)"
    )
    if standin_cpu is not None:
        print(f"{'CPU, stand-in':34} {standin_cpu:8.2f} s")
    print()
    print(f"{'chat.postMessage calls':34} {len(posts):8d}")
    print(f"{'  successful':34} {len(sent):8d}")
    print(f"{'  answered 429 (ratelimited)':34} {ratelimited:8d}")
    for error, count in sorted(refused.items()):
        print(f"{'  refused: ' + error:34} {count:8d}")
    for method, count in sorted(other.items()):
        print(f"{method + ' calls':34} {count:8d}")
    print(f"{'posts lost (channels with 0)':34} {lost:8d}")
    print(f"{'posts doubled (channels with >1)':34} {doubled:8d}")
    if strays:
        print(f"{'posts to unknown channels':34} {strays:8d}")
    print()
    healthy = True
    for instance in instances:
        code = instance.process.returncode
        state = "killed at the time limit" if instance.killed else f"exit {code}"
        print(f"instance {instance.number}: {state}, {instance.summary}")
        if instance.killed or code != 0:
            healthy = False
            tail = instance.stderr.read_text(encoding="utf-8", errors="replace")
            print("  " + "\n  ".join(tail.strip().splitlines()[-5:]))
    correct = lost == 0 and doubled == 0 and strays == 0 and healthy
    if not times:
        timing = "MISSED (nothing was posted)"
    elif not minimum:
        timing = "n/a (the workspace burst covers every post)"
    else:
        timing = f"{'met' if span_ratio <= TARGET_RATIO else 'MISSED'} ({span_ratio:.2f}x)"
    print()
    print(
        f"target: first to last post within {TARGET_RATIO:g}x the minimum: {timing}; "
        f"0 lost and 0 doubled: {'met' if lost == 0 and doubled == 0 else 'MISSED'}"
    )
    return correct


def unshadow_stdlib() -> None:
    """Run as a script, this folder heads sys.path, and bench/http.py would then stand in
    for the standard library's http package (urllib and aiohttp import it): drop it."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]


def main(argv: list[str] | None = None) -> int:
    unshadow_stdlib()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=1000, help="subscribed channels")
    parser.add_argument(
        "--instances", type=int, default=1, help="`quotebot daily run` processes at once"
    )
    parser.add_argument(
        "--database-url", help="SQLAlchemy URL shared by the instances (default: a fresh SQLite)"
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="share a throwaway PostgreSQL server started for the run (tests/postgres.py)",
    )
    parser.add_argument("--workspace-rate", type=float, default=100.0, help="posts/s")
    parser.add_argument("--workspace-burst", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each call")
    parser.add_argument("--standin", choices=("process", "thread"), default="process")
    parser.add_argument("--timeout", type=float, default=120.0, help="kill runs after this")
    parser.add_argument("--profile", type=Path, help="write each run's cProfile data here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--first-day", action="store_true",
        help="no history: each first post joins its channel and looks in it first",
    )  # fmt: skip
    parser.add_argument("--save-calls", type=Path, help="write the stand-in's calls here (JSON)")
    args = parser.parse_args(argv)
    if args.channels < 1 or args.instances < 1:
        parser.error("--channels and --instances must be at least 1")
    if args.postgres:
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from tests.postgres import fresh_database, postgres_server

        with postgres_server() as server:
            args.database_url = fresh_database(server)
            return run(args)
    return run(args)


def run(args: argparse.Namespace) -> int:
    """One benchmark run with the parsed arguments; 0 when nothing was lost or doubled."""

    limits = Limits(1.0, 1, args.workspace_rate, args.workspace_burst, args.latency)
    now = datetime.now(UTC)
    # Channel ids unique to this run, so a reused --database-url holds no earlier claims.
    tag = f"{int(now.timestamp()) % 100_000:05d}"
    channels = [f"C{tag}{number:06d}" for number in range(args.channels)]
    folder = Path(tempfile.mkdtemp(prefix="quotebot-fanout-"))
    database_url = args.database_url or f"sqlite:///{folder / 'quotebot.sqlite3'}"
    shown_db = "a fresh SQLite file" if not args.database_url else database_url.split("@")[-1]
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)

    print(
        f"quotebot fan-out benchmark: {args.channels:,} channels, {args.instances} "
        f"`quotebot daily run` at once, {shown_db}"
    )
    print(f"limits: {limits.describe()}; stand-in in a {args.standin}")
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} before the run", flush=True)
    standin = StandIn(limits, args.standin)
    try:
        settings = write_settings(folder, channels, now)
        env = quotebot_env(settings, database_url, standin.api_url)
        try:
            setup = prepare_database(folder, env, args.timeout, first_day=args.first_day, now=now)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            tail = (error.stderr or b"").decode(errors="replace").strip().splitlines()[-8:]
            print(f"preparing the database failed: {error}", *tail, sep="\n  ")
            return 1
        history = "no history: the first day" if args.first_day else "yesterday's posts on record"
        print(
            f"database prepared (schema, {args.channels:,} subscriptions, {history}) "
            f"in {setup:.2f} s"
        )
        print()
        standin_cpu = standin.cpu_seconds()
        started = time.monotonic()
        instances, quotebot_cpu = run_instances(
            args.instances, folder, env, started + args.timeout, args.profile
        )
        standin_after = standin.cpu_seconds()
        if standin_cpu is not None and standin_after is not None:
            standin_cpu = standin_after - standin_cpu
        calls, ratelimited = standin.record()
        if args.save_calls:
            record = {"started": started, "calls": calls, "ratelimited_count": ratelimited}
            args.save_calls.write_text(json.dumps(record), encoding="utf-8")
        cpu = (quotebot_cpu, standin_cpu)
        correct = report(limits, channels, instances, started, calls, ratelimited, cpu)
    finally:
        standin.close()
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
