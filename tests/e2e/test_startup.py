"""`quotebot serve` as a process: what it says when it cannot start, health, and stopping."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from bot.corpus import load_corpus, shipped_corpus
from tests.harness import BOT_USER_ID, BotProcess, mention_event, run_cli
from tests.postgres import fresh_database
from tests.slack_standin import SlackStandIn


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit code {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def serve(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `quotebot serve` where it should refuse to start; a hang fails after 30 s."""
    return run_cli("serve", env=env, cwd=cwd, timeout=30)


def assert_one_line_naming(result: subprocess.CompletedProcess[str], name: str) -> None:
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 2, output(result)
    assert len(lines) == 1, output(result)
    assert name in lines[0], output(result)
    assert "Traceback" not in result.stderr, output(result)


# ----- refusing to start ---------------------------------------------------------------------


def test_a_bot_token_without_the_signing_secret_is_one_line_naming_it(
    bot_env: dict[str, str], tmp_path: Path
) -> None:
    env = {k: v for k, v in bot_env.items() if k != "SLACK_SIGNING_SECRET"}

    assert_one_line_naming(serve(env, tmp_path), "SLACK_SIGNING_SECRET")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "http"),
        ("PORT", "70000"),
        ("SLACK_API_URL", "slack.com/api"),
        ("SLACK_BOT_TOKEN", "xoxp-a-user-token"),
        ("QUOTEBOT_LOG_LEVEL", "loud"),
        ("QUOTEBOT_CONFIG", "no-such-file.yaml"),
        ("QUOTEBOT_CORPUS", "no-such-folder"),
        ("DATABASE_URL", "not a database url"),
        ("DATABASE_URL", "nosuchdb://bot:pw@db/quotebot"),
    ],
)
def test_a_malformed_setting_is_one_line_naming_it(
    bot_env: dict[str, str], tmp_path: Path, name: str, value: str
) -> None:
    result = serve({**bot_env, name: value}, tmp_path)

    assert_one_line_naming(result, name)
    assert "xoxp-a-user-token" not in result.stderr  # a token is never echoed
    assert ":pw@" not in result.stderr  # nor a database password


def test_without_credentials_it_says_what_to_set_and_shows_the_quotes(
    bot_env: dict[str, str], tmp_path: Path
) -> None:
    env = {k: v for k, v in bot_env.items() if not k.startswith("SLACK_")}
    corpus = load_corpus(shipped_corpus()).corpus

    result = serve(env, tmp_path)

    assert result.returncode == 2, output(result)
    assert "Traceback" not in result.stdout + result.stderr, output(result)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        assert name in result.stdout, output(result)
    assert f"{len(corpus)} quotes loaded" in result.stdout, output(result)
    for topic in corpus.topics():
        assert topic.name in result.stdout, output(result)
    assert "— Andrej Karpathy" in result.stdout, output(result)  # a quote, offline


# ----- running -------------------------------------------------------------------------------


def test_healthz_says_ok_and_how_many_quotes(bot: BotProcess) -> None:
    status, body = bot.get("/healthz")

    assert status == 200, bot.log()
    assert body == {"ok": True, "quotes": len(load_corpus(shipped_corpus()).corpus)}


def test_the_events_url_takes_only_post(bot: BotProcess) -> None:
    assert bot.get("/slack/events")[0] == 405


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_it_with_exit_code_0(
    bot_env: dict[str, str], tmp_path: Path, slack: SlackStandIn, sig: signal.Signals
) -> None:
    with BotProcess(bot_env, cwd=tmp_path, slack=slack) as bot:
        assert bot.command("robotics")[0] == 200

        code = bot.stop(sig, timeout=10)

        assert code == 0, bot.log()
        assert "Traceback" not in bot.log(), bot.log()


def test_a_reply_in_flight_at_sigterm_is_still_sent(
    bot_env: dict[str, str], tmp_path: Path, slack: SlackStandIn
) -> None:
    """Slack had its 200 already and will not send the mention again: finish the reply."""
    slack.fail("chat.postMessage", ratelimited=True, retry_after=2)  # the reply must wait
    event = mention_event(f"<@{BOT_USER_ID}> robotics")
    with BotProcess(bot_env, cwd=tmp_path, slack=slack) as bot:
        assert bot.event(event)[0] == 200
        slack.wait_for(lambda calls: any(c.status == 429 for c in calls))

        code = bot.stop(signal.SIGTERM, timeout=10)  # while the reply waits for Retry-After

        assert code == 0, bot.log()
    sent = [c for c in slack.calls_to("chat.postMessage") if c.status == 200]
    assert [c.args["thread_ts"] for c in sent] == [event["ts"]], slack.dump_calls()


def test_socket_mode_with_oauth_is_one_line_naming_the_variables(
    bot_env: dict[str, str], tmp_path: Path
) -> None:
    """The install pages need HTTP: SLACK_APP_TOKEN with the OAuth client is refused."""
    env = {
        **bot_env,
        "SLACK_APP_TOKEN": "xapp-1-TOPSECRET",
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "client-TOPSECRET",
    }

    result = serve(env, tmp_path)

    assert_one_line_naming(result, "SLACK_APP_TOKEN")
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        assert name in result.stderr, output(result)
    assert "TOPSECRET" not in result.stdout + result.stderr, output(result)


@pytest.mark.parametrize(("variable", "platform"), [("DYNO", "Heroku"), ("RENDER", "Render")])
def test_on_a_platform_with_an_ephemeral_disk_sqlite_is_warned_about_at_start(
    bot_env: dict[str, str], tmp_path: Path, slack: SlackStandIn, variable: str, platform: str
) -> None:
    env = {**bot_env, variable: "web.1"}
    with BotProcess(env, cwd=tmp_path, slack=slack) as bot:
        log = bot.wait_for_log("quotebot starting")
        assert bot.stop() == 0, bot.log()
    [warning] = [line for line in log.splitlines() if "SQLite file" in line]
    assert "WARNING" in warning and platform in warning and "DATABASE_URL" in warning


def test_on_such_a_platform_with_postgresql_there_is_no_warning(
    bot_env: dict[str, str], tmp_path: Path, slack: SlackStandIn, postgres: str
) -> None:
    env = {**bot_env, "DYNO": "web.1", "DATABASE_URL": fresh_database(postgres)}
    with BotProcess(env, cwd=tmp_path, slack=slack) as bot:
        log = bot.wait_for_log("quotebot starting")
        assert bot.stop() == 0, bot.log()
    assert "SQLite file" not in log and "ephemeral" not in log
