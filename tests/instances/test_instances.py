"""Several `quotebot serve` instances on one PostgreSQL database, in three workspaces.

Each daily post is claimed in the database before it is sent, so whichever instances
run the scheduler, each channel gets its quote exactly once: also when an instance is
killed in the middle of the fan-out (another finishes its claims once their lease has
run out, after checking the channel for a post that already went through), and when
an instance is told to stop with SIGTERM.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import create_engine, select

from bot.daily.schedule import Subscription
from bot.installations import InstallationStore
from bot.store import Store
from bot.store.schema import claims
from tests.harness import BotProcess, bot_environment, run_cli
from tests.postgres import fresh_database
from tests.slack_standin import SlackStandIn

TEAMS = {"T1": "xoxb-one", "T2": "xoxb-two", "T3": "xoxb-three"}
CLIENT_ID = "1111.2222"


def channels(count: int) -> list[tuple[str, str]]:
    """(team, channel) pairs spread evenly over the three workspaces."""
    teams = list(TEAMS)
    return [(teams[i % 3], f"C{teams[i % 3]}X{i:04d}") for i in range(count)]


def write_config(path: Path, pairs: list[tuple[str, str]], *, lease: float) -> Path:
    """Every channel subscribed, due a minute ago, so the catch-up at start posts it."""
    due = datetime.now(UTC) - timedelta(minutes=1)
    config = {
        "timezone": "UTC",
        "lease_seconds": lease,
        "daily": [
            {"channel": channel, "team": team, "time": f"{due:%H:%M}", "days": "daily"}
            for team, channel in pairs
        ],
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def claims_by_id(database_url: str) -> dict[str, Any]:
    """Every daily claim as stored, by claim id (`schedule:date`)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            rows = list(db.execute(select(claims)))
    finally:
        engine.dispose()
    return {f"{row.subscription_id}:{row.local_date.isoformat()}": row for row in rows}


def claims_held_by(database_url: str, pid: int) -> set[str]:
    """The claims still pending under the process `pid` (owners are host:pid:random)."""
    return {
        claim_id
        for claim_id, row in claims_by_id(database_url).items()
        if row.status == "pending" and f":{pid}:" in row.claimed_by
    }


def install_workspaces(database_url: str) -> None:
    """Store the three workspaces' installations, as the OAuth flow would have."""
    store = Store(database_url)
    try:
        installations = InstallationStore(CLIENT_ID, store)
        for number, (team, token) in enumerate(TEAMS.items(), start=1):
            installations.sync.save(
                Installation(
                    app_id="AQUOTEBOT",
                    enterprise_id=None,
                    team_id=team,
                    bot_token=token,
                    bot_id=f"B{number}",
                    bot_user_id=f"U{number}BOT",
                    bot_scopes=["chat:write", "chat:write.public"],
                    user_id=f"U{number}",
                    installed_at=time.time(),
                )
            )
    finally:
        store.close()


def instance(tmp_path: Path, name: str, slack: SlackStandIn, *, database_url: str,
             config: Path) -> BotProcess:  # fmt: skip
    folder = tmp_path / name
    folder.mkdir()
    env = bot_environment(
        folder,
        slack,
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET="standin-secret",
        DATABASE_URL=database_url,
        QUOTEBOT_CONFIG=str(config),
    )
    return BotProcess(env, cwd=folder, slack=slack)


def due_time(config: Path) -> str:
    return yaml.safe_load(config.read_text(encoding="utf-8"))["daily"][0]["time"]


def posts_by_channel(slack: SlackStandIn, pairs: list[tuple[str, str]]) -> dict[str, int]:
    return {channel: len(slack.messages(channel)) for _, channel in pairs}


def wait_until(
    condition: Callable[[], bool], *, timeout: float, explain: Callable[[], str]
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(explain())
        time.sleep(0.1)


def test_three_instances_post_once_per_channel_even_when_one_is_killed(
    tmp_path: Path, postgres: str
) -> None:
    pairs = channels(200)
    database_url = fresh_database(postgres)
    install_workspaces(database_url)
    config = write_config(tmp_path / "quotebot.yaml", pairs, lease=30)
    # Slow enough that the fan-out takes several seconds and the kill lands in its middle.
    with SlackStandIn(
        tokens={token: team for team, token in TEAMS.items()},
        latency=0.02,
        workspace_rate=15.0,
        workspace_burst=5,
    ) as slack:
        bots = [
            instance(tmp_path, name, slack, database_url=database_url, config=config)
            for name in ("a", "b", "c")
        ]
        try:
            for bot in bots:
                bot.start()

            def logs() -> str:
                counts = posts_by_channel(slack, pairs)
                missing = sorted(c for c, n in counts.items() if n != 1)
                return f"channels without exactly one post: {missing}\n" + "\n".join(
                    f"--- {bot.cwd.name}\n{bot.log()[-4000:]}" for bot in bots
                )

            wait_until(
                lambda: sum(posts_by_channel(slack, pairs).values()) >= 40,
                timeout=30,
                explain=logs,
            )
            bots[0].process.send_signal(signal.SIGKILL)
            bots[0].process.wait(timeout=10)
            sent_at_kill = sum(posts_by_channel(slack, pairs).values())
            held = claims_held_by(database_url, bots[0].process.pid)
            assert held, "the killed instance held no claim: the kill proves nothing"

            wait_until(
                lambda: all(posts_by_channel(slack, pairs).values()), timeout=90, explain=logs
            )
            time.sleep(4)  # the follow-up runs have looked again: a late double would show now

            counts = posts_by_channel(slack, pairs)
            assert sent_at_kill < len(pairs), "the kill came after the fan-out ended"
            assert set(counts.values()) == {1}, logs()
            tokens = {call.token for call in slack.calls_to("chat.postMessage")}
            assert tokens <= set(TEAMS.values())
            for team, channel in pairs:
                (message,) = slack.messages(channel)
                subscription = Subscription(
                    channel, time=due_time(config), timezone="UTC", days="mon-sun", team_id=team
                )
                claim = message["metadata"]["event_payload"]["claim"]
                assert claim.split(":")[0] == subscription.id, (channel, claim)
            # What the killed instance had claimed, another finished, after its lease.
            finished = claims_by_id(database_url)
            for claim_id in held:
                row = finished[claim_id]
                assert row.status == "sent" and row.attempts >= 2, (claim_id, row)
                assert f":{bots[0].process.pid}:" not in row.claimed_by, (claim_id, row)
        finally:
            for bot in bots:
                bot.kill()


def test_sigterm_finishes_in_flight_posts_and_exits_within_ten_seconds(
    tmp_path: Path, postgres: str
) -> None:
    pairs = [("T1", f"CT1S{i:03d}") for i in range(40)]
    database_url = fresh_database(postgres)
    install_workspaces(database_url)
    config = write_config(tmp_path / "quotebot.yaml", pairs, lease=30)
    with SlackStandIn(
        tokens={token: team for team, token in TEAMS.items()},
        latency=0.05,
        workspace_rate=5.0,
        workspace_burst=2,
    ) as slack:
        first = instance(tmp_path, "first", slack, database_url=database_url, config=config)
        with first:
            wait_until(
                lambda: sum(posts_by_channel(slack, pairs).values()) >= 5,
                timeout=30,
                explain=first.log,
            )
            started = time.monotonic()
            code = first.stop(signal.SIGTERM, timeout=10)
            took = time.monotonic() - started
        counts = posts_by_channel(slack, pairs)
        assert code == 0, first.log()
        assert took < 10, first.log()
        assert max(counts.values()) == 1, first.log()
        assert min(counts.values()) == 0, "all were posted before the SIGTERM landed"
        assert "stopping" in first.log()

        # The next instance finishes the rest, and doubles none.
        with instance(
            tmp_path, "second", slack, database_url=database_url, config=config
        ) as second:
            wait_until(
                lambda: all(posts_by_channel(slack, pairs).values()),
                timeout=60,
                explain=second.log,
            )
            time.sleep(3)
        assert set(posts_by_channel(slack, pairs).values()) == {1}, second.log()


def test_a_workspace_whose_token_slack_refuses_is_forgotten_and_the_others_post(
    tmp_path: Path,
) -> None:
    pairs = [("T1", "CT1REVOKED"), ("T2", "CT2FINE")]
    database_url = f"sqlite:///{tmp_path / 'quotebot.sqlite3'}"
    install_workspaces(database_url)
    config = write_config(tmp_path / "quotebot.yaml", pairs, lease=30)
    with SlackStandIn(tokens={token: team for team, token in TEAMS.items()}) as slack:
        slack.revoke(TEAMS["T1"])  # T1 uninstalled the app, or its token was revoked
        env = instance(tmp_path, "cli", slack, database_url=database_url, config=config).env

        result = run_cli("daily", "run", env=env, cwd=tmp_path)

        assert result.returncode == 1, result.stdout + result.stderr
        assert "CRITICAL" in result.stderr and "invalid_auth" in result.stderr, result.stderr
        assert posts_by_channel(slack, pairs) == {"CT1REVOKED": 0, "CT2FINE": 1}
    store = Store(database_url)
    try:
        installations = InstallationStore(CLIENT_ID, store).sync
        assert installations.find_bot(enterprise_id=None, team_id="T1") is None
        assert installations.find_bot(enterprise_id=None, team_id="T2") is not None
    finally:
        store.close()
