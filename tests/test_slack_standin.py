"""The Slack stand-in, driven through slack-sdk's own clients, must behave like Slack."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import yaml
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web import WebClient
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient

from tests.harness import (
    APP_ID,
    MANIFEST,
    USER_ID,
    BotProcess,
    action_body,
    block_suggestion_body,
    bot_environment,
    check_options,
    command_fields,
    home_opened_event,
    local_trigger_id,
    message_action_body,
    overflow_action_body,
    reaction_event,
    shortcut_body,
    view_action_body,
    view_state,
    view_submission_body,
)
from tests.limits import check_message as check_limits
from tests.slack_standin import DEFAULT_SCOPE, TRIGGER_SECONDS, SlackStandIn

TOKEN = "xoxb-test"
APP_TOKEN = "xapp-1-test"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(tokens={TOKEN: "T1"}, app_tokens={APP_TOKEN: "T1"}) as standin:
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.api_url, timeout=5)


def slack_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return excinfo.value.response["error"]


def test_auth_test_answers_like_slack(slack: SlackStandIn, client: WebClient) -> None:
    answer = client.auth_test()
    assert answer.data == {
        "ok": True,
        "url": "https://standin.slack.com/",
        "team": "Team T1",
        "user": "quotebot",
        "team_id": "T1",
        "user_id": "UBOT",
        "bot_id": "BBOT",
        "is_enterprise_install": False,
    }
    assert slack.calls_to("auth.test")[0].token == TOKEN


@pytest.mark.parametrize(
    ("token", "error"), [(None, "not_authed"), ("xoxb-unknown", "invalid_auth")]
)
def test_bad_tokens_are_refused(slack: SlackStandIn, token: str | None, error: str) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(token=token, base_url=slack.api_url).auth_test()
    assert excinfo.value.response.status_code == 200
    assert slack_error(excinfo) == error


def test_token_as_form_field_and_revoke(slack: SlackStandIn) -> None:
    client = WebClient(base_url=slack.api_url)
    assert client.api_call("auth.test", data={"token": TOKEN})["team_id"] == "T1"
    assert "token" not in slack.calls[-1].args
    slack.revoke(TOKEN)
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("auth.test", data={"token": TOKEN})
    assert slack_error(excinfo) == "invalid_auth"


def test_post_message_returns_increasing_ts_and_is_recorded(
    slack: SlackStandIn, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    first = client.chat_postMessage(channel="C1", text="hi", blocks=blocks, unfurl_links=False)
    second = client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["channel"] == "C1"
    assert first["message"] == {
        "type": "message",
        "text": "hi",
        "blocks": blocks,
        "user": "UBOT",
        "bot_id": "BBOT",
        "ts": first["ts"],
        "team": "T1",
    }
    assert second["message"]["thread_ts"] == first["ts"]
    [call, _] = slack.calls_to("chat.postMessage")
    assert call.args["unfurl_links"] is False
    assert call.status == 200
    assert call.response["ts"] == first["ts"]
    assert [m["text"] for m in slack.messages("C1")] == ["hi", "again"]


def test_form_encoded_blocks_and_metadata_are_parsed(slack: SlackStandIn) -> None:
    client = WebClient(token=TOKEN, base_url=slack.api_url)
    answer = client.api_call(
        "chat.postMessage",
        data={
            "channel": "C1",
            "text": "t",
            "blocks": json.dumps([{"type": "divider"}]),
            "metadata": json.dumps({"event_type": "e", "event_payload": {"k": 1}}),
        },
    )
    assert answer["message"]["blocks"] == [{"type": "divider"}]
    assert answer["message"]["metadata"] == {"event_type": "e", "event_payload": {"k": 1}}


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"text": "no channel"}, "channel_not_found"),
        ({"channel": "C1"}, "no_text"),
        ({"channel": "C1", "text": "", "blocks": "not json"}, "invalid_blocks"),
        ({"channel": "C1", "blocks": {"type": "divider"}}, "invalid_blocks"),
        ({"channel": "C1", "blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
        ({"channel": "C1", "text": "x" * 40_001}, "msg_too_long"),
        (
            {"channel": "C1", "text": "t", "metadata": {"event_payload": {}}},
            "invalid_metadata_format",
        ),
    ],
)
def test_post_message_validation(client: WebClient, args: dict, error: str) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("chat.postMessage", json=args)  # api_call: no slack-sdk text warnings
    assert slack_error(excinfo) == error


def test_fifty_blocks_and_40000_chars_are_fine(client: WebClient) -> None:
    client.api_call(
        "chat.postMessage", json={"channel": "C1", "blocks": [{"type": "divider"}] * 50}
    )
    client.chat_postMessage(channel="C1", text="x" * 40_000)


def test_ratelimited_fault_has_retry_after(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail("chat.postMessage", ratelimited=True, retry_after=3, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C1", text="hi")
        assert excinfo.value.response.status_code == 429
        assert excinfo.value.response.headers["Retry-After"] == "3"
        assert slack_error(excinfo) == "ratelimited"
    client.chat_postMessage(channel="C1", text="hi")
    assert [c.status for c in slack.calls] == [429, 429, 200]
    assert slack.ratelimited_count == 2
    assert len(slack.messages("C1")) == 1


def test_server_error_fault_then_success(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail("chat.postMessage", status=500, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C1", text="hi")
        assert excinfo.value.response.status_code == 500
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]


def test_fault_matches_channel_and_times_none_is_forever(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.fail("chat.postMessage", error="missing_scope", channel="C2", times=None)
    client.chat_postMessage(channel="C1", text="fine")
    for _ in range(3):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C2", text="nope")
        assert slack_error(excinfo) == "missing_scope"
    slack.reset()
    assert slack.calls == []
    client.chat_postMessage(channel="C2", text="fine now")


def test_by_default_the_bot_posts_in_public_channels_it_never_joined_but_cannot_read_them(
    client: WebClient,
) -> None:
    # The shipped manifest grants chat:write.public; channels:history needs membership.
    assert client.chat_postMessage(channel="CNEVER", text="hi")["ok"]
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_history(channel="CNEVER")
    assert slack_error(excinfo) == "not_in_channel"
    client.conversations_join(channel="CNEVER")
    assert client.conversations_history(channel="CNEVER")["messages"][0]["text"] == "hi"


def test_an_after_effect_fault_posts_the_message_and_still_answers_500(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.fail("chat.postMessage", status=500, channel="CLOST", after_effect=True)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="CLOST", text="did it go out?")
    assert excinfo.value.response.status_code == 500
    assert [m["text"] for m in slack.messages("CLOST")] == ["did it go out?"]


def test_not_in_channel_then_join_then_post() -> None:
    with SlackStandIn(tokens={TOKEN: "T1"}, chat_write_public=False) as slack:
        client = WebClient(token=TOKEN, base_url=slack.api_url)
        _not_in_channel_then_join_then_post(slack, client)


def _not_in_channel_then_join_then_post(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_channel("C5", name="random", is_member=False)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C5", text="hi")
    assert slack_error(excinfo) == "not_in_channel"
    joined = client.conversations_join(channel="C5")
    assert joined["channel"]["id"] == "C5"
    assert joined["channel"]["name"] == "random"
    assert joined["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="C5", text="hi")["ok"]


def test_fail_not_in_channel_once(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail("chat.postMessage", error="not_in_channel", channel="C2", times=1)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C2", text="hi")
    assert slack_error(excinfo) == "not_in_channel"
    assert client.chat_postMessage(channel="C2", text="hi")["ok"]


def test_private_and_archived_channels(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_channel("G1", name="secret", is_private=True, is_member=False)
    slack.add_channel("C9", name="old", is_archived=True)
    for call, error in [
        (lambda: client.chat_postMessage(channel="G1", text="hi"), "channel_not_found"),
        (lambda: client.conversations_join(channel="G1"), "method_not_supported_for_channel_type"),
        (lambda: client.conversations_history(channel="G1"), "channel_not_found"),
        (lambda: client.chat_postMessage(channel="C9", text="hi"), "is_archived"),
        (lambda: client.conversations_join(channel="C9"), "is_archived"),
    ]:
        with pytest.raises(SlackApiError) as excinfo:
            call()
        assert slack_error(excinfo) == error


def test_strict_channels_refuses_unknown_ids() -> None:
    with SlackStandIn(tokens={TOKEN: "T1"}, strict_channels=True) as slack:
        client = WebClient(token=TOKEN, base_url=slack.api_url)
        for call in (client.chat_postMessage, client.conversations_join):
            with pytest.raises(SlackApiError) as excinfo:
                call(channel="C404", text="hi")
            assert slack_error(excinfo) == "channel_not_found"


def test_history_metadata_round_trip(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_channel("C1", is_member=True)
    metadata = {"event_type": "quote_posted", "event_payload": {"schedule_id": 7}}
    posted = client.chat_postMessage(channel="C1", text="quote", metadata=metadata)
    plain = client.conversations_history(channel="C1")
    assert plain["messages"][0]["ts"] == posted["ts"]
    assert "metadata" not in plain["messages"][0]
    full = client.conversations_history(channel="C1", include_all_metadata=True)
    assert full["messages"][0]["metadata"] == metadata
    assert full["has_more"] is False


def test_history_pagination_and_time_range(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_channel("C1", is_member=True)
    ts = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(5)]
    first = client.conversations_history(channel="C1", limit=2)
    assert [m["text"] for m in first["messages"]] == ["4", "3"]
    assert first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    second = client.conversations_history(channel="C1", limit=2, cursor=cursor)
    assert [m["text"] for m in second["messages"]] == ["2", "1"]
    pages = client.conversations_history(channel="C1", limit=2)
    assert [m["text"] for page in pages for m in page["messages"]] == ["4", "3", "2", "1", "0"]
    ranged = client.conversations_history(channel="C1", oldest=ts[1], latest=ts[3])
    assert [m["text"] for m in ranged["messages"]] == ["2"]
    ranged = client.conversations_history(channel="C1", oldest=ts[1], latest=ts[3], inclusive=True)
    assert [m["text"] for m in ranged["messages"]] == ["3", "2", "1"]
    slack.add_channel("C2", is_member=False)
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_history(channel="C2")
    assert slack_error(excinfo) == "not_in_channel"


def test_post_ephemeral(slack: SlackStandIn, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert answer["message_ts"]
    assert slack.calls_to("chat.postEphemeral")[0].args["user"] == "U1"
    assert slack.messages("C1") == []


def test_unknown_method(slack: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("chat.teleport")
    assert slack_error(excinfo) == "unknown_method"
    assert slack.calls[0].method == "chat.teleport"


def test_rate_limit_per_channel() -> None:
    with SlackStandIn(tokens={TOKEN: "T1"}, per_channel_rate=2.0, per_channel_burst=1) as slack:
        client = WebClient(token=TOKEN, base_url=slack.api_url)
        client.chat_postMessage(channel="C1", text="1")
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C1", text="2")
        assert excinfo.value.response.status_code == 429
        assert excinfo.value.response.headers["Retry-After"] == "1"
        client.chat_postMessage(channel="C2", text="other channel has its own bucket")
        time.sleep(0.6)
        client.chat_postMessage(channel="C1", text="3")
        assert [m["text"] for m in slack.messages("C1")] == ["1", "3"]
        assert slack.ratelimited_count == 1


def test_rate_limit_allows_the_configured_rate() -> None:
    rate, posts = 20.0, 12
    with SlackStandIn(tokens={TOKEN: "T1"}, workspace_rate=rate, workspace_burst=2) as slack:
        client = WebClient(token=TOKEN, base_url=slack.api_url)
        for i in range(posts):
            while True:
                try:
                    client.chat_postMessage(channel=f"C{i}", text="hi")
                    break
                except SlackApiError:
                    time.sleep(0.005)
        accepted = [c.at for c in slack.calls if c.status == 200]
        assert len(accepted) == posts
        assert slack.ratelimited_count > 0
        elapsed = accepted[-1] - accepted[0]
        assert elapsed >= slack.minimum_seconds(posts, posts) - 0.01
        assert slack.minimum_seconds(posts, posts) == pytest.approx((posts - 2) / rate)


def test_minimum_seconds() -> None:
    standin = SlackStandIn(per_channel_rate=1.0, per_channel_burst=1, workspace_rate=100.0)
    assert standin.minimum_seconds(10, 1) == 9.0
    assert standin.minimum_seconds(10, 10) == 0.0
    assert standin.minimum_seconds(300, 300) == 2.0
    assert SlackStandIn().minimum_seconds(1000, 1) == 0.0


def test_response_url_records_posts(slack: SlackStandIn) -> None:
    url = slack.response_url(name="cmd1")
    webhook = WebhookClient(url)
    assert webhook.send(text="working on it", response_type="ephemeral").status_code == 200
    webhook.send_dict({"delete_original": True})
    calls = slack.wait_for(lambda calls: len(calls) == 2)
    assert calls[0].method == "response_url"
    assert calls[0].args["name"] == "cmd1"
    assert calls[0].args["text"] == "working on it"
    assert calls[1].args["delete_original"] is True
    for _ in range(3):
        webhook.send(text="more")
    assert webhook.send(text="sixth").status_code == 404


def test_wait_for_times_out_with_a_dump(slack: SlackStandIn, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"auth\.test 200 ok"):
        slack.wait_for(lambda calls: len(calls) > 1, timeout=0.05)


def test_oauth_v2_access(slack: SlackStandIn) -> None:
    slack.oauth_codes["code-9"] = {
        "team_id": "T9",
        "team_name": "Nine",
        "bot_token": "xoxb-nine",
        "bot_user_id": "U9BOT",
        "authed_user_id": "U9",
    }
    client = WebClient(base_url=slack.api_url)
    for client_id, secret, code, error in [
        ("nope", slack.client_secret, "code-9", "invalid_client_id"),
        (slack.client_id, "nope", "code-9", "bad_client_secret"),
        (slack.client_id, slack.client_secret, "nope", "invalid_code"),
    ]:
        with pytest.raises(SlackApiError) as excinfo:
            client.oauth_v2_access(client_id=client_id, client_secret=secret, code=code)
        assert slack_error(excinfo) == error
    answer = client.oauth_v2_access(
        client_id=slack.client_id, client_secret=slack.client_secret, code="code-9"
    )
    assert answer.data == {
        "ok": True,
        "app_id": slack.app_id,
        "authed_user": {"id": "U9"},
        "scope": answer["scope"],
        "token_type": "bot",
        "access_token": "xoxb-nine",
        "bot_user_id": "U9BOT",
        "team": {"id": "T9", "name": "Nine"},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    installed = WebClient(token="xoxb-nine", base_url=slack.api_url).auth_test()
    assert installed["team_id"] == "T9"
    assert (installed["user_id"], installed["team"]) == ("U9BOT", "Nine")


def test_oauth_credentials_as_form_fields(slack: SlackStandIn) -> None:
    slack.oauth_codes["c"] = {"team_id": "T2", "bot_token": "xoxb-two"}
    answer = WebClient(base_url=slack.api_url).api_call(
        "oauth.v2.access",
        data={"client_id": slack.client_id, "client_secret": slack.client_secret, "code": "c"},
    )
    assert answer["team"] == {"id": "T2", "name": "Team T2"}


def test_delayed_success_posts_but_answers_late(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail("chat.postMessage", delay=1.0)
    slow = WebClient(token=TOKEN, base_url=slack.api_url, timeout=0.2)
    with pytest.raises(TimeoutError):
        slow.chat_postMessage(channel="C1", text="hi")
    assert [m["text"] for m in slack.messages("C1")] == ["hi"]


async def test_async_client_and_latency() -> None:
    with SlackStandIn(tokens={TOKEN: "T1"}, latency=0.05) as slack:
        slack.add_channel("C1", is_member=True)
        client = AsyncWebClient(token=TOKEN, base_url=slack.api_url)
        started = time.monotonic()
        posted = await client.chat_postMessage(channel="C1", text="hi", unfurl_links=False)
        assert time.monotonic() - started >= 0.05
        history = await client.conversations_history(channel="C1", include_all_metadata=True)
        assert history["messages"][0]["ts"] == posted["ts"]
        slack.fail("chat.postMessage", ratelimited=True)
        with pytest.raises(SlackApiError) as excinfo:
            await client.chat_postMessage(channel="C1", text="hi")
        assert excinfo.value.response.headers["Retry-After"] == "1"


def test_start_stop_is_clean() -> None:
    slack = SlackStandIn(tokens={TOKEN: "T1"}).start()
    url = slack.api_url
    slack.stop()
    slack.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "auth.test", timeout=1)


def test_cli_prints_api_url_and_serves_until_sigterm() -> None:
    root = Path(__file__).resolve().parent.parent
    app_token = ["--app-token", f"{APP_TOKEN}:T1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.slack_standin", "--token", f"{TOKEN}:T1", *app_token],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        api_url = json.loads(proc.stdout.readline())["api_url"]
        assert WebClient(token=TOKEN, base_url=api_url).auth_test()["team_id"] == "T1"
        assert WebClient(base_url=api_url).apps_connections_open(app_token=APP_TOKEN)["ok"]
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


# ----- Socket Mode ---------------------------------------------------------------------------


def test_apps_connections_open_takes_only_a_known_app_level_token(slack: SlackStandIn) -> None:
    client = WebClient(base_url=slack.api_url)
    url = client.apps_connections_open(app_token=APP_TOKEN)["url"]
    assert url.startswith(f"ws://127.0.0.1:{slack.base_url.rsplit(':', 1)[1]}/socket/")
    assert slack.calls_to("apps.connections.open")[0].token == APP_TOKEN
    for token, error in [("xapp-1-unknown", "invalid_auth"), (TOKEN, "not_allowed_token_type")]:
        with pytest.raises(SlackApiError) as excinfo:
            client.apps_connections_open(app_token=token)
        assert slack_error(excinfo) == error
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(token=APP_TOKEN, base_url=slack.api_url).auth_test()
    assert slack_error(excinfo) == "not_allowed_token_type"


def socket_client(slack: SlackStandIn, seen: list[dict]) -> SocketModeClient:
    """slack-sdk's aiohttp client, acking each request (with a payload for commands)."""
    client = SocketModeClient(
        app_token=APP_TOKEN,
        web_client=AsyncWebClient(base_url=slack.api_url),
        auto_reconnect_enabled=False,
    )

    async def remember(_client: SocketModeClient, message: dict, _raw: str | None) -> None:
        seen.append(message)

    async def ack(client: SocketModeClient, request: SocketModeRequest) -> None:
        payload = {"text": "ok"} if request.type == "slash_commands" else None
        await client.send_socket_mode_response(SocketModeResponse(request.envelope_id, payload))

    client.message_listeners.append(remember)
    client.socket_mode_request_listeners.append(ack)
    return client


async def test_socket_mode_hello_envelopes_acks_and_ping_pong(slack: SlackStandIn) -> None:
    seen: list[dict] = []
    client = socket_client(slack, seen)
    try:
        await client.connect()
        assert await asyncio.to_thread(slack.socket_connected) == 1
        command = {"command": "/quote", "text": "robotics", "response_url": "https://r"}
        command_id = await asyncio.to_thread(slack.socket_send, "slash_commands", command)
        event = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_mention"}}
        event_id = await asyncio.to_thread(
            slack.socket_send, "events_api", event, retry_attempt=1, retry_reason="timeout"
        )

        assert await asyncio.to_thread(slack.socket_ack, command_id) == {
            "envelope_id": command_id,
            "payload": {"text": "ok"},
        }
        assert await asyncio.to_thread(slack.socket_ack, event_id) == {"envelope_id": event_id}
        for _ in range(500):  # the client pings when it connects; the pong sets this
            if client.last_ping_pong_time is not None:
                break
            await asyncio.sleep(0.01)
        assert client.last_ping_pong_time is not None
    finally:
        await client.close()

    hello, *envelopes = seen
    assert hello["type"] == "hello" and hello["num_connections"] == 1
    assert hello["connection_info"] == {"app_id": slack.app_id}
    assert set(hello["debug_info"]) == {"host", "build_number", "approximate_connection_time"}
    assert envelopes == [
        {
            "envelope_id": command_id,
            "type": "slash_commands",
            "payload": command,
            "accepts_response_payload": True,
        },
        {
            "envelope_id": event_id,
            "type": "events_api",
            "payload": event,
            "accepts_response_payload": False,
            "retry_attempt": 1,
            "retry_reason": "timeout",
        },
    ]
    calls = await asyncio.to_thread(
        slack.wait_for, lambda calls: any(c.method == "socket.close" for c in calls)
    )
    methods = [c.method for c in calls if c.method.startswith("socket.")]
    assert methods[0] == "socket.hello" and methods[-1] == "socket.close", methods
    assert sorted(methods[1:-1]) == ["socket.ack"] * 2 + ["socket.send"] * 2, methods
    assert calls[-1].args == {"by": "client"}
    assert all(c.token == APP_TOKEN for c in calls if c.method.startswith("socket."))


def test_socket_send_without_a_client_and_a_missing_ack_fail_clearly(slack: SlackStandIn) -> None:
    with pytest.raises(AssertionError, match="no Socket Mode client"):
        slack.socket_send("events_api", {})
    with pytest.raises(AssertionError, match="no client"):
        slack.socket_connected(timeout=0.05)
    with pytest.raises(AssertionError, match="no ack for envelope E1"):
        slack.socket_ack("E1", timeout=0.05)


async def test_stopping_closes_the_websocket_with_going_away() -> None:
    slack = SlackStandIn(tokens={TOKEN: "T1"}, app_tokens={APP_TOKEN: "T1"}).start()
    client = socket_client(slack, [])
    try:
        await client.connect()
        await asyncio.to_thread(slack.socket_connected)
        await asyncio.to_thread(slack.stop)
        session = client.current_session
        assert session is not None
        for _ in range(500):
            if session.closed:
                break
            await asyncio.sleep(0.01)
        assert session.close_code == 1001  # Slack's "going away"
        assert slack.calls_to("socket.close")[0].args == {"by": "standin"}
    finally:
        slack.stop()
        await client.close()


# ----- people, user groups and scopes ----------------------------------------------------------

MANIFEST_SCOPES = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "config" / "manifest.yaml").read_text(encoding="utf-8")
)["oauth_config"]["scopes"]["bot"]


def test_users_info_answers_like_slack(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_user(
        "U1", "ada", real_name="Ada Lovelace", tz="Europe/London", is_admin=True, team="T1"
    )
    answer = client.users_info(user="U1")
    user = answer["user"]
    assert answer["ok"] is True
    assert {k: user[k] for k in ("id", "team_id", "name", "real_name", "tz")} == {
        "id": "U1",
        "team_id": "T1",
        "name": "ada",
        "real_name": "Ada Lovelace",
        "tz": "Europe/London",
    }
    assert user["tz_label"] in ("GMT", "BST")
    assert user["tz_offset"] in (0, 3600)
    assert (user["is_admin"], user["is_owner"], user["is_primary_owner"]) == (True, False, False)
    assert (user["is_bot"], user["deleted"]) == (False, False)
    assert user["profile"] == {"display_name": "ada", "real_name": "Ada Lovelace"}
    assert slack.calls_to("users.info")[0].args == {"user": "U1"}


def test_users_info_flags_and_teams(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_user("U2", is_primary_owner=True)  # no team: visible from any
    slack.add_user("U3", team="T2")
    user = client.users_info(user="U2")["user"]
    assert (user["is_owner"], user["is_primary_owner"], user["team_id"]) == (True, True, "T1")
    for unknown in ("U3", "UNOBODY"):  # another team's user, or nobody
        with pytest.raises(SlackApiError) as excinfo:
            client.users_info(user=unknown)
        assert slack_error(excinfo) == "user_not_found"


def test_users_info_gives_each_persons_zone_and_slacks_default_zone(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.add_user("U1", "ada", real_name="Ada Lovelace", display_name="ada.l", tz="Europe/Berlin")
    slack.add_user("U2", is_owner=True)  # never set a zone: Slack shows its default one
    berlin, default = client.users_info(user="U1")["user"], client.users_info(user="U2")["user"]
    assert (berlin["tz"], default["tz"]) == ("Europe/Berlin", "America/Los_Angeles")
    assert berlin["tz_offset"] in (3600, 7200) and berlin["tz_label"] in ("CET", "CEST")
    assert default["tz_offset"] in (-28800, -25200)  # seconds east of UTC, as Slack counts
    assert (berlin["is_admin"], berlin["is_owner"]) == (False, False)
    assert (default["is_admin"], default["is_owner"]) == (False, True)
    assert berlin["profile"] == {"display_name": "ada.l", "real_name": "Ada Lovelace"}
    assert default["profile"] == {"display_name": "u2", "real_name": "U2"}


def test_usergroups_users_list(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_usergroup("S1", ["U1", "U2"], team="T1")
    slack.add_usergroup("S2", ["U9"], team="T2")
    assert client.usergroups_users_list(usergroup="S1").data == {"ok": True, "users": ["U1", "U2"]}
    slack.add_usergroup("S1", ["U3"])  # replaces the members
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U3"]
    for unknown in ("S2", "SNONE"):
        with pytest.raises(SlackApiError) as excinfo:
            client.usergroups_users_list(usergroup=unknown)
        assert slack_error(excinfo) == "no_such_subteam"


def test_default_scopes_are_the_manifests(slack: SlackStandIn) -> None:
    assert ",".join(MANIFEST_SCOPES) == DEFAULT_SCOPE
    assert {"users:read", "usergroups:read"} <= set(MANIFEST_SCOPES)
    assert slack.scopes_of(TOKEN) == MANIFEST_SCOPES


@pytest.mark.parametrize(
    ("method", "args", "needed"),
    [
        ("users.info", {"user": "U1"}, "users:read"),
        ("usergroups.users.list", {"usergroup": "S1"}, "usergroups:read"),
    ],
)
def test_a_token_without_the_scope_gets_missing_scope(
    method: str, args: dict[str, str], needed: str
) -> None:
    with SlackStandIn(tokens={TOKEN: "T1"}, scopes={TOKEN: "commands,chat:write"}) as slack:
        slack.add_user("U1")
        slack.add_usergroup("S1", ["U1"])
        client = WebClient(token=TOKEN, base_url=slack.api_url)
        with pytest.raises(SlackApiError) as excinfo:
            client.api_call(method, http_verb="GET", params=args)
        assert excinfo.value.response.status_code == 200
        assert excinfo.value.response.data == {
            "ok": False,
            "error": "missing_scope",
            "needed": needed,
            "provided": "commands,chat:write",
        }
        assert client.auth_test()["ok"]  # only the methods that need a scope check it
        slack.set_scopes(TOKEN, [*MANIFEST_SCOPES])
        assert client.api_call(method, http_verb="GET", params=args)["ok"]


def test_set_scopes_takes_away_one_scope(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_user("U1")
    slack.add_usergroup("S1", ["U1"])
    slack.set_scopes(TOKEN, "users:read")
    assert client.users_info(user="U1")["ok"]
    with pytest.raises(SlackApiError) as excinfo:
        client.usergroups_users_list(usergroup="S1")
    assert excinfo.value.response["needed"] == "usergroups:read"
    assert slack.scopes_of(TOKEN) == ["users:read"]


def test_oauth_install_grants_the_scopes_it_reports(slack: SlackStandIn) -> None:
    slack.oauth_codes["old"] = {"team_id": "T7", "bot_token": "xoxb-old", "scope": "commands"}
    slack.oauth_codes["new"] = {"team_id": "T8", "bot_token": "xoxb-new"}
    oauth = WebClient(base_url=slack.api_url)
    for code in ("old", "new"):
        answer = oauth.oauth_v2_access(
            client_id=slack.client_id, client_secret=slack.client_secret, code=code
        )
        assert answer["scope"] == ("commands" if code == "old" else DEFAULT_SCOPE)
    slack.add_user("U1")
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(token="xoxb-old", base_url=slack.api_url).users_info(user="U1")
    assert slack_error(excinfo) == "missing_scope"
    assert WebClient(token="xoxb-new", base_url=slack.api_url).users_info(user="U1")["ok"]


def test_tier3_limits_join_and_history_per_workspace_but_not_posts() -> None:
    with SlackStandIn(tokens={TOKEN: "T1"}, tier3_rate=1.0, tier3_burst=2) as slack:
        client = WebClient(token=TOKEN, base_url=slack.api_url, retry_handlers=[])
        client.conversations_join(channel="C1")
        client.conversations_history(channel="C1")
        with pytest.raises(SlackApiError) as excinfo:
            client.conversations_join(channel="C2")
        assert excinfo.value.response.status_code == 429
        assert excinfo.value.response.headers["Retry-After"] == "1"
        assert all(client.chat_postMessage(channel="C1", text="hi")["ok"] for _ in range(5))


# ----- conversations.info ---------------------------------------------------------------------

READ = ["channels:read", "groups:read", "im:read"]


@pytest.fixture
def reader(slack: SlackStandIn) -> WebClient:
    """A client whose token may read every kind of conversation (the manifest's, and READ)."""
    slack.set_scopes(TOKEN, [*MANIFEST_SCOPES, *READ])
    return WebClient(token=TOKEN, base_url=slack.api_url)


def test_conversations_info_describes_channels_as_the_bot_sees_them(
    slack: SlackStandIn, reader: WebClient
) -> None:
    slack.add_channel("C1", name="general", is_member=True)
    slack.add_channel("C2", name="random")  # public, never joined
    slack.add_channel("C3", name="old", is_archived=True, is_member=True)
    slack.add_channel("G1", name="secret", is_private=True, is_member=True)
    seen = {
        cid: reader.conversations_info(channel=cid)["channel"] for cid in ("C1", "C2", "C3", "G1")
    }
    fields = ("id", "name", "is_private", "is_member", "is_im", "is_archived", "is_channel")
    assert {cid: tuple(c[f] for f in fields) for cid, c in seen.items()} == {
        "C1": ("C1", "general", False, True, False, False, True),
        "C2": ("C2", "random", False, False, False, False, True),
        "C3": ("C3", "old", False, True, False, True, True),
        "G1": ("G1", "secret", True, True, False, False, False),
    }
    assert slack.calls_to("conversations.info")[0].args == {"channel": "C1"}


def test_conversations_info_works_by_default_only_if_the_manifest_grants_channels_read(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.add_channel("C1", is_member=True)
    if "channels:read" in MANIFEST_SCOPES:
        assert client.conversations_info(channel="C1")["channel"]["is_member"] is True
        return
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_info(channel="C1")
    assert excinfo.value.response["needed"] == "channels:read"


def test_conversations_info_hides_what_the_bot_is_not_in_as_slack_does(
    slack: SlackStandIn, reader: WebClient
) -> None:
    slack.add_channel("G2", name="hidden", is_private=True, is_member=False)
    slack.add_channel("C7", team="T2")  # another workspace's channel
    slack.add_channel("D0BOB", is_member=False)  # a DM between other people
    for channel in ("G2", "C7", "D0BOB", ""):
        with pytest.raises(SlackApiError) as excinfo:
            reader.conversations_info(channel=channel)
        assert slack_error(excinfo) == "channel_not_found", channel
    with SlackStandIn(tokens={TOKEN: "T1"}, strict_channels=True) as strict:
        strict.set_scopes(TOKEN, READ)
        with pytest.raises(SlackApiError) as excinfo:
            WebClient(token=TOKEN, base_url=strict.api_url).conversations_info(channel="C404")
        assert slack_error(excinfo) == "channel_not_found"


def test_conversations_info_of_the_bots_dm_names_the_person_not_the_channel(
    slack: SlackStandIn, reader: WebClient
) -> None:
    slack.add_user("U0BOB", "bob")
    dm = reader.chat_postMessage(channel="U0BOB", text="hi")["channel"]
    info = reader.conversations_info(channel=dm)["channel"]
    assert info == {
        "id": dm, "is_im": True, "is_archived": False, "is_org_shared": False,
        "user": "U0BOB", "is_user_deleted": False, "priority": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("channel", "needed"),
    [("C1", "channels:read"), ("G1", "groups:read"), ("D0BOB", "im:read")],
)
def test_conversations_info_needs_the_read_scope_of_that_kind_of_conversation(
    slack: SlackStandIn, channel: str, needed: str
) -> None:
    slack.add_channel("C1", is_member=True)
    slack.add_channel("G1", is_private=True, is_member=True)
    slack.add_channel("D0BOB", is_member=True)
    others = [scope for scope in READ if scope != needed]
    slack.set_scopes(TOKEN, ["chat:write", *others])
    client = WebClient(token=TOKEN, base_url=slack.api_url)
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_info(channel=channel)
    assert excinfo.value.response.data == {
        "ok": False,
        "error": "missing_scope",
        "needed": needed,
        "provided": ",".join(["chat:write", *others]),
    }
    slack.set_scopes(TOKEN, [needed])
    assert client.conversations_info(channel=channel)["channel"]["id"] == channel


# ----- trigger ids and views.open ------------------------------------------------------------


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def modal(*blocks: dict, **fields: object) -> dict:
    """A modal view as a bot sends it; `fields` add or replace the view's keys."""
    return {"type": "modal", "title": plain("Save a quote"), "blocks": list(blocks), **fields}


SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}}
QUOTE_INPUT = {
    "type": "input",
    "block_id": "quote",
    "label": plain("Quote"),
    "element": {"type": "plain_text_input", "action_id": "text"},
}
UNNAMED_INPUT = {"type": "input", "label": plain("Who?"), "element": {"type": "users_select"}}


def invalid_arguments(excinfo: pytest.ExceptionInfo[SlackApiError]) -> list[str]:
    """The messages of an `invalid_arguments` answer (AssertionError for any other answer)."""
    assert slack_error(excinfo) == "invalid_arguments", excinfo.value.response.data
    return excinfo.value.response["response_metadata"]["messages"]


def test_a_trigger_id_looks_like_slacks_and_opens_exactly_one_modal(
    slack: SlackStandIn, client: WebClient
) -> None:
    trigger = slack.trigger_id("U1", team="T1")
    assert re.fullmatch(r"\d+\.\d+\.[0-9a-f]{32}", trigger), trigger
    assert client.views_open(trigger_id=trigger, view=modal(SECTION))["ok"]
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id=trigger, view=modal(SECTION))
    assert slack_error(excinfo) == "exchanged_trigger_id"
    assert len(slack.views()) == 1


def test_views_open_refuses_unknown_expired_and_other_teams_triggers(
    slack: SlackStandIn, client: WebClient
) -> None:
    assert TRIGGER_SECONDS == 3.0
    expiring = slack.trigger_id("U1", ttl=0.05)
    time.sleep(0.1)
    other_team = slack.trigger_id("U1", team="T2")
    for trigger, error in [
        ("12345.98765.abcdef0123456789abcdef", "invalid_trigger_id"),
        (local_trigger_id(), "invalid_trigger_id"),  # the harness's own, without a stand-in
        (expiring, "expired_trigger_id"),
        (other_team, "invalid_trigger_id"),
    ]:
        with pytest.raises(SlackApiError) as excinfo:
            client.views_open(trigger_id=trigger, view=modal(SECTION))
        assert slack_error(excinfo) == error, trigger
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("views.open", json={"view": modal(SECTION)})
    assert invalid_arguments(excinfo) == ["[ERROR] missing required field: trigger_id"]
    assert slack.views() == []


def test_a_refused_view_leaves_its_trigger_unused(slack: SlackStandIn, client: WebClient) -> None:
    trigger = slack.trigger_id()
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id=trigger, view=modal(title=plain("x" * 25)))
    assert client.views_open(trigger_id=trigger, view=modal(SECTION))["ok"]


def test_views_open_answers_the_view_as_slack_holds_it_and_keeps_it(
    slack: SlackStandIn, client: WebClient
) -> None:
    sent = modal(
        SECTION, QUOTE_INPUT, submit=plain("Save"), callback_id="save", private_metadata="C1"
    )
    view = client.views_open(trigger_id=slack.trigger_id("U1", team="T1"), view=sent)["view"]

    assert re.fullmatch(r"V[A-Z0-9]{10}", view["id"]), view["id"]
    assert re.fullmatch(r"\d+\.[0-9a-f]{8}", view["hash"]), view["hash"]
    assert {k: view[k] for k in sent if k != "blocks"} == {
        k: v for k, v in sent.items() if k != "blocks"
    }
    assert {
        k: view[k]
        for k in ("team_id", "app_id", "bot_id", "root_view_id", "previous_view_id", "state")
    } == {
        "team_id": "T1",
        "app_id": slack.app_id,
        "bot_id": "BBOT",
        "root_view_id": view["id"],
        "previous_view_id": None,
        "state": {"values": {}},
    }
    assert (view["external_id"], view["clear_on_close"], view["notify_on_close"]) == (
        "",
        False,
        False,
    )
    section, quote = view["blocks"]
    assert quote == QUOTE_INPUT  # named by the bot: kept as sent
    assert section == {**SECTION, "block_id": section["block_id"]}  # Slack names every block
    assert section["block_id"]
    assert slack.views() == [view]
    assert slack.view(view["id"]) == view
    assert slack.view_user(view["id"]) == "U1"
    slack.views()[0]["title"]["text"] = "changed"  # copies: the stand-in's view stays
    assert slack.view(view["id"])["title"]["text"] == "Save a quote"
    with pytest.raises(AssertionError, match="no view 'VNONE'"):
        slack.view("VNONE")


def test_views_open_names_unnamed_blocks_and_elements_and_defaults_the_ids(
    slack: SlackStandIn, client: WebClient
) -> None:
    view = client.views_open(
        trigger_id=slack.trigger_id(), view=modal(UNNAMED_INPUT, submit=plain("Go"))
    )["view"]
    [block] = view["blocks"]
    assert block["block_id"] and block["element"]["action_id"]
    assert (view["private_metadata"], view["callback_id"], view["external_id"]) == ("", "", "")
    assert slack.view_user(view["id"]) is None  # a trigger issued for nobody in particular


def test_a_view_may_come_as_a_json_string_in_a_form(slack: SlackStandIn, client: WebClient) -> None:
    answer = client.api_call(
        "views.open",
        data={"trigger_id": slack.trigger_id(), "view": json.dumps(modal(SECTION))},
    )
    assert answer["view"]["title"] == plain("Save a quote")
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("views.open", data={"trigger_id": slack.trigger_id(), "view": "{nope"})
    assert invalid_arguments(excinfo) == ["[ERROR] failed to parse view [json-pointer:/view]"]


def test_a_view_at_every_limit_is_taken(slack: SlackStandIn, client: WebClient) -> None:
    view = modal(
        *[{"type": "divider"}] * 99,
        QUOTE_INPUT,
        title=plain("x" * 24),
        submit=plain("y" * 24),
        close=plain("z" * 24),
        private_metadata="m" * 3000,
        callback_id="c" * 255,
    )
    assert len(client.views_open(trigger_id=slack.trigger_id(), view=view)["view"]["blocks"]) == 100


TOO_MANY_OPTIONS = {
    "type": "input",
    "label": plain("Zone"),
    "element": {
        "type": "static_select",
        "action_id": "zone",
        "options": [{"text": plain(str(i)), "value": str(i)} for i in range(101)],
    },
}


@pytest.mark.parametrize(
    ("view", "message"),
    [
        pytest.param(
            modal(SECTION, title=plain("x" * 25)),
            "must be less than 25 characters [json-pointer:/view/title/text]",
            id="title-25",
        ),
        pytest.param(
            modal(SECTION, title=plain("")),
            "must be more than 0 characters [json-pointer:/view/title/text]",
            id="title-empty",
        ),
        pytest.param(
            modal(SECTION, title={"type": "mrkdwn", "text": "*Hi*"}),
            "must be a plain_text text object [json-pointer:/view/title]",
            id="title-mrkdwn",
        ),
        pytest.param(
            {"type": "modal", "blocks": []},
            "missing required field: title [json-pointer:/view]",
            id="no-title",
        ),
        pytest.param(
            modal(SECTION, submit=plain("x" * 25)),
            "must be less than 25 characters [json-pointer:/view/submit/text]",
            id="submit-25",
        ),
        pytest.param(
            modal(SECTION, close=plain("x" * 25)),
            "must be less than 25 characters [json-pointer:/view/close/text]",
            id="close-25",
        ),
        pytest.param(
            modal(*[SECTION] * 101),
            "no more than 100 items allowed [json-pointer:/view/blocks]",
            id="101-blocks",
        ),
        pytest.param(
            modal(SECTION, private_metadata="x" * 3001),
            "must be less than 3001 characters [json-pointer:/view/private_metadata]",
            id="metadata-3001",
        ),
        pytest.param(
            modal(SECTION, callback_id="x" * 256),
            "must be less than 256 characters [json-pointer:/view/callback_id]",
            id="callback-256",
        ),
        pytest.param(
            modal(QUOTE_INPUT),
            "must provide a submit property when using input blocks [json-pointer:/view]",
            id="input-without-submit",
        ),
        pytest.param(
            {**modal(SECTION), "type": "home"},
            "must be 'modal' for this method, not 'home' [json-pointer:/view/type]",
            id="home-type",
        ),
        pytest.param(
            modal({"type": "section"}),
            "text or fields attribute must be specified [json-pointer:/view/blocks/0]",
            id="section-without-text",
        ),
        pytest.param(
            modal({"type": "teleporter"}),
            "unknown block type 'teleporter' [json-pointer:/view/blocks/0]",
            id="unknown-block",
        ),
        pytest.param(
            modal(TOO_MANY_OPTIONS, submit=plain("Go")),
            "options attribute cannot exceed 100 elements [json-pointer:/view/blocks/0]",
            id="select-101-options",
        ),
        pytest.param(
            modal({**SECTION, "block_id": "a"}, {**SECTION, "block_id": "a"}),
            "duplicate block_id 'a' [json-pointer:/view/blocks/1/block_id]",
            id="duplicate-block-id",
        ),
    ],
)
def test_views_open_refuses_what_slack_refuses_with_its_error_messages(
    slack: SlackStandIn, client: WebClient, view: dict, message: str
) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id=slack.trigger_id(), view=view)
    assert invalid_arguments(excinfo) == [f"[ERROR] {message}"]
    assert slack.views() == []


def test_an_external_id_names_one_view_per_team() -> None:
    tokens = {TOKEN: "T1", "xoxb-two": "T2"}
    with SlackStandIn(tokens=tokens) as slack:
        one = WebClient(token=TOKEN, base_url=slack.api_url)
        two = WebClient(token="xoxb-two", base_url=slack.api_url)
        view = modal(SECTION, external_id="save-1")
        assert (
            one.views_open(trigger_id=slack.trigger_id(), view=view)["view"]["external_id"]
            == "save-1"
        )
        with pytest.raises(SlackApiError) as excinfo:
            one.views_open(trigger_id=slack.trigger_id(), view=view)
        assert slack_error(excinfo) == "duplicate_external_id"
        assert two.views_open(trigger_id=slack.trigger_id(), view=view)["ok"]


def test_wait_for_view_returns_the_view_once_it_exists_or_lists_the_views(
    slack: SlackStandIn, client: WebClient
) -> None:
    client.views_open(trigger_id=slack.trigger_id(), view=modal(SECTION, callback_id="first"))
    timer = threading.Timer(
        0.1,
        lambda: client.views_open(
            trigger_id=slack.trigger_id(), view=modal(SECTION, callback_id="later")
        ),
    )
    timer.start()
    try:
        view = slack.wait_for_view(lambda v: v["callback_id"] == "later", timeout=5)
    finally:
        timer.join()
    assert view["callback_id"] == "later"
    with pytest.raises(AssertionError, match=r"no such view within 0.05s.*'first'.*'later'"):
        slack.wait_for_view(lambda v: v["callback_id"] == "never", timeout=0.05)


def test_reset_forgets_views_and_trigger_ids(slack: SlackStandIn, client: WebClient) -> None:
    client.views_open(trigger_id=slack.trigger_id(), view=modal(SECTION))
    unused = slack.trigger_id()
    slack.reset()
    assert slack.views() == []
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id=unused, view=modal(SECTION))
    assert slack_error(excinfo) == "invalid_trigger_id"


# ----- views.update and views.publish --------------------------------------------------------


def opened(slack: SlackStandIn, client: WebClient, view: dict, user: str = "U1") -> dict:
    return client.views_open(trigger_id=slack.trigger_id(user), view=view)["view"]


def test_views_update_replaces_the_view_keeping_its_id_root_and_owner(
    slack: SlackStandIn, client: WebClient
) -> None:
    first = opened(slack, client, modal(SECTION, callback_id="save", external_id="e1"))
    loading = modal(SECTION, title=plain("Saving…"), callback_id="save", private_metadata="m")
    second = client.views_update(view_id=first["id"], hash=first["hash"], view=loading)["view"]
    assert (second["id"], second["root_view_id"]) == (first["id"], first["id"])
    assert second["hash"] != first["hash"]
    assert (second["title"], second["private_metadata"]) == (plain("Saving…"), "m")
    assert second["external_id"] == "e1"  # kept when the new view names none
    third = client.views_update(external_id="e1", view=modal(SECTION, title=plain("Saved")))
    assert third["view"]["id"] == first["id"]
    assert third["view"]["hash"] not in (first["hash"], second["hash"])
    assert slack.views() == [third["view"]]
    assert slack.view_user(first["id"]) == "U1"


def test_views_update_answers_not_found_hash_conflict_and_invalid_arguments(
    slack: SlackStandIn, client: WebClient
) -> None:
    view = opened(slack, client, modal(SECTION))
    client.views_update(view_id=view["id"], view=modal(SECTION, title=plain("Newer")))
    for args, error in [
        ({"view_id": "VNOSUCHVIEW"}, "not_found"),
        ({"external_id": "nobody"}, "not_found"),
        ({"view_id": view["id"], "hash": view["hash"]}, "hash_conflict"),  # stale by now
    ]:
        with pytest.raises(SlackApiError) as excinfo:
            client.views_update(view=modal(SECTION), **args)
        assert slack_error(excinfo) == error, args
    with pytest.raises(SlackApiError) as excinfo:
        client.views_update(view_id=view["id"], view=modal(SECTION, title=plain("x" * 25)))
    assert invalid_arguments(excinfo) == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    with pytest.raises(SlackApiError) as excinfo:  # slack-sdk's views_update checks this itself
        client.api_call("views.update", json={"view": modal(SECTION)})
    assert invalid_arguments(excinfo) == ["[ERROR] either view_id or external_id is required"]
    assert slack.view(view["id"])["title"] == plain("Newer")


def test_views_update_cannot_reach_another_teams_view() -> None:
    with SlackStandIn(tokens={TOKEN: "T1", "xoxb-two": "T2"}) as slack:
        one = WebClient(token=TOKEN, base_url=slack.api_url)
        view = opened(slack, one, modal(SECTION))
        with pytest.raises(SlackApiError) as excinfo:
            WebClient(token="xoxb-two", base_url=slack.api_url).views_update(
                view_id=view["id"], view=modal(SECTION)
            )
        assert slack_error(excinfo) == "not_found"


HOME = {"type": "home", "blocks": [SECTION]}


def test_views_publish_keeps_one_home_tab_per_user_and_replaces_it(
    slack: SlackStandIn, client: WebClient
) -> None:
    first = client.views_publish(user_id="U1", view=HOME)["view"]
    assert first["type"] == "home" and first["team_id"] == "T1"
    assert re.fullmatch(r"V[A-Z0-9]{10}", first["id"])
    assert slack.home_view("U1") == first == slack.home_view("U1", team="T1")
    assert slack.home_view("U1", team="T2") is None
    assert slack.home_view("U2") is None
    assert slack.view_user(first["id"]) == "U1"
    newer = {"type": "home", "blocks": [{"type": "divider"}]}
    second = client.views_publish(user_id="U1", view=newer, hash=first["hash"])["view"]
    assert second["id"] == first["id"] and second["hash"] != first["hash"]
    assert [b["type"] for b in slack.home_view("U1")["blocks"]] == ["divider"]
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id="U1", view=HOME, hash=first["hash"])
    assert slack_error(excinfo) == "hash_conflict"
    client.views_publish(user_id="U2", view=HOME)
    assert slack.home_view("U2")["id"] != first["id"]


@pytest.mark.parametrize(
    ("view", "message"),
    [
        pytest.param(
            {"type": "home", "blocks": [SECTION] * 101},
            "no more than 100 items allowed [json-pointer:/view/blocks]",
            id="101-blocks",
        ),
        pytest.param(
            {"type": "home", "blocks": [{"type": "section"}]},
            "text or fields attribute must be specified [json-pointer:/view/blocks/0]",
            id="invalid-block",
        ),
        pytest.param(
            modal(SECTION),
            "must be 'home' for this method, not 'modal' [json-pointer:/view/type]",
            id="modal-type",
        ),
        pytest.param(
            {**HOME, "submit": plain("Go")},
            "a home view cannot have submit [json-pointer:/view/submit]",
            id="home-with-submit",
        ),
    ],
)
def test_views_publish_refuses_what_slack_refuses(
    slack: SlackStandIn, client: WebClient, view: dict, message: str
) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id="U1", view=view)
    assert invalid_arguments(excinfo) == [f"[ERROR] {message}"]
    assert slack.home_view("U1") is None


def test_views_methods_need_no_scope_beyond_the_bot_token() -> None:
    with SlackStandIn(tokens={TOKEN: "T1"}, scopes={TOKEN: "commands"}) as slack:
        client = WebClient(token=TOKEN, base_url=slack.api_url)
        view = opened(slack, client, modal(SECTION))
        assert client.views_update(view_id=view["id"], view=modal(SECTION))["ok"]
        assert client.views_publish(user_id="U1", view=HOME)["ok"]


def test_home_views_keeps_every_publish_for_counting_them(
    slack: SlackStandIn, client: WebClient
) -> None:
    assert slack.home_views("U1") == []
    first = client.views_publish(user_id="U1", view=HOME)["view"]
    divider = {"type": "home", "blocks": [{"type": "divider"}]}
    second = client.views_publish(user_id="U1", view=divider)["view"]
    client.views_publish(user_id="U2", view=HOME)
    with pytest.raises(SlackApiError):
        client.views_publish(user_id="U1", view={"type": "home", "blocks": []})  # refused
    history = slack.home_views("U1")
    assert [view["hash"] for view in history] == [first["hash"], second["hash"]]
    assert history[-1] == slack.home_view("U1") and history[0]["blocks"][0]["type"] == "section"
    assert len(slack.home_views("U1", team="T1")) == 2 and slack.home_views("U1", team="T2") == []
    slack.reset()
    assert slack.home_views("U1") == [] and slack.home_view("U1") is None


@pytest.mark.parametrize("kind", ["home", "modal"])
def test_views_are_refused_where_slack_sdks_view_model_refuses_them(
    slack: SlackStandIn, client: WebClient, kind: str
) -> None:
    empty = {"type": "home", "blocks": []} if kind == "home" else modal()
    with pytest.raises(SlackApiError) as excinfo:
        if kind == "home":
            client.views_publish(user_id="U1", view=empty)
        else:
            client.views_open(trigger_id=slack.trigger_id(), view=empty)
    assert invalid_arguments(excinfo) == [
        "[ERROR] views must contain between 1 and 100 blocks [json-pointer:/view]"
    ]


# ----- chat.getPermalink and people's messages -------------------------------------------------


def test_permalinks_of_a_posted_message_a_persons_message_and_a_thread_reply(
    slack: SlackStandIn, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="C1", text="hi")
    said = slack.add_message("C1", "To be.", user="U2", blocks=[SECTION])
    reply = client.chat_postMessage(channel="C1", text="reply", thread_ts=said["ts"])
    assert said == {
        "type": "message",
        "user": "U2",
        "ts": said["ts"],
        "text": "To be.",
        "team": "T1",
        "blocks": [SECTION],
    }
    for ts in (posted["ts"], said["ts"]):
        answer = client.chat_getPermalink(channel="C1", message_ts=ts)
        assert answer.data == {
            "ok": True,
            "channel": "C1",
            "permalink": f"https://standin.slack.com/archives/C1/p{ts.replace('.', '')}",
        }
    link = client.chat_getPermalink(channel="C1", message_ts=reply["ts"])["permalink"]
    assert link.endswith(f"/p{reply['ts'].replace('.', '')}?thread_ts={said['ts']}&cid=C1")


def test_permalinks_need_a_conversation_the_bot_sees_and_a_message_in_it(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.add_channel("G1", is_private=True, is_member=False)
    slack.add_channel("G2", is_private=True, is_member=True)
    slack.add_channel("D0BOB", is_member=True)
    for channel in ("G1", "G2", "D0CAROL", "D0BOB", "CPUBLIC"):
        slack.add_message(channel, "hi", user="U2", ts="1700000000.000100")
    for channel, error in [("G1", "channel_not_found"), ("D0CAROL", "channel_not_found")]:
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_getPermalink(channel=channel, message_ts="1700000000.000100")
        assert slack_error(excinfo) == error, channel
    for channel in ("G2", "D0BOB", "CPUBLIC"):  # CPUBLIC: unknown, so a public channel
        assert client.chat_getPermalink(channel=channel, message_ts="1700000000.000100")["ok"]
    for channel in ("CPUBLIC", "CEMPTY"):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_getPermalink(channel=channel, message_ts="1700000000.000999")
        assert slack_error(excinfo) == "message_not_found", channel


def test_added_messages_join_the_history_in_ts_order(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.add_channel("C1", is_member=True)
    client.chat_postMessage(channel="C1", text="bot")
    slack.add_message("C1", "older", user="U2", ts="1000000000.000001")
    newest = slack.add_message("C1", "newest", user="U2")
    history = client.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in history] == ["newest", "bot", "older"]
    assert client.chat_postMessage(channel="C1", text="later")["ts"] > newest["ts"]
    with pytest.raises(ValueError, match="already has a message"):
        slack.add_message("C1", "again", user="U2", ts="1000000000.000001")


def test_a_posted_messages_ts_blocks_and_metadata_can_be_found_again(
    slack: SlackStandIn, client: WebClient
) -> None:
    metadata = {"event_type": "quote_posted", "event_payload": {"quote_id": "q1"}}
    posted = client.chat_postMessage(channel="C1", text="q", blocks=[SECTION], metadata=metadata)
    [found] = slack.messages("C1")
    assert found == slack.message("C1", posted["ts"]) == posted["message"]
    assert (found["blocks"], found["metadata"], found["user"]) == ([SECTION], metadata, "UBOT")
    assert slack.message("C1", "1.000001") is None and slack.message("C404", posted["ts"]) is None


def test_reactions_show_on_the_message_as_slack_shows_them(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.add_channel("C1", is_member=True)
    ts = client.chat_postMessage(channel="C1", text="quote")["ts"]
    assert slack.react("C1", ts, "heart", "U1") is True
    assert slack.react("C1", ts, "heart", "U2") is True
    assert slack.react("C1", ts, "tada", "U1") is True
    assert slack.react("C1", ts, "heart", "U1") is False, "one heart per person"
    [message] = client.conversations_history(channel="C1")["messages"]
    assert message["reactions"] == [
        {"name": "heart", "users": ["U1", "U2"], "count": 2},
        {"name": "tada", "users": ["U1"], "count": 1},
    ]
    assert slack.react("C1", ts, "heart", "U2", added=False) is True
    assert slack.react("C1", ts, "heart", "U2", added=False) is False, "gone already"
    assert slack.react("C1", ts, "tada", "U1", added=False) is True
    assert slack.message("C1", ts)["reactions"] == [{"name": "heart", "users": ["U1"], "count": 1}]
    slack.react("C1", ts, "heart", "U1", added=False)
    assert "reactions" not in slack.message("C1", ts), "Slack leaves the field out when none"
    with pytest.raises(KeyError):
        slack.react("C1", "1.000001", "heart", "U1")


# ----- DMs by user id ------------------------------------------------------------------------


def test_posting_to_a_user_id_posts_in_the_bots_dm_with_them(
    slack: SlackStandIn, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="U0ALICE", text="one")  # a user it never heard of
    second = client.chat_postMessage(channel="U0ALICE", text="two")
    assert first["channel"] == second["channel"] == "D0ALICE"
    assert [m["text"] for m in slack.dm_messages("U0ALICE")] == ["one", "two"]
    dm = slack.channel("D0ALICE")
    assert dm is not None and dm.is_member and not dm.is_private
    history = client.conversations_history(channel="D0ALICE")["messages"]
    assert [m["text"] for m in history] == ["two", "one"]
    assert client.chat_getPermalink(channel="D0ALICE", message_ts=first["ts"])["ok"]
    slack.add_user("U0BOB")
    assert client.chat_postMessage(channel="U0BOB", text="hi")["channel"] == "D0BOB"
    assert slack.dm_messages("U0CAROL") == []


def test_a_deactivated_user_has_no_dm(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_user("U0GONE", deleted=True)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="U0GONE", text="hi")
    assert slack_error(excinfo) == "channel_not_found"
    assert slack.dm_messages("U0GONE") == []


# ----- the harness's payload builders ----------------------------------------------------------


def payload_of(body: str) -> dict:
    """The JSON in a form-encoded interaction body, as bolt reads it."""
    [payload] = parse_qs(body)["payload"]
    return json.loads(payload)


def option(text: str, value: str, **extra: object) -> dict:
    return {"text": plain(text), "value": value, **extra}


PEOPLE = [option("Ada", "ada"), option("Grace", "grace")]


def input_block(block_id: str, element: dict, **extra: object) -> dict:
    """An input whose element's action_id is its block_id with `_action` added."""
    element = {**element, "action_id": f"{block_id}_action"}
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(block_id),
        "element": element,
        **extra,
    }


def state_of(values: dict, block_id: str) -> dict:
    return values[block_id][f"{block_id}_action"]


def test_payloads_carry_a_trigger_id_the_stand_in_never_issued_unless_given_one(
    slack: SlackStandIn, client: WebClient
) -> None:
    issued = slack.trigger_id()
    assert command_fields(response_url="r", trigger_id=issued)["trigger_id"] == issued
    message = {"type": "message", "ts": "1.2", "text": "t", "user": "U2"}
    assert (
        payload_of(message_action_body(message, response_url="r", trigger_id=issued))["trigger_id"]
        == issued
    )
    local = [
        command_fields(response_url="r")["trigger_id"],
        payload_of(shortcut_body("menu"))["trigger_id"],
        payload_of(message_action_body(message, response_url="r"))["trigger_id"],
    ]
    assert len(set(local)) == 3
    for trigger in local:
        with pytest.raises(SlackApiError) as excinfo:
            client.views_open(trigger_id=trigger, view=modal(SECTION))
        assert slack_error(excinfo) == "invalid_trigger_id"


def test_message_action_body_is_slacks_message_action_payload(slack: SlackStandIn) -> None:
    said = slack.add_message("C1", "To be.", user="U2")
    payload = payload_of(
        message_action_body(
            said, response_url="https://r", channel_id="D0ALICE", channel_name="directmessage"
        )
    )
    assert payload == {
        "type": "message_action",
        "token": "legacy-verification-token",
        "action_ts": payload["action_ts"],
        "team": {"id": "T1", "domain": "standin"},
        "user": {"id": "U0ALICE", "username": "alice", "name": "alice", "team_id": "T1"},
        "channel": {"id": "D0ALICE", "name": "directmessage"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "save_quote",
        "trigger_id": payload["trigger_id"],
        "response_url": "https://r",
        "message_ts": said["ts"],
        "message": said,
    }


def test_shortcut_body_is_slacks_global_shortcut_payload() -> None:
    payload = payload_of(shortcut_body("menu", user_id="U2", team_id="T2", trigger_id="1.2.3"))
    assert payload == {
        "type": "shortcut",
        "token": "legacy-verification-token",
        "action_ts": payload["action_ts"],
        "team": {"id": "T2", "domain": "standin"},
        "user": {"id": "U2", "username": "u2", "name": "u2", "team_id": "T2"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "menu",
        "trigger_id": "1.2.3",
    }


EVERY_INPUT = modal(
    input_block("quote", {"type": "plain_text_input", "multiline": True}),
    input_block("link", {"type": "url_text_input"}),
    input_block("speaker", {"type": "static_select", "options": PEOPLE}),
    input_block(
        "grouped",
        {
            "type": "static_select",
            "option_groups": [{"label": plain("People"), "options": PEOPLE}],
        },
    ),
    input_block("lookup", {"type": "external_select"}),
    input_block("time", {"type": "timepicker"}),
    input_block("who", {"type": "users_select"}),
    input_block("where", {"type": "conversations_select"}),
    input_block("chan", {"type": "channels_select"}),
    input_block("topics", {"type": "multi_static_select", "options": PEOPLE}),
    input_block("more", {"type": "multi_external_select"}),
    input_block(
        "flags",
        {
            "type": "checkboxes",
            "options": [
                {
                    "text": {"type": "mrkdwn", "text": "*Pin*"},
                    "value": "pin",
                    "description": {"type": "mrkdwn", "text": "Keep it on top"},
                },
                option("Share", "share"),
            ],
        },
    ),
    input_block("people", {"type": "multi_users_select"}),
    input_block("note", {"type": "plain_text_input"}, optional=True),
    submit=plain("Save"),
    callback_id="save",
)


def test_view_state_holds_what_slack_submits_for_each_element_type(
    slack: SlackStandIn, client: WebClient
) -> None:
    view = opened(slack, client, EVERY_INPUT)
    answers = {
        "quote": "To be.",
        "link": "https://example.com",
        "speaker": "grace",
        "grouped": "ada",
        "lookup": "q-1",
        "time": "09:30",
        "who": "U2",
        "where": "C1",
        "chan": "C2",
        "topics": ["ada", "grace"],
        "more": ["x"],
        "flags": ["pin"],
        "people": ["U1", "U2"],
        "note": None,
    }
    values = view_state(view, answers)
    assert set(values) == set(answers)
    emoji = {"emoji": True}
    expected = {
        "quote": {"type": "plain_text_input", "value": "To be."},
        "link": {"type": "url_text_input", "value": "https://example.com"},
        "speaker": {
            "type": "static_select",
            "selected_option": {"text": {**plain("Grace"), **emoji}, "value": "grace"},
        },
        "grouped": {
            "type": "static_select",
            "selected_option": {"text": {**plain("Ada"), **emoji}, "value": "ada"},
        },
        "lookup": {
            "type": "external_select",
            "selected_option": {"text": {**plain("q-1"), **emoji}, "value": "q-1"},
        },
        "time": {"type": "timepicker", "selected_time": "09:30"},
        "who": {"type": "users_select", "selected_user": "U2"},
        "where": {"type": "conversations_select", "selected_conversation": "C1"},
        "chan": {"type": "channels_select", "selected_channel": "C2"},
        "topics": {
            "type": "multi_static_select",
            "selected_options": [
                {"text": {**plain("Ada"), **emoji}, "value": "ada"},
                {"text": {**plain("Grace"), **emoji}, "value": "grace"},
            ],
        },
        "more": {
            "type": "multi_external_select",
            "selected_options": [{"text": {**plain("x"), **emoji}, "value": "x"}],
        },
        "flags": {
            "type": "checkboxes",
            "selected_options": [
                {
                    "text": {"verbatim": False, "type": "mrkdwn", "text": "*Pin*"},
                    "value": "pin",
                    "description": {"verbatim": False, "type": "mrkdwn", "text": "Keep it on top"},
                }
            ],
        },
        "people": {"type": "multi_users_select", "selected_users": ["U1", "U2"]},
        "note": {"type": "plain_text_input", "value": None},
    }
    assert {block_id: state_of(values, block_id) for block_id in values} == expected


def test_inputs_left_alone_submit_their_initial_values_or_nothing() -> None:
    view = modal(
        input_block("quote", {"type": "plain_text_input", "initial_value": "Hi"}),
        input_block(
            "speaker", {"type": "static_select", "options": PEOPLE, "initial_option": PEOPLE[1]}
        ),
        input_block(
            "topics", {"type": "multi_static_select", "options": PEOPLE, "initial_options": PEOPLE}
        ),
        input_block("flags", {"type": "checkboxes", "options": PEOPLE}, optional=True),
        input_block("time", {"type": "timepicker", "initial_time": "08:00"}),
        input_block("who", {"type": "users_select", "initial_user": "U3"}),
        input_block("lookup", {"type": "static_select", "options": PEOPLE}, optional=True),
        input_block("cleared", {"type": "plain_text_input", "initial_value": "x"}, optional=True),
        submit=plain("Save"),
    )
    values = view_state(view, {"cleared": ""})
    assert state_of(values, "quote") == {"type": "plain_text_input", "value": "Hi"}
    assert state_of(values, "speaker")["selected_option"]["value"] == "grace"
    assert [o["value"] for o in state_of(values, "topics")["selected_options"]] == ["ada", "grace"]
    assert state_of(values, "flags") == {"type": "checkboxes", "selected_options": []}
    assert state_of(values, "time")["selected_time"] == "08:00"
    assert state_of(values, "who")["selected_user"] == "U3"
    assert state_of(values, "lookup") == {"type": "static_select", "selected_option": None}
    assert state_of(values, "cleared") == {"type": "plain_text_input", "value": None}


@pytest.mark.parametrize(
    ("answers", "complaint"),
    [
        ({"speaker": "linus"}, "has no option 'linus'; its options: ['ada', 'grace']"),
        ({"topics": ["ada", "linus"]}, "has no option 'linus'"),
        ({"nowhere": "x"}, "no input blocks ['nowhere'] in the view"),
        ({"speaker": None}, "is required: Slack does not submit the modal with it empty"),
        ({"quote": "x" * 11}, "11 characters, Slack takes 2 to 10 here"),
        ({"quote": "x"}, "1 characters, Slack takes 2 to 10 here"),
        ({"topics": "ada"}, "answer with a list of str"),
    ],
)
def test_view_state_refuses_answers_no_user_could_give(answers: dict, complaint: str) -> None:
    view = modal(
        input_block("quote", {"type": "plain_text_input", "min_length": 2, "max_length": 10}),
        input_block("speaker", {"type": "static_select", "options": PEOPLE}),
        input_block("topics", {"type": "multi_static_select", "options": PEOPLE}, optional=True),
        submit=plain("Save"),
    )
    with pytest.raises(AssertionError, match=re.escape(complaint)):
        view_state(view, {"quote": "fine", "speaker": "ada", **answers})


def test_view_submission_body_is_slacks_view_submission_payload(
    slack: SlackStandIn, client: WebClient
) -> None:
    channel_pick = input_block(
        "post_in", {"type": "conversations_select", "response_url_enabled": True}
    )
    sent = modal(
        QUOTE_INPUT,
        channel_pick,
        submit=plain("Save"),
        callback_id="save",
        private_metadata="C1|1.2",
    )
    view = opened(slack, client, sent)
    answers = {"quote": "To be.", "post_in": "C9"}
    payload = payload_of(view_submission_body(view, answers, response_url="https://r"))
    assert payload == {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "standin"},
        "user": {"id": "U0ALICE", "username": "alice", "name": "alice", "team_id": "T1"},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": payload["trigger_id"],
        "view": {**view, "state": {"values": view_state(view, answers)}},
        "response_urls": [
            {
                "block_id": "post_in",
                "action_id": "post_in_action",
                "channel_id": "C9",
                "response_url": "https://r",
            }
        ],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    assert payload["view"]["state"]["values"]["quote"]["text"]["value"] == "To be."
    assert (payload["view"]["callback_id"], payload["view"]["private_metadata"]) == (
        "save",
        "C1|1.2",
    )
    assert payload["view"]["hash"] == view["hash"]
    without_url = payload_of(view_submission_body(view, answers))
    assert without_url["response_urls"] == []


MENU = {
    "type": "overflow",
    "action_id": "more",
    "options": [option("Share", "share"), option("Delete", "delete")],
}
WITH_MENUS = {
    "text": "a quote",
    "blocks": [
        {**SECTION, "block_id": "quote", "accessory": MENU},
        {
            "type": "actions",
            "block_id": "buttons",
            "elements": [{**MENU, "action_id": "actions_menu"}],
        },
    ],
}


def test_overflow_action_body_is_a_block_actions_choice_of_an_existing_option() -> None:
    payload = payload_of(
        overflow_action_body(
            WITH_MENUS, "more", "delete", response_url="https://r", message_ts="1.2"
        )
    )
    assert payload["type"] == "block_actions"
    assert payload["actions"] == [
        {
            "type": "overflow",
            "action_id": "more",
            "block_id": "quote",
            "selected_option": {"text": {**plain("Delete"), "emoji": True}, "value": "delete"},
            "action_ts": payload["actions"][0]["action_ts"],
        }
    ]
    assert payload["container"] == {
        "type": "message",
        "message_ts": "1.2",
        "channel_id": "C0GENERAL",
        "is_ephemeral": True,
    }
    assert (payload["response_url"], payload["channel"]["id"]) == ("https://r", "C0GENERAL")
    assert "message" not in payload  # ephemeral, as action_body
    in_actions = payload_of(
        overflow_action_body(WITH_MENUS, "actions_menu", "share", response_url="r", ephemeral=False)
    )
    assert in_actions["actions"][0]["block_id"] == "buttons"
    assert in_actions["message"]["blocks"] == WITH_MENUS["blocks"]
    with pytest.raises(
        AssertionError, match=r"has no option 'pin'; its options: \['share', 'delete'\]"
    ):
        overflow_action_body(WITH_MENUS, "more", "pin", response_url="r")
    with pytest.raises(AssertionError, match="no overflow 'gone'"):
        overflow_action_body(WITH_MENUS, "gone", "share", response_url="r")


def test_action_body_finds_a_button_in_a_section_accessory_too() -> None:
    button = {"type": "button", "action_id": "go", "text": plain("Go"), "value": "v"}
    message = {"text": "t", "blocks": [{**SECTION, "block_id": "b1", "accessory": button}]}
    payload = payload_of(action_body(message, "go", response_url="r"))
    assert (payload["actions"][0]["block_id"], payload["actions"][0]["value"]) == ("b1", "v")


def test_view_action_body_is_a_click_in_a_view_without_response_url(
    slack: SlackStandIn, client: WebClient
) -> None:
    refresh = {"type": "button", "action_id": "refresh", "text": plain("Refresh")}
    view = opened(
        slack,
        client,
        modal(QUOTE_INPUT, {"type": "actions", "elements": [refresh]}, submit=plain("Save")),
    )
    payload = payload_of(view_action_body(view, "refresh", answers={"quote": "typed so far"}))
    assert payload["type"] == "block_actions"
    assert payload["container"] == {"type": "view", "view_id": view["id"]}
    assert payload["view"] == {
        **view,
        "state": {"values": view_state(view, {"quote": "typed so far"})},
    }
    assert payload["actions"][0]["action_id"] == "refresh"
    assert payload["actions"][0]["block_id"] == view["blocks"][1]["block_id"]
    assert not {"response_url", "channel", "message"} & set(payload)


def test_reaction_and_home_events_are_slacks() -> None:
    added = reaction_event("C1", "1700000000.000100", "heart", user="U2")
    assert added == {
        "type": "reaction_added",
        "user": "U2",
        "reaction": "heart",
        "item_user": "UBOT",
        "item": {"type": "message", "channel": "C1", "ts": "1700000000.000100"},
        "event_ts": added["event_ts"],
    }
    removed = reaction_event("C1", "1.2", "tada", item_user="U3", added=False)
    assert (removed["type"], removed["user"], removed["item_user"]) == (
        "reaction_removed", USER_ID, "U3",
    )  # fmt: skip
    first = home_opened_event("U0BOB")
    assert first == {
        "type": "app_home_opened", "user": "U0BOB", "channel": "D0BOB", "tab": "home",
        "event_ts": first["event_ts"],
    }  # fmt: skip
    again = home_opened_event("U0BOB", view={"id": "V1", "type": "home", "blocks": []})
    assert again["view"]["id"] == "V1"
    assert "view" not in home_opened_event(tab="messages")


ZONE_SELECT = {
    "type": "external_select",
    "action_id": "zone",
    "placeholder": plain("Time zone"),
    "min_query_length": 2,
}


def test_block_suggestion_body_is_slacks_options_load_from_a_view_or_a_message() -> None:
    view = {"id": "V1", "type": "modal", "blocks": [input_block("tz", ZONE_SELECT)]}
    payload = payload_of(block_suggestion_body("tz_action", "tz", "Ber", view=view, user_id="U2"))
    assert payload == {
        "type": "block_suggestion",
        "user": {"id": "U2", "username": "u2", "name": "u2", "team_id": "T1"},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "action_id": "tz_action",
        "block_id": "tz",
        "value": "Ber",
        "team": {"id": "T1", "domain": "standin"},
        "enterprise": None,
        "is_enterprise_install": False,
        "container": {"type": "view", "view_id": "V1"},
        "view": view,
    }
    section = {
        "type": "section",
        "block_id": "pick",
        "text": plain("Zone?"),
        "accessory": ZONE_SELECT,
    }
    message = {"type": "message", "ts": "1.2", "text": "t", "blocks": [section]}
    payload = payload_of(
        block_suggestion_body("zone", "pick", "", message=message, channel_id="C1")
    )
    assert payload["container"] == {
        "type": "message", "message_ts": "1.2", "channel_id": "C1", "is_ephemeral": False,
    }  # fmt: skip
    assert (payload["channel"]["id"], payload["message"], "view" in payload) == (
        "C1",
        message,
        False,
    )


@pytest.mark.parametrize(
    ("where", "complaint"),
    [
        ({"block_id": "tz", "action_id": "tz_action"}, "not an external select"),
        ({"block_id": "nope", "action_id": "zone"}, "no block 'nope'"),
        ({"block_id": "zone", "action_id": "nope"}, "has no element 'nope'"),
    ],
)
def test_block_suggestion_body_refuses_selects_no_user_could_type_into(
    where: dict, complaint: str
) -> None:
    static = {"type": "static_select", "options": PEOPLE, "placeholder": plain("Who")}
    view = {
        "id": "V1",
        "type": "modal",
        "blocks": [input_block("tz", static), input_block("zone", ZONE_SELECT)],
    }
    with pytest.raises(AssertionError, match=complaint):
        block_suggestion_body(where["action_id"], where["block_id"], "Ber", view=view)
    with pytest.raises(ValueError, match="the view or the message"):
        block_suggestion_body("zone", "zone", "Ber")


def test_check_options_takes_what_slack_shows() -> None:
    assert check_options({"options": []})
    assert check_options({"options": [option("x" * 75, "v" * 150, description=plain("d"))]})
    groups = [{"label": plain("Europe"), "options": [option("Berlin", "Europe/Berlin")]}] * 100
    assert check_options({"option_groups": groups})


@pytest.mark.parametrize(
    ("answer", "complaint"),
    [
        pytest.param("", "not a JSON object", id="empty-ack"),
        pytest.param({}, "options or option_groups", id="neither"),
        pytest.param({"options": [], "option_groups": []}, "options or option_groups", id="both"),
        pytest.param({"options": [option("x", "v")] * 101}, "101 options", id="101-options"),
        pytest.param(
            {"options": [{"text": {"type": "mrkdwn", "text": "*x*"}, "value": "v"}]},
            "plain_text",
            id="mrkdwn-text",
        ),
        pytest.param({"options": [option("x" * 76, "v")]}, "76 characters", id="long-text"),
        pytest.param({"options": [option("x", "v" * 151)]}, "151 characters", id="long-value"),
        pytest.param({"options": [option("x", "")]}, "no value", id="no-value"),
        pytest.param(
            {"option_groups": [{"label": plain("g"), "options": [option("x", "v")]}] * 101},
            "101 option_groups",
            id="101-groups",
        ),
        pytest.param(
            {"option_groups": [{"label": plain("g" * 76), "options": []}]},
            "label is 76 characters",
            id="long-label",
        ),
    ],
)
def test_check_options_refuses_what_slack_would_not_show(answer: object, complaint: str) -> None:
    with pytest.raises(AssertionError, match=complaint):
        check_options(answer)


# ----- the harness's BotProcess against a real bolt app ---------------------------------------

# A small bolt app in HTTP mode, wired to the stand-in by bot_environment(): the payloads the
# harness builds must reach the right listeners, and their trigger ids must open modals.
BOLT_APP = """
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
app = App(
    client=client,
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    token_verification_enabled=False,
)
WHO = {
    "type": "input",
    "block_id": "who",
    "label": {"type": "plain_text", "text": "Who said it?"},
    "element": {"type": "plain_text_input", "action_id": "who"},
}
REFRESH = {
    "type": "actions",
    "elements": [
        {"type": "button", "action_id": "refresh", "text": {"type": "plain_text", "text": "Go"}}
    ],
}


def modal(callback_id, title, blocks, **extra):
    title = {"type": "plain_text", "text": title}
    return {"type": "modal", "callback_id": callback_id, "title": title, "blocks": blocks, **extra}


@app.shortcut("save_quote")
def save_quote(ack, shortcut, client):
    ack()
    where = {
        "channel": shortcut["channel"],
        "ts": shortcut["message_ts"],
        "text": shortcut["message"]["text"],
    }
    view = modal(
        "save",
        "Save a quote",
        [WHO],
        submit={"type": "plain_text", "text": "Save"},
        private_metadata=json.dumps(where),
    )
    client.views_open(trigger_id=shortcut["trigger_id"], view=view)


@app.view("save")
def saved(ack, view, body, client):
    who = view["state"]["values"]["who"]["who"]["value"]
    if who == "nobody":
        ack(response_action="errors", errors={"who": "Somebody said it."})
        return
    ack()
    where = json.loads(view["private_metadata"])
    link = client.chat_getPermalink(channel=where["channel"]["id"], message_ts=where["ts"])
    client.chat_postMessage(channel=body["user"]["id"], text=f"{who}: {link['permalink']}")


@app.shortcut("menu")
def menu(ack, shortcut, client):
    ack()
    client.views_open(trigger_id=shortcut["trigger_id"], view=modal("menu", "Menu", [REFRESH]))


@app.action("refresh")
def refresh(ack, body, client):
    ack()
    view = body["view"]
    new = modal("menu", "Refreshed", [REFRESH])
    client.views_update(view_id=view["id"], hash=view["hash"], view=new)


@app.action("more")
def more(ack, body, respond):
    ack()
    respond(text="chose " + body["actions"][0]["selected_option"]["value"])


@app.command("/quote")
def command(ack, command, client):
    ack()
    view = modal("from_command", "Quote", [REFRESH])
    client.views_open(trigger_id=command["trigger_id"], view=view)


@app.event("app_home_opened")
def home(event, client):
    if event["tab"] == "messages":
        client.chat_postMessage(channel=event["user"], text="the Messages tab", unfurl_links=False)
        return
    seen = "view" in event
    text = {"type": "mrkdwn", "text": f"seen before: {seen}"}
    view = {"type": "home", "blocks": [{"type": "section", "text": text}]}
    previous = event["view"]["hash"] if seen else None
    client.views_publish(user_id=event["user"], view=view, hash=previous)


def reacted(event, body, request, client):
    retry = request.headers.get("x-slack-retry-num", ["0"])[0]
    item = event["item"]
    text = (
        f"{event['type']} :{event['reaction']}: by {event['user']} on {item['channel']}/"
        f"{item['ts']} of {event['item_user']} {body['event_id']} {event['event_ts']} "
        f"retry={retry}"
    )
    client.chat_postMessage(channel="CLOG", text=text)


app.event("reaction_added")(reacted)
app.event("reaction_removed")(reacted)
ZONES = ["Europe/Berlin", "Europe/London", "America/New_York"]


@app.options("zone")
def zones(ack, payload):
    typed = payload["value"].lower()
    found = [zone for zone in ZONES if typed in zone.lower()]
    ack(options=[{"text": {"type": "plain_text", "text": zone}, "value": zone} for zone in found])


@app.options("bad_zone")
def bad_zones(ack):
    ack(options=[{"text": {"type": "mrkdwn", "text": "*Berlin*"}, "value": "Europe/Berlin"}])


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def do_POST(self):
        if self.path not in ("/slack/events", "/slack/options"):
            self.send_response(404)
            self.end_headers()
            return
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        headers = {name.lower(): value for name, value in self.headers.items()}
        response = app.dispatch(BoltRequest(body=body, headers=headers))
        self.send_response(response.status)
        for name, values in response.headers.items():
            for value in values:
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body.encode())


ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""


def app_manifest(
    path: Path, *, home: bool = True, events: bool = True, options: bool = True
) -> Path:
    """The shipped manifest, with or without its Home tab, its Home and reaction events
    (and `reactions:read`) and its options URL (this app's own), written to `path`."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    manifest["features"]["app_home"]["home_tab_enabled"] = home
    bot_events = manifest["settings"]["event_subscriptions"]["bot_events"]
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    added = ["app_home_opened", "reaction_added", "reaction_removed"]
    bot_events[:] = [event for event in bot_events if event not in added]
    scopes[:] = [scope for scope in scopes if scope != "reactions:read"]
    if events:
        bot_events += added
        scopes.append("reactions:read")
    interactivity = manifest["settings"]["interactivity"]
    interactivity.pop("message_menu_options_url", None)
    if options:
        interactivity["message_menu_options_url"] = "https://YOUR-HOST/slack/options"
    path.write_text(yaml.safe_dump(manifest), encoding="utf-8")
    return path


@pytest.fixture
def bolt_bot(tmp_path: Path, slack: SlackStandIn) -> Iterator[BotProcess]:
    script = tmp_path / "bolt_app.py"
    script.write_text(BOLT_APP, encoding="utf-8")
    env = bot_environment(tmp_path, slack)
    manifest = app_manifest(tmp_path / "manifest.yaml")
    command = [sys.executable, str(script)]
    with BotProcess(env, cwd=tmp_path, slack=slack, command=command, manifest=manifest) as process:
        yield process


def test_a_message_shortcut_opens_a_modal_whose_submission_reaches_the_bot(
    slack: SlackStandIn, bolt_bot: BotProcess
) -> None:
    said = slack.add_message("C1", "To be.", user="U2")
    assert bolt_bot.shortcut_on(said, channel_id="C1") == (200, ""), bolt_bot.log()
    view = slack.wait_for_view(lambda v: v["callback_id"] == "save")
    assert slack.view_user(view["id"]) == USER_ID  # the trigger was the clicker's
    where = json.loads(view["private_metadata"])
    assert where == {"channel": {"id": "C1", "name": "c1"}, "ts": said["ts"], "text": "To be."}

    refused = bolt_bot.submit(view, {"who": "nobody"})
    assert refused == (200, {"response_action": "errors", "errors": {"who": "Somebody said it."}})
    assert bolt_bot.submit(view, {"who": "Hamlet"}) == (200, "")
    slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls))
    [dm] = slack.dm_messages(USER_ID)
    assert (
        dm["text"]
        == f"Hamlet: https://standin.slack.com/archives/C1/p{said['ts'].replace('.', '')}"
    )


def test_shortcut_on_names_dms_and_private_channels_as_slack_does(
    slack: SlackStandIn, bolt_bot: BotProcess
) -> None:
    slack.add_channel("G1", name="secret", is_private=True, is_member=True)
    for channel, name in [("D0ALICE", "directmessage"), ("G1", "privategroup")]:
        said = slack.add_message(channel, "hi", user="U2")
        assert bolt_bot.shortcut_on(said, channel_id=channel)[0] == 200
        view = slack.wait_for_view(
            lambda v, ts=said["ts"]: json.loads(v["private_metadata"] or "{}").get("ts") == ts
        )
        assert json.loads(view["private_metadata"])["channel"] == {"id": channel, "name": name}


def test_a_global_shortcut_and_a_click_in_its_modal_open_and_update_it(
    slack: SlackStandIn, bolt_bot: BotProcess
) -> None:
    assert bolt_bot.global_shortcut("menu", user_id="U2")[0] == 200
    view = slack.wait_for_view(lambda v: v["callback_id"] == "menu")
    assert slack.view_user(view["id"]) == "U2"
    assert bolt_bot.click_in_view(view, "refresh") == (200, "")
    updated = slack.wait_for_view(lambda v: v["title"]["text"] == "Refreshed")
    assert (updated["id"], updated["root_view_id"]) == (view["id"], view["id"])
    assert updated["hash"] != view["hash"]


def test_commands_and_overflow_choices_reach_the_bot_with_usable_trigger_ids(
    slack: SlackStandIn, bolt_bot: BotProcess
) -> None:
    assert bolt_bot.command("")[0] == 200
    slack.wait_for_view(lambda v: v["callback_id"] == "from_command")
    assert bolt_bot.choose(WITH_MENUS, "more", "share")[0] == 200
    [call] = slack.wait_for(lambda calls: any(c.method == "response_url" for c in calls)) and [
        c for c in slack.calls if c.method == "response_url"
    ]
    assert call.args["text"] == "chose share"
    assert all(c.status == 200 for c in slack.calls), slack.dump_calls()


def published(slack: SlackStandIn, count: int) -> list[dict]:
    """Wait for the bot's `count`th views.publish; the calls so far."""
    slack.wait_for(lambda calls: len([c for c in calls if c.method == "views.publish"]) >= count)
    return slack.calls_to("views.publish")


def test_open_home_sends_app_home_opened_with_the_view_published_before(
    slack: SlackStandIn, bolt_bot: BotProcess
) -> None:
    assert bolt_bot.open_home("U0BOB") == (200, ""), bolt_bot.log()
    published(slack, 1)
    first = slack.home_view("U0BOB")
    assert first["blocks"][0]["text"]["text"] == "seen before: False"
    assert bolt_bot.open_home("U0BOB")[0] == 200
    calls = published(slack, 2)
    assert calls[1].args["hash"] == first["hash"], "the event carried the view Slack held"
    assert [v["blocks"][0]["text"]["text"] for v in slack.home_views("U0BOB")] == [
        "seen before: False",
        "seen before: True",
    ]
    assert all(call.response["ok"] for call in calls), slack.dump_calls()
    assert bolt_bot.open_home("U0BOB", tab="messages")[0] == 200
    slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls))
    assert [m["text"] for m in slack.dm_messages("U0BOB")] == ["the Messages tab"]
    assert len(slack.home_views("U0BOB")) == 2


def test_open_home_is_refused_unless_the_manifest_has_the_tab_and_the_event(
    slack: SlackStandIn, bolt_bot: BotProcess, tmp_path: Path
) -> None:
    bolt_bot.manifest_path = app_manifest(tmp_path / "no-home.yaml", home=False)
    with pytest.raises(AssertionError, match="home_tab_enabled is not true"):
        bolt_bot.open_home()
    bolt_bot.manifest_path = app_manifest(tmp_path / "no-events.yaml", events=False)
    with pytest.raises(AssertionError, match="bot_events has no app_home_opened"):
        bolt_bot.open_home()
    assert slack.calls == [], "nothing was sent"
    assert bolt_bot.open_home(force=True)[0] == 200
    published(slack, 1)


def reactions_granted(slack: SlackStandIn) -> None:
    """The install has reactions:read (the stand-in's token otherwise has the shipped scopes)."""
    slack.set_scopes(TOKEN, [*MANIFEST_SCOPES, "reactions:read"])


def logged(slack: SlackStandIn, count: int) -> list[str]:
    """Wait for the bolt app's `count`th reaction line in CLOG; the lines so far."""
    slack.wait_for(lambda _calls: len(slack.messages("CLOG")) >= count)
    return [message["text"] for message in slack.messages("CLOG")]


def test_react_sends_reaction_events_and_retries_them_unchanged(
    slack: SlackStandIn, bolt_bot: BotProcess, client: WebClient
) -> None:
    reactions_granted(slack)
    slack.add_channel("C1", is_member=True)
    ts = client.chat_postMessage(channel="C1", text="To be.")["ts"]
    assert bolt_bot.react("C1", ts, "heart", "U2", event_id="EvFIRST") == (200, "")
    [line] = logged(slack, 1)
    assert line.startswith(f"reaction_added :heart: by U2 on C1/{ts} of UBOT EvFIRST ")
    assert line.endswith(" retry=0")
    assert slack.message("C1", ts)["reactions"] == [{"name": "heart", "users": ["U2"], "count": 1}]

    assert bolt_bot.react("C1", ts, "heart", "U2", event_id="EvFIRST", retry_num=1)[0] == 200
    retried = logged(slack, 2)[1]
    assert retried == line.replace("retry=0", "retry=1"), "the same event, event_ts and all"
    assert slack.message("C1", ts)["reactions"][0]["count"] == 1, "a retry changes nothing"

    with pytest.raises(AssertionError, match="U2 already has :heart:"):
        bolt_bot.react("C1", ts, "heart", "U2")
    assert bolt_bot.react("C1", ts, "heart", "U2", added=False)[0] == 200
    removed = logged(slack, 3)[2]
    assert removed.startswith(f"reaction_removed :heart: by U2 on C1/{ts} of UBOT Ev")
    assert "reactions" not in slack.message("C1", ts)
    with pytest.raises(AssertionError, match="U2 has no :heart:"):
        bolt_bot.react("C1", ts, "heart", "U2", added=False)
    with pytest.raises(ValueError, match="event_id of that delivery"):
        bolt_bot.react("C1", ts, "heart", "U2", event_id="EvNEVER", retry_num=1)


def test_react_is_refused_from_conversations_the_bot_is_not_in(
    slack: SlackStandIn, bolt_bot: BotProcess, client: WebClient
) -> None:
    reactions_granted(slack)
    # Posted through chat:write.public without joining: people react, the bot hears nothing.
    slack.add_channel("C2", name="random")
    ts = client.chat_postMessage(channel="C2", text="To be.")["ts"]
    for channel in ("C2", "C404"):
        with pytest.raises(AssertionError, match=f"not a member of {channel}"):
            bolt_bot.react(channel, ts, "heart", "U2")
    assert slack.message("C2", ts).get("reactions") is None, "a refused reaction is not made"
    slack.add_channel("G1", name="secret", is_private=True, is_member=True)
    said = slack.add_message("G1", "hi", user="U3")
    assert bolt_bot.react("G1", said["ts"], "tada", "U2")[0] == 200
    assert f"on G1/{said['ts']} of U3 " in logged(slack, 1)[0], "the author is the item_user"
    assert bolt_bot.react("C2", ts, "heart", "U2", force=True)[0] == 200
    assert logged(slack, 2)[1].startswith("reaction_added :heart: by U2 on C2/")


def test_react_is_refused_without_the_subscription_or_the_scope(
    slack: SlackStandIn, bolt_bot: BotProcess, tmp_path: Path
) -> None:
    slack.add_channel("C1", is_member=True)
    slack.set_scopes(TOKEN, [s for s in MANIFEST_SCOPES if s != "reactions:read"])
    with pytest.raises(AssertionError, match="no bot token of T1 has reactions:read"):
        bolt_bot.react("C1", "1.2", "heart", "U2")
    reactions_granted(slack)
    bolt_bot.manifest_path = app_manifest(tmp_path / "no-events.yaml", events=False)
    with pytest.raises(AssertionError, match="bot_events has no reaction_removed"):
        bolt_bot.react("C1", "1.2", "heart", "U2", added=False)
    assert slack.calls == [], "nothing was sent"


def zone_modal(slack: SlackStandIn, client: WebClient, **select: object) -> dict:
    """A modal of U0BOB's with external selects `zone` and `bad_zone` (`select`: their extras)."""
    blocks = [
        input_block("tz", {**ZONE_SELECT, **select}),
        {
            "type": "section",
            "block_id": "bad",
            "text": plain("Other zone"),
            "accessory": {**ZONE_SELECT, "action_id": "bad_zone"},
        },
    ]
    blocks[0]["element"]["action_id"] = "zone"
    view = modal(*blocks, submit=plain("Save"))
    return client.views_open(trigger_id=slack.trigger_id("U0BOB"), view=view)["view"]


def test_suggest_loads_an_external_selects_options_from_the_bot(
    slack: SlackStandIn, bolt_bot: BotProcess, client: WebClient
) -> None:
    view = zone_modal(slack, client)
    status, answer = bolt_bot.suggest("zone", "tz", "euro", view=view)
    assert (status, [o["value"] for o in answer["options"]]) == (
        200, ["Europe/Berlin", "Europe/London"],
    )  # fmt: skip
    assert bolt_bot.suggest("zone", "tz", "Mars", view=view) == (200, {"options": []})
    with pytest.raises(AssertionError, match="shorter than the select's min_query_length"):
        bolt_bot.suggest("zone", "tz", "E", view=view)  # this select asks from 2 characters
    with pytest.raises(AssertionError, match="plain_text"):
        bolt_bot.suggest("bad_zone", "bad", "Berlin", view=view)
    everything = zone_modal(slack, client, min_query_length=0)
    assert len(bolt_bot.suggest("zone", "tz", "", view=everything)[1]["options"]) == 3


def test_suggest_posts_where_the_manifest_says_and_only_if_it_says(
    slack: SlackStandIn, bolt_bot: BotProcess, client: WebClient, tmp_path: Path
) -> None:
    view = zone_modal(slack, client)
    elsewhere = yaml.safe_load(bolt_bot.manifest_path.read_text(encoding="utf-8"))
    elsewhere["settings"]["interactivity"]["message_menu_options_url"] = "https://h/elsewhere"
    bolt_bot.manifest_path = tmp_path / "elsewhere.yaml"
    bolt_bot.manifest_path.write_text(yaml.safe_dump(elsewhere), encoding="utf-8")
    assert bolt_bot.suggest("zone", "tz", "euro", view=view)[0] == 404, (
        "the app serves no /elsewhere"
    )
    bolt_bot.manifest_path = app_manifest(tmp_path / "no-options.yaml", options=False)
    with pytest.raises(AssertionError, match="message_menu_options_url"):
        bolt_bot.suggest("zone", "tz", "euro", view=view)
    assert bolt_bot.suggest("zone", "tz", "euro", view=view, force=True)[0] == 200


# ----- tests/limits.py on views -----------------------------------------------------------------


def limit_broken(view: dict, kind: str = "modal") -> str:
    """The message of limits.check_message's AssertionError for `view`."""
    with pytest.raises(AssertionError) as excinfo:
        check_limits(view, kind)
    return str(excinfo.value)


def select(count: int, text: str = "x", value: str = "v") -> dict:
    options = [option(f"{text}{i}", f"{value}{i}") for i in range(count)]
    return input_block("pick", {"type": "static_select", "options": options})


def overflow(count: int, value: str = "v") -> dict:
    menu = {
        "type": "overflow",
        "action_id": "m",
        "options": [option("o", f"{value}{i}") for i in range(count)],
    }
    return {**SECTION, "accessory": menu}


def test_the_limits_checker_takes_the_views_the_stand_in_takes(
    slack: SlackStandIn, client: WebClient
) -> None:
    check_limits(opened(slack, client, EVERY_INPUT), "modal")
    # At each limit: options 75 / 150 characters (with their index), 100 of them, 5 in a menu.
    at_limits = modal(select(100, "x" * 73, "v" * 148), overflow(5, "v" * 149), submit=plain("Go"))
    check_limits(at_limits, "modal")
    assert client.views_open(trigger_id=slack.trigger_id(), view=at_limits)["ok"]
    check_limits(modal(overflow(2)), "modal")
    check_limits({"type": "home", "blocks": [SECTION]}, "home")
    text_input = {"type": "plain_text_input", "max_length": 3000, "initial_value": "x" * 3000}
    check_limits(modal(input_block("q", text_input), submit=plain("Go")), "modal")


@pytest.mark.parametrize(
    ("view", "complaint"),
    [
        pytest.param(
            {**modal(SECTION), "type": "home"},
            "view type is 'home': a modal view is 'modal'",
            id="type",
        ),
        pytest.param(
            modal(SECTION, title=plain("x" * 25)),
            "modal title is 25 characters: Slack takes at most 24",
            id="title-25",
        ),
        pytest.param(
            modal(SECTION, title={"type": "mrkdwn", "text": "Hi"}),
            "modal title must be plain_text",
            id="title-mrkdwn",
        ),
        pytest.param(
            modal(SECTION, private_metadata="x" * 3001),
            "private_metadata is 3,001 characters: at most 3,000",
            id="metadata-3001",
        ),
        pytest.param(
            modal(QUOTE_INPUT),
            "a modal with input blocks needs a submit button",
            id="input-without-submit",
        ),
        pytest.param(
            modal({**QUOTE_INPUT, "label": plain("x" * 2001)}, submit=plain("Go")),
            "input label is 2,001 characters: Slack takes at most 2,000",
            id="label-2001",
        ),
        pytest.param(
            modal({**QUOTE_INPUT, "hint": plain("x" * 2001)}, submit=plain("Go")),
            "input hint is 2,001 characters: Slack takes at most 2,000",
            id="hint-2001",
        ),
        pytest.param(
            modal(
                input_block("q", {"type": "plain_text_input", "max_length": 3001}),
                submit=plain("Go"),
            ),
            "plain_text_input max_length 3,001, Slack takes at most 3,000",
            id="max-length-3001",
        ),
        pytest.param(
            modal(
                input_block(
                    "q", {"type": "plain_text_input", "max_length": 5, "initial_value": "x" * 6}
                ),
                submit=plain("Go"),
            ),
            "initial_value (max_length) is 6 characters: Slack takes at most 5",
            id="initial-value-too-long",
        ),
        pytest.param(
            modal(
                input_block("q", {"type": "plain_text_input", "initial_value": "x" * 3001}),
                submit=plain("Go"),
            ),
            "initial_value (max_length) is 3,001 characters: Slack takes at most 3,000",
            id="initial-value-3001",
        ),
        pytest.param(
            modal(select(101), submit=plain("Go")),
            "101 select options, Slack takes at most 100",
            id="select-101-options",
        ),
        pytest.param(
            modal(select(1, text="x" * 75), submit=plain("Go")),
            "select option text is 76 characters: Slack takes at most 75",
            id="option-text-76",
        ),
        pytest.param(
            modal(select(1, value="v" * 150), submit=plain("Go")),
            "select option value is 151 characters: Slack takes at most 150",
            id="option-value-151",
        ),
        pytest.param(modal(overflow(1)), "1 overflow options, Slack takes 2 to 5", id="overflow-1"),
        pytest.param(modal(overflow(6)), "6 overflow options, Slack takes 2 to 5", id="overflow-6"),
        pytest.param(
            modal(overflow(2, value="v" * 150)),
            "overflow option value is 151 characters: Slack takes at most 150",
            id="overflow-value-151",
        ),
    ],
)
def test_the_limits_checker_names_each_view_limit_it_enforces(view: dict, complaint: str) -> None:
    assert complaint in limit_broken(view)


def test_the_limits_checker_checks_option_groups_and_menus_in_messages_too() -> None:
    groups = [{"label": plain("g"), "options": [option("o", "v")]}] * 101
    grouped = input_block("pick", {"type": "static_select", "option_groups": groups})
    assert "101 select option_groups, Slack takes at most 100" in limit_broken(
        modal(grouped, submit=plain("Go"))
    )
    message = {"text": "hi", "blocks": [overflow(6)]}
    assert "6 overflow options, Slack takes 2 to 5" in limit_broken(message, "message")


# ----- users.conversations ---------------------------------------------------------------------

BOTH = "public_channel,private_channel"


@pytest.fixture
def alices_channels(slack: SlackStandIn) -> SlackStandIn:
    """Alice is in five channels: two public (one the bot is in), an archived one, and two
    private ones, only one of which has the bot."""
    slack.add_user("U0ALICE", "alice")
    slack.add_channel("C1", "general", is_member=True)
    slack.add_channel("C2", "random")
    slack.add_channel("C3", "old", is_archived=True)
    slack.add_channel("G1", "secret", is_private=True, is_member=True)
    slack.add_channel("G2", "hidden", is_private=True)
    slack.add_channel("C4", "elsewhere")  # Alice is not in it
    slack.add_member("C1", "U0ALICE")
    slack.add_member("C2", "U0ALICE")
    slack.add_member("C3", "U0ALICE")
    slack.add_member("G1", "U0ALICE")
    slack.add_member("G2", "U0ALICE")
    return slack


def listed(client: WebClient, **args: object) -> list[str]:
    return [c["id"] for c in client.users_conversations(**args)["channels"]]


def test_users_conversations_shows_a_persons_private_channels_only_where_the_bot_is_too(
    alices_channels: SlackStandIn, client: WebClient
) -> None:
    assert listed(client, user="U0ALICE") == ["C1", "C2", "C3"], "public_channel by default"
    assert listed(client, user="U0ALICE", types=BOTH) == ["C1", "C2", "C3", "G1"]
    assert listed(client, user="U0ALICE", types=BOTH, exclude_archived=True) == ["C1", "C2", "G1"]
    assert listed(client, types=BOTH) == ["C1", "G1"], "without user: the bot's own"
    [general] = client.users_conversations(user="U0ALICE", types=BOTH, limit=1)["channels"]
    assert general["name"] == "general" and "is_member" not in general, "Slack omits is_member"
    alices_channels.remove_member("C2", "U0ALICE")
    assert listed(client, user="U0ALICE") == ["C1", "C3"]
    with pytest.raises(SlackApiError) as excinfo:
        client.users_conversations(user="U0NOBODY")
    assert slack_error(excinfo) == "user_not_found"


def test_users_conversations_pages_with_next_cursor_100_by_default_up_to_1000(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.add_user("U0ALICE", "alice")
    for n in range(150):
        slack.add_channel(f"C{n:03d}")
        slack.add_member(f"C{n:03d}", "U0ALICE")
    first = client.users_conversations(user="U0ALICE")
    assert len(first["channels"]) == 100 and first["response_metadata"]["next_cursor"]
    second = client.users_conversations(
        user="U0ALICE", cursor=first["response_metadata"]["next_cursor"]
    )
    assert len(second["channels"]) == 50 and second["response_metadata"]["next_cursor"] == ""
    pages = [c["id"] for c in first["channels"] + second["channels"]]
    assert pages == [f"C{n:03d}" for n in range(150)], "each channel once, in order"
    assert len(client.users_conversations(user="U0ALICE", limit=1000)["channels"]) == 150
    for limit in (0, 1001, "many"):
        with pytest.raises(SlackApiError) as excinfo:
            client.users_conversations(user="U0ALICE", limit=limit)
        assert slack_error(excinfo) == "invalid_limit", limit
    with pytest.raises(SlackApiError) as excinfo:
        client.users_conversations(user="U0ALICE", cursor="not-a-cursor")
    assert slack_error(excinfo) == "invalid_cursor"


@pytest.mark.parametrize(
    ("types", "needed"),
    [("public_channel", "channels:read"), (BOTH, "groups:read"), ("im", "im:read"),
     ("mpim", "mpim:read")],
)  # fmt: skip
def test_users_conversations_needs_the_read_scope_of_each_type_asked_for(
    alices_channels: SlackStandIn, types: str, needed: str
) -> None:
    granted = [s for s in ["chat:write", *READ, "mpim:read"] if s != needed]
    alices_channels.set_scopes(TOKEN, granted)
    client = WebClient(token=TOKEN, base_url=alices_channels.api_url)
    with pytest.raises(SlackApiError) as excinfo:
        client.users_conversations(user="U0ALICE", types=types)
    assert excinfo.value.response["error"] == "missing_scope"
    assert excinfo.value.response["needed"] == needed
    alices_channels.set_scopes(TOKEN, [*granted, needed])
    assert client.users_conversations(user="U0ALICE", types=types)["ok"]
    with pytest.raises(SlackApiError) as excinfo:
        client.users_conversations(user="U0ALICE", types="public_channel,channels")
    assert slack_error(excinfo) == "invalid_types"


def test_users_conversations_lists_the_bots_dm_with_the_person(
    alices_channels: SlackStandIn, reader: WebClient
) -> None:
    dm = reader.chat_postMessage(channel="U0ALICE", text="hi")["channel"]
    assert listed(reader, user="U0ALICE", types="im") == [dm]
    assert reader.users_conversations(user="U0ALICE", types="im")["channels"][0]["user"] == (
        "U0ALICE"
    )
