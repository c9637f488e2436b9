"""Fixtures for tests that run the real bot: a Slack stand-in, the bot's environment, the bot.

Starting `quotebot serve` takes about half a second, so each test module shares one bot
process and one stand-in; `slack` forgets the calls and faults of the tests before, and
`bot` shows only the current test's part of the log. Tests that need a bot of their own
(another corpus, a restart, a bad setting) start one from `bot_env`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import APP_TOKEN, BOT_TOKEN, TEAM_ID, BotProcess, bot_environment
from tests.postgres import postgres_server
from tests.slack_standin import SlackStandIn


@pytest.fixture(scope="module")
def slack_server() -> Iterator[SlackStandIn]:
    with SlackStandIn(tokens={BOT_TOKEN: TEAM_ID}, app_tokens={APP_TOKEN: TEAM_ID}) as standin:
        yield standin


@pytest.fixture
def slack(slack_server: SlackStandIn) -> SlackStandIn:
    """Slack's Web API, response_urls and Socket Mode on 127.0.0.1, knowing team T1's tokens."""
    slack_server.reset()
    return slack_server


@pytest.fixture
def bot_env(tmp_path: Path, slack: SlackStandIn) -> dict[str, str]:
    """The environment of a bot using `slack`, a free port and files in `tmp_path`."""
    return bot_environment(tmp_path, slack)


@pytest.fixture(scope="module")
def bot_process(
    tmp_path_factory: pytest.TempPathFactory, slack_server: SlackStandIn
) -> Iterator[BotProcess]:
    folder = tmp_path_factory.mktemp("bot")
    env = bot_environment(folder, slack_server)
    with BotProcess(env, cwd=folder, slack=slack_server) as process:
        yield process


@pytest.fixture
def bot(bot_process: BotProcess, slack: SlackStandIn) -> BotProcess:
    """`quotebot serve`, running and ready for signed requests."""
    assert bot_process.running, f"the module's bot process died:\n{bot_process.log()}"
    bot_process.mark_log()
    return bot_process


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """One throwaway PostgreSQL server for the whole run; tests make fresh databases on it."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def empty_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder for the test: no `.env` and no `config/quotebot.yaml` in it."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work
