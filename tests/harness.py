"""Drive the real bot as Slack does: signed requests, Slack's payloads, a `quotebot serve` process.

The pieces, smallest first:

- `sign(body, secret)`: the headers Slack adds to every request it sends to the bot.
- `command_body`, `action_body`, `event_body`, `url_verification_body`: request bodies encoded
  the way Slack encodes them (slash commands and clicks as forms, events as JSON), plus
  `mention_event` and `message_event` for the inner events.
- `BotProcess`: `python -m bot serve` as a real subprocess on a free port, talking to a
  `SlackStandIn`; `.command()`, `.click()` and `.event()` send signed requests to it.
  With `ready="socket"` it is a Socket Mode bot: `socket_command()` and `socket_event()`
  send envelopes through the stand-in's websocket instead, and return the bot's ack.
- `check_message(message)`: what Slack would refuse (slack-sdk's Block Kit models), and
  `visible_text(message)`: everything a user can read in it.

Only the standard library talks HTTP here, so a failing test never blames a client library.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlencode

from slack_sdk.models.blocks import Block

from tests import limits
from tests.slack_standin import SlackStandIn

# The workspace the tests pretend to be. The stand-in answers auth.test for BOT_TOKEN with
# BOT_USER_ID and BOT_ID, so bolt recognises the bot's own messages by these.
BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-1-test"  # the app-level token that opens Socket Mode connections
SIGNING_SECRET = "test-signing-secret"
TEAM_ID = "T1"
APP_ID = "AQUOTEBOT"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
USER_ID = "U0ALICE"  # a user id as Slack writes them: U and upper-case letters and digits
CHANNEL_ID = "C0GENERAL"
DM_CHANNEL_ID = "D0ALICE"

FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"

Reply = tuple[int, Any]  # HTTP status, and the body (parsed when it is JSON)


# ----- signing -------------------------------------------------------------------------------


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack signs a request with: `v0=` HMAC-SHA256 of `v0:{ts}:{body}`."""
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ----- request bodies, as Slack sends them ---------------------------------------------------

_ts_counter = itertools.count(1)


def next_ts() -> str:
    """A message timestamp like Slack's (`seconds.micros`), unique within the test run."""
    return f"{int(time.time())}.{next(_ts_counter):06d}"


def new_event_id() -> str:
    return "Ev" + secrets.token_hex(5).upper()


def command_body(text: str = "", **fields: str) -> str:
    """A slash command, form-encoded (`channel_name` is "directmessage" in a DM)."""
    return urlencode(command_fields(text, **fields))


def command_fields(
    text: str = "",
    *,
    command: str = "/quote",
    response_url: str,
    user_id: str = USER_ID,
    user_name: str = "alice",
    channel_id: str = CHANNEL_ID,
    channel_name: str = "general",
    team_id: str = TEAM_ID,
    **extra: str,
) -> dict[str, str]:
    """A slash command's fields: Slack's form, or the payload of a `slash_commands` envelope."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": "standin",
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{next(_ts_counter)}.1.{secrets.token_hex(8)}",
        **extra,
    }


def find_button(message: Mapping[str, Any], action_id: str) -> tuple[dict, dict]:
    """The actions block and the button in it with this `action_id`; AssertionError if none."""
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("type") == "button" and element.get("action_id") == action_id:
                return block, element
    raise AssertionError(f"no {action_id!r} button in {json.dumps(message)[:2000]}")


def action_body(
    message: Mapping[str, Any],
    action_id: str,
    *,
    response_url: str,
    user_id: str = USER_ID,
    channel_id: str = CHANNEL_ID,
    channel_name: str = "general",
    team_id: str = TEAM_ID,
    message_ts: str | None = None,
    ephemeral: bool = True,
) -> str:
    """A click on the button `action_id` of `message`: form-encoded `payload=` JSON.

    The action is built from the button as the bot sent it (its value, block id, text).
    Slack leaves `message` out of the payload for ephemeral messages; the `container`
    says which message it was.
    """
    block, button = find_button(message, action_id)
    ts = message_ts or next_ts()
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "alice", "name": "alice", "team_id": team_id},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": f"{next(_ts_counter)}.1.{secrets.token_hex(8)}",
        "team": {"id": team_id, "domain": "standin"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block.get("block_id") or "actions",
                "text": {**button["text"], "emoji": True},
                "value": button.get("value", ""),
                "type": "button",
                "action_ts": next_ts(),
                **({"style": button["style"]} if "style" in button else {}),
            }
        ],
    }
    if not ephemeral:
        payload["message"] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": ts,
            "text": message.get("text", ""),
            "blocks": message.get("blocks", []),
        }
    return urlencode({"payload": json.dumps(payload)})


def mention_event(
    text: str,
    *,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """An `app_mention` event: someone wrote `<@UBOT> …` in a channel (or a thread)."""
    ts = ts or next_ts()
    event = {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM_ID,
        "client_msg_id": secrets.token_hex(8),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message_event(
    text: str,
    *,
    user: str = USER_ID,
    channel: str = DM_CHANNEL_ID,
    channel_type: str = "im",
    ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A `message` event (a DM to the bot by default); `extra` adds subtype, bot_id…."""
    ts = ts or next_ts()
    return {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "channel_type": channel_type,
        "event_ts": ts,
        "team": TEAM_ID,
        **extra,
    }


def event_body(
    event: Mapping[str, Any], *, event_id: str | None = None, team_id: str = TEAM_ID
) -> str:
    """The `event_callback` envelope around an event, JSON-encoded."""
    return json.dumps(event_callback(event, event_id=event_id, team_id=team_id))


def event_callback(
    event: Mapping[str, Any], *, event_id: str | None = None, team_id: str = TEAM_ID
) -> dict[str, Any]:
    """The `event_callback` around an event (the payload of a Socket Mode `events_api`)."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_hex(12),
    }


def url_verification_body(challenge: str) -> str:
    """What Slack sends once when the events URL is saved in the app's settings."""
    return json.dumps({"token": "legacy", "challenge": challenge, "type": "url_verification"})


# ----- what a user sees ----------------------------------------------------------------------


def check_message(message: Mapping[str, Any]) -> Mapping[str, Any]:
    """Fail unless Slack would show `message`: a text fallback, valid blocks; return it.

    Each block must parse as one of slack-sdk's Block Kit models, pass its
    `validate_json()` (the limits Slack enforces) and survive the round trip unchanged,
    so no key slipped in that the model does not know.
    """
    assert isinstance(message.get("text"), str), f"no text fallback: {message}"
    assert message["text"].strip(), f"empty text fallback: {message}"
    blocks = message.get("blocks") or []
    assert len(blocks) <= 50, f"{len(blocks)} blocks: Slack takes at most 50"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, f"not a Block Kit block: {block}"
        parsed.validate_json()
        assert parsed.to_dict() == block, f"block changed by slack-sdk's model: {block}"
    limits.check_message(message)  # and every limit slack-sdk's models do not check
    return message


def visible_text(message: Mapping[str, Any]) -> str:
    """Every piece of text a user can read in a message: the fallback and each text object."""
    texts = [str(message.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                texts.append(node["text"])
            for key, value in node.items():
                if key != "value":  # button values are data, never shown
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    return "\n".join(texts)


def blocks_of(message: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    """The blocks of one type (`section`, `context`, `actions`…), in order."""
    return [block for block in message.get("blocks") or [] if block.get("type") == kind]


def section_texts(message: Mapping[str, Any]) -> list[str]:
    return [block["text"]["text"] for block in blocks_of(message, "section")]


def context_text(message: Mapping[str, Any]) -> str:
    return "\n".join(
        element.get("text", "")
        for block in blocks_of(message, "context")
        for element in block["elements"]
    )


def button_labels(message: Mapping[str, Any]) -> list[str]:
    return [
        element["text"]["text"]
        for block in blocks_of(message, "actions")
        for element in block["elements"]
    ]


# ----- the bot process -----------------------------------------------------------------------


def bot_environment(folder: Path, slack: SlackStandIn, **overrides: str | None) -> dict[str, str]:
    """The environment of a bot wired to `slack`, with its files in `folder`.

    Built from nothing rather than from os.environ, so a developer's own SLACK_* variables
    never leak in. An override of None removes that variable.
    """
    config = folder / "quotebot.yaml"
    if not config.exists():
        config.write_text("timezone: UTC\ndaily: []\n", encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "PORT": str(free_port()),
        "DATABASE_URL": f"sqlite:///{folder / 'quotebot.sqlite3'}",
        "QUOTEBOT_CONFIG": str(config),
        "QUOTEBOT_LOG_LEVEL": "DEBUG",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_cli(
    *args: str, env: Mapping[str, str], cwd: Path, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` to completion; stdout and stderr captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def listening_ports(pid: int) -> list[int]:
    """The TCP ports process `pid` listens on (Linux: its socket fds matched in /proc/net)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # an fd closed meanwhile
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return sorted(ports)


class BotProcess:
    """`python -m bot serve` (or other `args`, or another `command`) as a process.

    Its output goes to `cwd/bot.log`; `log()` returns it, for assertion messages. Use it
    as a context manager: the process is always stopped, killed if it must be.

    `ready` says when it has started: "healthz" (HTTP mode) once GET /healthz answers 200,
    "socket" (Socket Mode) once it has opened a new connection to the stand-in `slack`,
    "spawned" as soon as the process is there (for tests of what comes before ready).
    """

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        cwd: Path,
        slack: SlackStandIn | None = None,
        args: tuple[str, ...] = ("serve",),
        command: Sequence[str] | None = None,
        secret: str | None = None,
        ready: str = "healthz",
    ) -> None:
        if ready not in ("healthz", "socket", "spawned") or (ready == "socket" and not slack):
            raise ValueError('ready is "healthz", "spawned", or "socket" with a SlackStandIn')
        self.ready = ready
        self.command_line = list(command or [sys.executable, "-m", "bot", *args])
        self.env = dict(env)
        self.cwd = cwd
        self.slack = slack
        self.secret = secret or self.env.get("SLACK_SIGNING_SECRET") or ""
        self.port = int(self.env.get("PORT") or 3000)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = cwd / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None
        self._log_from = 0

    # --- lifecycle ---

    def start(self, *, timeout: float = 20) -> Self:
        """Start the process and wait until it is ready (see the class docstring)."""
        self.mark_log()
        sockets_before = self.slack.sockets_opened if self.slack else 0
        self._log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command_line,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"bot exited with {self.process.returncode} before it was ready:\n{self.log()}"
                )
            if self._ready(sockets_before):
                return self
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"bot not ready within {timeout}s:\n{self.log()}")
            time.sleep(0.02)

    def _ready(self, sockets_before: int) -> bool:
        if self.ready == "spawned":
            return True
        if self.ready == "socket":
            assert self.slack is not None
            return any(number > sockets_before for number in self.slack.open_sockets)
        try:
            return self.get("/healthz", timeout=1)[0] == 200
        except OSError:
            return False

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        """Send `sig` and wait for the exit code; kill and fail if it takes over `timeout` s."""
        assert self.process is not None, "bot not started"
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(
                    f"bot still running {timeout}s after signal {sig}:\n{self.log()}"
                ) from None
        self._close_log()
        return self.process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(AssertionError):  # it was killed; the test says more
                self.stop()
        self._close_log()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def mark_log(self) -> None:
        """From now on, `log()` shows only what comes after this point (one test's part)."""
        self._log_from = self.log_path.stat().st_size if self.log_path.exists() else 0

    def wait_for_log(self, text: str, timeout: float = 10) -> str:
        """Wait until `text` shows in `log()`; the log. AssertionError with the log if not."""
        deadline = time.monotonic() + timeout
        while text not in (log := self.log()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not logged within {timeout}s:\n{log}")
            time.sleep(0.02)
        return log

    def log(self) -> str:
        """What the process wrote (stdout and stderr) since it started, or since `mark_log()`."""
        try:
            with self.log_path.open("rb") as file:
                file.seek(self._log_from)
                return file.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"

    # --- HTTP ---

    def get(self, path: str, *, timeout: float = 10) -> Reply:
        return self._send(urllib.request.Request(self.url + path), timeout)

    def post(
        self,
        body: str,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        *,
        signed: bool = True,
        path: str = "/slack/events",
        timeout: float = 10,
    ) -> Reply:
        """POST `body` to the bot, signed with its secret unless `signed=False`.

        `headers` are added last, so a test can replace the signature or the timestamp.
        """
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers.update(sign(body, self.secret))
        all_headers.update(headers or {})
        request = urllib.request.Request(
            self.url + path, data=body.encode(), headers=all_headers, method="POST"
        )
        return self._send(request, timeout)

    def command(self, text: str = "", **fields: str) -> Reply:
        """Type `/quote TEXT` (fields override the form: channel_id, user_id…)."""
        fields.setdefault("response_url", self._response_url("command"))
        return self.post(command_body(text, **fields), FORM)

    def click(self, message: Mapping[str, Any], action_id: str, **fields: Any) -> Reply:
        """Click the button `action_id` on `message`, a message the bot sent."""
        fields.setdefault("response_url", self._response_url(action_id))
        return self.post(action_body(message, action_id, **fields), FORM)

    def event(
        self, event: Mapping[str, Any], *, event_id: str | None = None, retry: int = 0
    ) -> Reply:
        """Deliver an event; `retry=N` sends it as Slack's Nth retry of `event_id`."""
        headers = {}
        if retry:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(event_body(event, event_id=event_id), JSON_TYPE, headers)

    # --- Socket Mode (ready="socket"): envelopes through the stand-in, answered by acks ---

    def socket_command(self, text: str = "", **fields: str) -> dict[str, Any]:
        """Type `/quote TEXT` as a `slash_commands` envelope; the bot's ack (`payload`: answer)."""
        fields.setdefault("response_url", self._response_url("command"))
        return self._socket_round_trip("slash_commands", command_fields(text, **fields))

    def socket_event(
        self, event: Mapping[str, Any], *, event_id: str | None = None, retry: int = 0
    ) -> dict[str, Any]:
        """Deliver an event as an `events_api` envelope (`retry=N`: Slack's Nth retry); the ack."""
        payload = event_callback(event, event_id=event_id)
        reason = "timeout" if retry else ""
        return self._socket_round_trip(
            "events_api", payload, retry_attempt=retry, retry_reason=reason
        )

    def _socket_round_trip(self, kind: str, payload: dict[str, Any], **options: Any) -> dict:
        assert self.slack is not None, "a Socket Mode bot needs its SlackStandIn"
        envelope_id = self.slack.socket_send(kind, payload, **options)
        try:
            return self.slack.socket_ack(envelope_id, timeout=10)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.log()}") from None

    def _response_url(self, name: str) -> str:
        if self.slack is None:
            raise ValueError("pass response_url=…, or give the BotProcess a SlackStandIn")
        return self.slack.response_url(name)

    @staticmethod
    def _send(request: urllib.request.Request, timeout: float) -> Reply:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, content_type, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, content_type, raw = error.code, error.headers, error.read()
        text = raw.decode("utf-8", errors="replace")
        if (content_type.get_content_type() or "") == JSON_TYPE and text:
            return status, json.loads(text)
        return status, text
