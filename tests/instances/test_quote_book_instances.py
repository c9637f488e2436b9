"""The quote book across processes: live on every instance, apart in every workspace.

Real `quotebot serve` processes on one throwaway PostgreSQL database: a quote saved
through one instance is found through another within two seconds (each follows the
book's change feed every second); in many-workspace mode a quote saved in one
workspace is never found in another.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from tests.harness import BotProcess, bot_environment, run_cli, visible_text
from tests.instances.test_instances import CLIENT_ID, TEAMS, install_workspaces
from tests.postgres import fresh_database
from tests.slack_standin import SlackStandIn

ID = re.compile(r"Saved as `#([2-9A-Z]{4})`")
AUTHOR = "U0ADA"


def settings(folder: Path) -> Path:
    path = folder / "quotebot.yaml"
    path.write_text("timezone: UTC\nadding: open\ndaily: []\n", encoding="utf-8")
    return path


def instance(tmp_path: Path, name: str, slack: SlackStandIn, database_url: str,
             **env: str | None) -> BotProcess:  # fmt: skip
    folder = tmp_path / name
    folder.mkdir()
    environment = bot_environment(
        folder, slack, DATABASE_URL=database_url, QUOTEBOT_CONFIG=str(settings(folder)), **env
    )
    return BotProcess(environment, cwd=folder, slack=slack)


def save(bot: BotProcess, slack: SlackStandIn, text: str, *, team: str) -> str:
    """Save as quote on a message in `team`, submit the form as it came; the quote's ID."""
    channel = f"C{team}GEN"
    message = slack.add_message(channel, text, user=AUTHOR, team=team)
    status, body = bot.shortcut_on(message, channel_id=channel, team_id=team)
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    form = slack.wait_for_view(lambda v: v.get("submit") is not None and text[:20] in str(v))
    status, answer = bot.submit(form, {}, team_id=team)
    assert status == 200 and isinstance(answer, dict), f"{status} {answer}\n{bot.log()}"
    found = ID.search(visible_text(answer["view"]))
    assert found, answer
    return found.group(1)


def shown(bot: BotProcess, text: str, *, team: str) -> dict[str, Any]:
    status, body = bot.command(text, team_id=team, channel_id=f"C{team}GEN")
    assert status == 200 and isinstance(body, dict), f"{status} {body}\n{bot.log()}"
    return body


def test_a_quote_saved_through_one_instance_is_found_through_another_within_two_seconds(
    tmp_path: Path, postgres: str
) -> None:
    database_url = fresh_database(postgres)
    with SlackStandIn(tokens={"xoxb-test": "T1"}) as slack:
        slack.add_user(AUTHOR, "ada", real_name="Ada Lovelace")
        with (
            instance(tmp_path, "one", slack, database_url) as one,
            instance(tmp_path, "two", slack, database_url) as two,
        ):
            assert "No quote has the ID" in visible_text(shown(two, "#ZZZZ", team="T1"))
            saved_at = time.monotonic()  # from the save's start: the answer applies it here
            quote_id = save(one, slack, "Lemurs refactor their burrows every night.", team="T1")
            while "Lemurs" not in visible_text(shown(two, f"#{quote_id}", team="T1")):
                assert time.monotonic() - saved_at < 2.0, "not on the other instance in 2 s"
                time.sleep(0.05)
            assert quote_id in visible_text(shown(two, "lemurs refactor", team="T1"))


def test_in_many_workspaces_a_quote_saved_in_one_is_never_found_in_another(
    tmp_path: Path, postgres: str
) -> None:
    database_url = fresh_database(postgres)
    install_workspaces(database_url)
    with SlackStandIn(tokens={token: team for team, token in TEAMS.items()}) as slack:
        slack.add_user(AUTHOR, "ada", real_name="Ada Lovelace")
        oauth = {"SLACK_BOT_TOKEN": None, "SLACK_CLIENT_ID": CLIENT_ID,
                 "SLACK_CLIENT_SECRET": "standin-secret"}  # fmt: skip
        with instance(tmp_path, "oauth", slack, database_url, **oauth) as bot:
            quote_id = save(bot, slack, "Workspace one's own words about teamwork.", team="T1")
            assert "own words" in visible_text(shown(bot, f"#{quote_id}", team="T1"))
            assert "No quote has the ID" in visible_text(shown(bot, f"#{quote_id}", team="T2"))
            elsewhere = visible_text(shown(bot, "workspace teamwork words", team="T2"))
            assert quote_id not in elsewhere and "own words" not in elsewhere
            # The quote files are shared by all: the same file quote, with its ID, in both.
            file_quote = re.search(
                r"· (#[2-9A-Z]{6})\b", visible_text(shown(bot, "robotics company", team="T1"))
            )
            assert file_quote, "a file quote shows its ID"
            assert "Tesla" in visible_text(shown(bot, file_quote.group(1), team="T2"))


def test_quotes_imported_while_the_bot_runs_are_found_within_two_seconds(
    tmp_path: Path, postgres: str
) -> None:
    database_url = fresh_database(postgres)
    clippings = Path(__file__).resolve().parents[1] / "imports" / "files" / "My Clippings.txt"
    with (
        SlackStandIn(tokens={"xoxb-test": "T1"}) as slack,
        instance(tmp_path, "one", slack, database_url) as one,
    ):
        assert "Thoreau" not in visible_text(shown(one, "live deliberately", team="T1"))
        done = run_cli("import", str(clippings), env=one.env, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        imported_at = time.monotonic()
        while "Thoreau" not in visible_text(shown(one, "live deliberately", team="T1")):
            assert time.monotonic() - imported_at < 2.0, "the import not live in 2 s"
            time.sleep(0.05)
        answer = visible_text(shown(one, "live deliberately", team="T1"))
        assert "I went to the woods" in answer and "Henry David Thoreau" in answer
