"""`quotebot daily list|preview|run` as a user runs them: a subprocess, a real SQLite file,
a settings file with subscriptions, and the Slack stand-in as the Web API."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.corpus import load_corpus, shipped_corpus
from bot.daily.schedule import Subscription
from bot.settings import load_settings
from bot.store import Store
from tests.harness import bot_environment, run_cli
from tests.slack_standin import SlackStandIn

FRIDAY_AFTERNOON = "2026-03-27T14:00:00Z"  # the Friday before Berlin's change to summer time

CONFIG = """\
timezone: Europe/Berlin
daily:
  - channel: CBERLIN
    time: "09:00"
    days: mon-fri
  - channel: CNY
    time: "08:30"
    timezone: America/New_York
    days: daily
  - channel: CTOKYO
    time: "09:00"
    timezone: Asia/Tokyo
    days: mon-fri
    topics: [robotics]
"""


class Quotebot:
    """Runs `python -m bot daily …` in a temporary folder with its own settings and database.

    The folder is the working directory, so no `.env` from the repository is read, and the
    environment is built from nothing (tests/harness.py), so no developer's SLACK_* leaks in.
    """

    def __init__(self, folder: Path, slack: SlackStandIn, config: str = CONFIG) -> None:
        self.folder = folder
        self.config = folder / "quotebot.yaml"
        self.config.write_text(config, encoding="utf-8")
        self.env = bot_environment(folder, slack, QUOTEBOT_LOG_LEVEL="INFO")
        self.database = self.env["DATABASE_URL"]

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli("daily", *args, env=self.env, cwd=self.folder, timeout=60)

    def subscriptions(self) -> dict[str, Subscription]:
        settings = load_settings({"QUOTEBOT_CONFIG": str(self.config)})
        return {sub.channel: sub for sub in settings.subscriptions}

    def store(self) -> Store:
        return Store(self.database)


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


@pytest.fixture
def quotebot(tmp_path: Path, slack: SlackStandIn) -> Quotebot:
    return Quotebot(tmp_path, slack)


def test_run_posts_each_due_subscription_once_and_the_second_run_nothing(
    quotebot: Quotebot, slack: SlackStandIn
) -> None:
    first = quotebot("run", "--now", FRIDAY_AFTERNOON)

    assert first.returncode == 0, output(first)
    subs = quotebot.subscriptions()
    for channel, sub in subs.items():
        assert f"sent {sub.id}:2026-03-27" in first.stdout, output(first)
        [message] = slack.messages(channel)
        assert message["metadata"]["event_payload"]["claim"] == f"{sub.id}:2026-03-27"
    assert "3 sent, 0 failed" in first.stdout, output(first)

    second = quotebot("run", "--now", FRIDAY_AFTERNOON)

    assert second.returncode == 0, output(second)
    assert "0 sent, 0 failed" in second.stdout, output(second)
    assert len(slack.calls_to("chat.postMessage")) == 3, slack.dump_calls()


def test_run_before_the_post_time_posts_nothing(quotebot: Quotebot, slack: SlackStandIn) -> None:
    # 07:59 in Berlin, 03:59 in New York, 16:59 in Tokyo: only Tokyo is due.
    result = quotebot("run", "--now", "2026-03-27T06:59:00Z")
    assert result.returncode == 0, output(result)
    assert "1 sent" in result.stdout, output(result)
    assert [c.args["channel"] for c in slack.calls_to("chat.postMessage")] == ["CTOKYO"]


def test_run_with_a_date_backfills_that_day(quotebot: Quotebot, slack: SlackStandIn) -> None:
    thursday = quotebot("run", "--date", "2026-03-26", "--now", FRIDAY_AFTERNOON)
    assert thursday.returncode == 0, output(thursday)
    assert "3 sent, 0 failed" in thursday.stdout, output(thursday)

    again = quotebot("run", "--date", "2026-03-26", "--now", FRIDAY_AFTERNOON)
    assert "0 sent" in again.stdout, output(again)

    saturday = quotebot("run", "--date", "2026-03-21", "--now", FRIDAY_AFTERNOON)
    assert saturday.returncode == 0, output(saturday)
    assert "1 sent, 0 failed" in saturday.stdout, output(saturday)  # New York posts daily

    claims = sorted(
        message["metadata"]["event_payload"]["claim"].split(":")[1]
        for channel in ("CBERLIN", "CNY", "CTOKYO")
        for message in slack.messages(channel)
    )
    assert claims == ["2026-03-21", "2026-03-26", "2026-03-26", "2026-03-26"]


def test_run_exits_1_when_a_post_failed_for_good(tmp_path: Path, slack: SlackStandIn) -> None:
    config = "daily:\n  - {channel: CSECRET, days: daily}\n  - {channel: COPEN, days: daily}\n"
    quotebot = Quotebot(tmp_path, slack, config)
    slack.add_channel("CSECRET", is_private=True, is_member=False)  # nobody invited the bot

    result = quotebot("run", "--now", FRIDAY_AFTERNOON)

    assert result.returncode == 1, output(result)
    assert "1 sent, 1 failed" in result.stdout, output(result)
    secret = quotebot.subscriptions()["CSECRET"]
    assert f"failed: {secret.id}:2026-03-27" in result.stdout, output(result)
    assert len(slack.messages("COPEN")) == 1
    assert slack.messages("CSECRET") == []


def test_list_shows_each_next_post_in_its_own_zone(quotebot: Quotebot) -> None:
    result = quotebot("list", "--now", "2026-03-27T12:00:00Z")

    assert result.returncode == 0, output(result)
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    # Friday noon UTC: Berlin's next weekday 09:00 is Monday, already in summer time;
    # New York (on summer time since 8 March) posts at 08:30 today; Tokyo on Monday.
    assert "next 2026-03-30 09:00 CEST" in lines["CBERLIN"], output(result)
    assert "next 2026-03-27 08:30 EDT" in lines["CNY"], output(result)
    assert "next 2026-03-30 09:00 JST" in lines["CTOKYO"], output(result)
    assert "robotics" in lines["CTOKYO"]


def test_preview_sends_nothing_and_shows_what_run_will_post(
    quotebot: Quotebot, slack: SlackStandIn
) -> None:
    preview = quotebot("preview", "--now", FRIDAY_AFTERNOON)

    assert preview.returncode == 0, output(preview)
    assert slack.calls == [], slack.dump_calls()
    store = quotebot.store()
    try:
        assert store.claims.posts() == [], "a preview claims nothing"
    finally:
        store.close()
    for channel in ("CBERLIN", "CNY", "CTOKYO"):
        assert f"{channel} 2026-03-27" in preview.stdout, output(preview)

    run = quotebot("run", "--now", FRIDAY_AFTERNOON)
    assert run.returncode == 0, output(run)
    corpus = load_corpus(shipped_corpus()).corpus
    store = quotebot.store()
    try:
        posted = [corpus.get(record.quote_id) for record in store.claims.posts()]
    finally:
        store.close()
    assert len(posted) == 3
    for quote in posted:
        assert quote is not None and quote.text in preview.stdout, output(preview)
