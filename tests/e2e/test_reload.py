"""The running bot follows its quote folder: on SIGHUP, and by looking every few seconds."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.corpus.test_folder import page, touch
from tests.harness import BotProcess, bot_environment, check_message, context_text, section_texts
from tests.slack_standin import SlackStandIn


def answer(bot: BotProcess, text: str) -> dict:
    status, body = bot.command(text)
    assert status == 200 and isinstance(body, dict), f"{status} {body}\n{bot.log()}"
    return check_message(body)


def start(tmp_path: Path, slack: SlackStandIn, reload_seconds: float) -> BotProcess:
    quotes = tmp_path / "quotes"
    quotes.mkdir()
    touch(quotes / "old.md", page("Grace Hopper", "It is easier to ask forgiveness.", topic="Navy"))
    (tmp_path / "quotebot.yaml").write_text(
        f"timezone: UTC\nreload_seconds: {reload_seconds}\ndaily: []\n", encoding="utf-8"
    )
    env = bot_environment(tmp_path, slack, QUOTEBOT_CORPUS=str(quotes))
    return BotProcess(env, cwd=tmp_path, slack=slack)


def test_sighup_reloads_a_new_page_and_a_changed_one_without_a_restart(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    with start(tmp_path, slack, reload_seconds=0) as bot:
        assert "No quote matches" in section_texts(answer(bot, "compilers"))[0]
        touch(tmp_path / "quotes" / "new.md", page("Grace Hopper", "A ship in port is safe.",
                                                    topic="Compilers"))  # fmt: skip
        touch(tmp_path / "quotes" / "old.md", page("Grace Hopper", "Humans are allergic to change.",
                                                    topic="Navy"))  # fmt: skip
        bot.mark_log()
        bot.process.send_signal(signal.SIGHUP)
        bot.wait_for_log("quotes reloaded: 2 quotes, 2 pages parsed again")

        found = answer(bot, "compilers")
        navy = answer(bot, "navy")
        assert bot.stop() == 0, bot.log()
    assert "A ship in port is safe." in section_texts(found)[0]
    assert "Grace Hopper" in context_text(found)
    assert "Humans are allergic to change." in section_texts(navy)[0]


def test_a_changed_page_is_seen_by_the_periodic_look(tmp_path: Path, slack: SlackStandIn) -> None:
    with start(tmp_path, slack, reload_seconds=0.2) as bot:
        touch(tmp_path / "quotes" / "more.md", page("Ada Lovelace", "The engine weaves.",
                                                     topic="Engines"))  # fmt: skip
        bot.wait_for_log("quotes reloaded: 2 quotes, 1 pages parsed again")
        found = answer(bot, "engines")
        assert bot.stop() == 0, bot.log()
    assert "The engine weaves." in section_texts(found)[0]


def test_a_page_broken_while_running_keeps_its_quotes(tmp_path: Path, slack: SlackStandIn) -> None:
    with start(tmp_path, slack, reload_seconds=0.2) as bot:
        touch(tmp_path / "quotes" / "old.md", "---\nspeaker: [unclosed\n---\n> Half.\n")
        log = bot.wait_for_log("last good version stays loaded")
        kept = answer(bot, "navy")
        assert bot.stop() == 0, bot.log()
    assert "It is easier to ask forgiveness." in section_texts(kept)[0]
    assert log.count("last good version stays loaded") == 1, "said once, not every look"
