"""The Slack stand-in, driven through slack-sdk's own clients, must behave like Slack."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web import WebClient
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient

from tests.slack_standin import DEFAULT_SCOPE, SlackStandIn

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
