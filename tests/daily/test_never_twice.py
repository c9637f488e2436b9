"""Each quote of the day exactly once, in the configuration quotebot ships.

The stand-in behaves as the shipped manifest implies: `chat:write.public` lets the bot
post in public channels it never joined, and Slack lets it read the history only of
channels it is a member of. These tests start real `quotebot serve` processes on
channels the bot was never added to, lose Slack's answers after Slack took the post,
slow them down, kill the process while an answer is on its way, and start again on a
fresh database: every channel ends with exactly one post.
"""

from __future__ import annotations

import signal
from pathlib import Path

from tests.daily.test_scheduler_process import (
    posted,
    posts_per_channel,
    wait_until,
    write_config,
)
from tests.harness import BotProcess, bot_environment
from tests.slack_standin import SlackStandIn

CHANNELS = ["CLOST1", "CLOST2", "CSLOW", "CKILL", "CPLAIN1", "CPLAIN2"]


def test_never_joined_channels_lost_and_slow_answers_and_a_kill_after_slack_took_it_post_once(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    write_config(tmp_path, CHANNELS)
    env = bot_environment(tmp_path, slack)
    # Slack posts, then the bot hears a 500 (twice in CLOST2); CSLOW answers late;
    # CKILL's answer is held back until after the process is killed.
    slack.fail("chat.postMessage", status=500, channel="CLOST1", after_effect=True)
    slack.fail("chat.postMessage", status=500, channel="CLOST2", after_effect=True, times=2)
    slack.fail("chat.postMessage", delay=2.0, channel="CSLOW")
    slack.fail("chat.postMessage", delay=30.0, channel="CKILL")
    with BotProcess(env, cwd=tmp_path, slack=slack) as bot:
        wait_until(
            lambda: all(slack.messages(channel) for channel in CHANNELS),
            timeout=20, what="a post in every channel", log=bot.log(),
        )  # fmt: skip
        wait_until(
            lambda: "posted quote of the day in CSLOW" in bot.log(),
            timeout=10, what="the slow answer recorded", log=bot.log(),
        )  # fmt: skip
        bot.stop(signal.SIGKILL)  # CKILL's post is in Slack; its answer never came
    assert posts_per_channel(slack, CHANNELS) == dict.fromkeys(CHANNELS, 1), slack.dump_calls()
    # Its database is newer than today's post time (made this minute), so each post was
    # looked for first: the bot joined every channel to read it.
    joined = {c.args["channel"] for c in slack.calls_to("conversations.join") if c.response["ok"]}
    assert joined == set(CHANNELS)
    history = [c for c in slack.calls_to("conversations.history") if c.response.get("ok")]
    assert {c.args["channel"] for c in history} >= {"CLOST1", "CLOST2"}, "checked before resending"

    # A platform with an ephemeral disk: the restart finds an empty database.
    (tmp_path / "quotebot.sqlite3").unlink()
    slack.reset()
    with BotProcess(env, cwd=tmp_path, slack=slack) as again:
        wait_until(
            lambda: "quote of the day: 6 posts due" in again.log()
            and again.log().count("posted quote of the day in") == len(CHANNELS),
            timeout=20, what="each post found in its channel", log=again.log(),
        )  # fmt: skip
        assert again.stop() == 0, again.log()
    assert posts_per_channel(slack, CHANNELS) == dict.fromkeys(CHANNELS, 1), slack.dump_calls()
    assert posted(slack.calls) == [], "found in the history: nothing sent again"
    looked = {c.args["channel"] for c in slack.calls_to("conversations.history")}
    assert looked == set(CHANNELS)


def test_a_first_post_on_record_that_cannot_be_checked_is_not_sent_and_says_why(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    """A settings-file schedule with no post on record may have posted before the
    database was lost: where its channel cannot be read (the workspace refuses the
    join), it sends nothing there rather than risk a second post, and says so."""
    write_config(tmp_path, ["CLOCKED", "CFINE"])
    env = bot_environment(tmp_path, slack)
    slack.fail("conversations.join", "restricted_action", channel="CLOCKED", times=None)
    with BotProcess(env, cwd=tmp_path, slack=slack) as bot:
        log = bot.wait_for_log("UNVERIFIED", timeout=20)
        wait_until(
            lambda: "posted quote of the day in CFINE" in bot.log(),
            timeout=10, what="CFINE posted", log=bot.log(),
        )  # fmt: skip
        assert bot.stop() == 0, bot.log()
    [line] = [line for line in log.splitlines() if "UNVERIFIED" in line]
    assert "CLOCKED" in line and "/invite @quotebot" in line
    assert posts_per_channel(slack, ["CLOCKED", "CFINE"]) == {"CLOCKED": 0, "CFINE": 1}

    with BotProcess(env, cwd=tmp_path, slack=slack) as again:  # a restart does not retry it
        again.wait_for_log("quote of the day run finished: 0 sent", timeout=20)
        assert again.stop() == 0, again.log()
    assert [c.args["channel"] for c in slack.calls_to("chat.postMessage")] == ["CFINE"]
