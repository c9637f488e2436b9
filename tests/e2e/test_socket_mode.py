"""`quotebot serve` in Socket Mode: Slack's envelopes over a websocket, answered by acks.

With SLACK_APP_TOKEN set (and no signing secret) the bot serves no HTTP at all: it asks
the stand-in for a socket URL with `apps.connections.open`, connects, and acks each
envelope; a command's answer travels in its ack. Replies to events are Web API calls,
recorded by the stand-in as in HTTP mode.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import (
    APP_TOKEN,
    BOT_USER_ID,
    CHANNEL_ID,
    BotProcess,
    bot_environment,
    button_labels,
    check_message,
    context_text,
    listening_ports,
    mention_event,
    message_event,
    next_ts,
    run_cli,
    section_texts,
    visible_text,
)
from tests.slack_standin import Call, SlackStandIn

ROBOTICS_QUOTE = "Tesla, I don't think it's a car company."
LIVE_MARKUP = re.compile(r"<[!@#]|<https?:[^>]*\|")  # a ping, a mention, a labelled link


def socket_env(folder: Path, slack: SlackStandIn, **overrides: str | None) -> dict[str, str]:
    """A Socket Mode bot's environment: the app token set, no signing secret."""
    overrides = {"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_SIGNING_SECRET": None, **overrides}
    return bot_environment(folder, slack, **overrides)


@pytest.fixture(scope="module")
def bot_process(
    tmp_path_factory: pytest.TempPathFactory, slack_server: SlackStandIn
) -> Iterator[BotProcess]:
    """The module's bot (used through conftest's `bot`), in Socket Mode."""
    folder = tmp_path_factory.mktemp("socket-bot")
    env = socket_env(folder, slack_server)
    with BotProcess(env, cwd=folder, slack=slack_server, ready="socket") as process:
        yield process


def posts(slack: SlackStandIn, count: int) -> list[Call]:
    """Wait until chat.postMessage was called `count` times; the calls, oldest first."""
    slack.wait_for(lambda calls: len([c for c in calls if c.method == "chat.postMessage"]) >= count)
    return slack.calls_to("chat.postMessage")


def acked_without_payload(ack: dict, bot: BotProcess) -> None:
    """An event's ack: only its envelope id (the reply goes through the Web API)."""
    assert set(ack) == {"envelope_id"}, f"{ack}\n{bot.log()}"


# ----- starting ------------------------------------------------------------------------------


def test_it_says_socket_mode_and_listens_on_no_port(tmp_path: Path, slack: SlackStandIn) -> None:
    with BotProcess(socket_env(tmp_path, slack), cwd=tmp_path, slack=slack, ready="socket") as bot:
        log = bot.wait_for_log("connected to Slack in Socket Mode")

        assert "quotebot starting: Socket Mode, single workspace" in log, log
        assert "listening on" not in log and "HTTP mode" not in log, log
        assert bot.process is not None
        assert listening_ports(bot.process.pid) == [], log
        with pytest.raises(OSError):  # nothing on $PORT either
            bot.get("/healthz", timeout=2)
    (opened,) = slack.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN and opened.status == 200, slack.dump_calls()


def test_an_app_token_slack_refuses_stops_it_with_one_line_naming_it(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    env = socket_env(tmp_path, slack, SLACK_APP_TOKEN="xapp-1-not-known-to-slack")

    result = run_cli("serve", env=env, cwd=tmp_path, timeout=30)

    output = f"exit code {result.returncode}\n{result.stdout}{result.stderr}"
    assert result.returncode == 2, output
    assert "Traceback" not in output, output
    problems = [line for line in output.splitlines() if "SLACK_APP_TOKEN" in line]
    assert len(problems) == 1 and "invalid_auth" in problems[0], output
    assert "xapp-1-not-known-to-slack" not in output, output  # a token is never echoed
    assert len(slack.calls_to("apps.connections.open")) == 1, slack.dump_calls()  # no retry loop


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_while_slack_is_unreachable_still_ends_it_with_0(
    tmp_path: Path, slack: SlackStandIn, sig: signal.Signals
) -> None:
    """slack-sdk keeps retrying a connection Slack's servers fail; a stop signal ends that."""
    slack.fail("apps.connections.open", status=503, times=None)
    with BotProcess(socket_env(tmp_path, slack), cwd=tmp_path, slack=slack, ready="spawned") as bot:
        slack.wait_for(lambda calls: len(calls) >= 2, timeout=20)  # a 503, then slack-sdk retrying

        code = bot.stop(sig, timeout=10)

        log = bot.log()
        assert code == 0, log
        assert log.rstrip().endswith("stopped before Slack could be reached"), log
        assert log.count("Traceback") == log.count("Retrying..."), log  # slack-sdk's own only


def test_sigterm_closes_the_socket_and_ends_it_with_0(tmp_path: Path, slack: SlackStandIn) -> None:
    with BotProcess(socket_env(tmp_path, slack), cwd=tmp_path, slack=slack, ready="socket") as bot:
        assert "payload" in bot.socket_command("robotics")

        code = bot.stop(signal.SIGTERM, timeout=10)

        assert code == 0, bot.log()
        assert "Traceback" not in bot.log(), bot.log()
    closed = slack.wait_for(lambda calls: any(c.method == "socket.close" for c in calls))
    assert [c.args for c in closed if c.method == "socket.close"] == [{"by": "client"}]


# ----- commands ------------------------------------------------------------------------------


def test_quote_robotics_is_acked_with_the_ephemeral_preview(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    ack = bot.socket_command("robotics")

    assert set(ack) == {"envelope_id", "payload"}, ack
    body = check_message(ack["payload"])
    assert body["response_type"] == "ephemeral"
    assert ROBOTICS_QUOTE in section_texts(body)[0]
    assert "Andrej Karpathy" in context_text(body)
    assert "Robotics" in context_text(body)
    assert button_labels(body) == ["Share", "Another", "Cancel"]
    assert not slack.calls_to("chat.postMessage"), slack.dump_calls()
    assert not slack.calls_to("response_url"), slack.dump_calls()


def test_channel_typed_in_a_command_comes_back_escaped(bot: BotProcess) -> None:
    ack = bot.socket_command("<!channel> robotz")  # no quote has "robotz": the text is echoed

    text = visible_text(check_message(ack["payload"]))
    assert "“&lt;!channel&gt; robotz”" in text, text
    assert not LIVE_MARKUP.search(text), text


# ----- events --------------------------------------------------------------------------------


def test_a_mention_is_acked_then_answered_in_its_thread(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    event = mention_event(f"<@{BOT_USER_ID}> robotics")

    acked_without_payload(bot.socket_event(event), bot)

    (call,) = posts(slack, 1)
    reply = check_message(call.args)
    assert reply["channel"] == CHANNEL_ID
    assert reply["thread_ts"] == event["ts"]
    assert ROBOTICS_QUOTE in section_texts(reply)[0]
    assert button_labels(reply) == []
    assert call.token == bot.env["SLACK_BOT_TOKEN"] and call.response["ok"], slack.dump_calls()


def test_a_retried_event_is_acked_and_gets_no_second_reply(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    event = mention_event(f"<@{BOT_USER_ID}> robotics")
    acked_without_payload(bot.socket_event(event, event_id="Ev0SOCKRETRY"), bot)
    posts(slack, 1)

    acked_without_payload(bot.socket_event(event, event_id="Ev0SOCKRETRY", retry=1), bot)

    # A DM that does get a reply, acked after the retry: any reply to the retry came first.
    acked_without_payload(bot.socket_event(message_event("help", channel="D0BARRIER")), bot)
    calls = posts(slack, 2)
    assert calls[-1].args["channel"] == "D0BARRIER", slack.dump_calls()
    replies = [c for c in calls if c.args.get("thread_ts") == event["ts"]]
    assert len(replies) == 1, slack.dump_calls()
    assert "event Ev0SOCKRETRY already handled" in bot.log(), bot.log()


def test_a_direct_message_is_answered_in_the_dm(bot: BotProcess, slack: SlackStandIn) -> None:
    ts = next_ts()
    acked_without_payload(bot.socket_event(message_event("robotics", ts=ts)), bot)

    (call,) = posts(slack, 1)
    assert call.args["channel"] == "D0ALICE" and "thread_ts" not in call.args
    assert ROBOTICS_QUOTE in section_texts(check_message(call.args))[0]
