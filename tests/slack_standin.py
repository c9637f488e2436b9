"""A stand-in for Slack's Web API and response_urls, for tests and benchmarks.

The real bot (slack-sdk clients with ``base_url=standin.api_url``) talks to this server exactly
as it talks to Slack, so tests exercise the real HTTP path: auth, Slack's ``ok: false`` errors,
429s with ``Retry-After``, 5xx, channel membership, history with metadata, permalinks, DMs
opened by user id, OAuth installs, people (``users.info``) and conversations
(``conversations.info``) as the token's scopes let it see them, people's reactions on
messages, and modals and Home tabs (``views.open`` with single-use trigger ids,
``views.update``, ``views.publish``), validated as Slack validates them.
It also speaks Socket Mode: ``apps.connections.open`` hands out a ``ws://`` URL, and the test
sends envelopes down that websocket (``socket_send``) and reads the bot's acks (``socket_ack``).

The server is aiohttp running in a background thread with its own event loop, so synchronous
tests can use it and a bot under test may run in the same process or in another one. All state
is guarded by one lock: requests are processed synchronously under it, and the test thread
reads copies.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import copy
import dataclasses
import json
import math
import secrets
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from aiohttp import WSCloseCode, WSMsgType, web
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

JSON = dict[str, Any]

MAX_BLOCKS = 50
MAX_TEXT_CHARS = 40_000
RESPONSE_URL_MAX_USES = 5  # Slack: up to 5 posts per response_url
# What the shipped manifest grants, so a default token behaves like a real install; it is also
# what oauth.v2.access reports. Tests give a token fewer with ``scopes=`` or ``set_scopes``.
MANIFEST = Path(__file__).resolve().parents[1] / "config" / "manifest.yaml"
DEFAULT_SCOPE = ",".join(
    yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))["oauth_config"]["scopes"]["bot"]
)
TIER3_METHODS = frozenset({"conversations.join", "conversations.history", "conversations.replies"})
METHOD_SCOPES = {"users.info": "users:read", "usergroups.users.list": "usergroups:read"}
# conversations.info needs the scope of the kind of conversation asked about.
READ_SCOPES = {"public": "channels:read", "private": "groups:read", "im": "im:read"}
DEFAULT_TZ = "America/Los_Angeles"  # what Slack's users.info shows for a user who set none
TRIGGER_SECONDS = 3.0  # Slack: a trigger_id opens one view, within 3 seconds of the click
MAX_VIEW_BLOCKS = 100  # in a modal or a Home tab
VIEW_TEXT_CHARS = 24  # a modal's title, submit and close
PRIVATE_METADATA_CHARS = 3000
VIEW_ID_CHARS = 255  # callback_id and external_id
PERMALINK_BASE = "https://standin.slack.com/archives/"
VIEW_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class Call:
    """One request as the stand-in saw and answered it (``at`` is ``time.monotonic()``)."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int
    response: dict[str, Any]


@dataclass
class Channel:
    """What the stand-in knows about a conversation, seen from the bot's side."""

    id: str
    name: str
    is_private: bool = False
    is_member: bool = False
    is_archived: bool = False
    team: str | None = None
    user: str | None = None  # a DM's other person


class SlackError(Exception):
    """Raised by method handlers to answer ``{"ok": false, "error": ...}`` with HTTP 200.

    ``messages`` go in ``response_metadata.messages``, where Slack says what was wrong with
    ``invalid_arguments`` (``"[ERROR] … [json-pointer:/view/title/text]"``); ``fields`` go
    in the answer beside the error (``missing_scope``'s ``needed`` and ``provided``).
    """

    def __init__(self, error: str, messages: list[str] | None = None, **fields: Any) -> None:
        super().__init__(error)
        self.messages = list(messages or [])
        self.fields = fields


@dataclass(frozen=True)
class _Answer:
    status: int
    body: JSON
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def error(cls, error: str, status: int = 200, **headers: str) -> _Answer:
        return cls(status, {"ok": False, "error": error}, headers)


@dataclass
class _Fault:
    method: str
    error: str
    status: int
    retry_after: int | None  # not None: answer 429 with this Retry-After
    channel: str | None
    remaining: int | None  # None: forever
    delay: float
    after_effect: bool = False  # the call takes effect, then the answer is the error

    def matches(self, method: str, args: JSON) -> bool:
        if self.method != method or self.remaining == 0:
            return False
        return self.channel is None or args.get("channel") == self.channel

    @property
    def slow_success(self) -> bool:
        """Only a delay: process the call, answer late (a timeout after Slack posted)."""
        return not self.error and self.status == 200 and self.retry_after is None

    def answer(self) -> _Answer:
        if self.retry_after is not None:
            answer = _Answer.error("ratelimited", 429, **{"Retry-After": str(self.retry_after)})
        else:
            answer = _Answer.error(self.error, self.status)
        return dataclasses.replace(answer, delay=self.delay)


@dataclass(frozen=True)
class _Request:
    method: str
    args: JSON
    token: str | None
    team: str | None
    basic: tuple[str, str] | None  # HTTP Basic client credentials (oauth.v2.access)


@dataclass
class _Trigger:
    """A trigger id handed out with an interaction: who clicked, until when, used or not."""

    user: str | None
    team: str | None  # None: any workspace's bot token may use it
    expires: float  # time.monotonic()
    used: bool = False


@dataclass
class _Socket:
    """One open Socket Mode connection (numbered from 1 in the order they opened)."""

    number: int
    ws: web.WebSocketResponse
    token: str
    closed_by: str = "client"  # or "standin", when the stand-in stops


class _TokenBucket:
    """``burst`` posts at once, then one every ``1 / rate`` seconds; starts full."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.updated = float(burst), now

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0.0 when one is available now)."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class _RateLimits:
    """chat.postMessage limits: one bucket per (team, channel) and one per team."""

    def __init__(
        self,
        channel_rate: float | None,
        channel_burst: int | None,
        team_rate: float | None,
        team_burst: int | None,
    ) -> None:
        self.channel_rate, self.team_rate = channel_rate, team_rate
        self.channel_burst = channel_burst or max(1, math.ceil(channel_rate or 1))
        self.team_burst = team_burst or max(1, math.ceil(team_rate or 1))
        self._buckets: dict[tuple[str, ...], _TokenBucket] = {}

    def reset(self) -> None:
        self._buckets.clear()

    def _bucket(self, key: tuple[str, ...], rate: float, burst: int, now: float) -> _TokenBucket:
        if key not in self._buckets:
            self._buckets[key] = _TokenBucket(rate, burst, now)
        return self._buckets[key]

    def acquire(self, team: str, channel: str, now: float) -> float:
        """Take a post from every bucket, or none; return 0.0 or the seconds to wait."""
        buckets = []
        if self.channel_rate:
            key = ("channel", team, channel)
            buckets.append(self._bucket(key, self.channel_rate, self.channel_burst, now))
        if self.team_rate:
            buckets.append(self._bucket(("team", team), self.team_rate, self.team_burst, now))
        wait = max((bucket.wait(now) for bucket in buckets), default=0.0)
        if wait == 0.0:
            for bucket in buckets:
                bucket.tokens -= 1
        return wait

    def minimum_seconds(self, n_posts: int, n_channels: int) -> float:
        """Shortest first-to-last-post time the limits allow, starting with full buckets."""
        if n_posts <= 0:
            return 0.0
        seconds = 0.0
        if self.channel_rate:
            per_channel = math.ceil(n_posts / max(1, n_channels))
            seconds = max(seconds, (per_channel - self.channel_burst) / self.channel_rate)
        if self.team_rate:
            seconds = max(seconds, (n_posts - self.team_burst) / self.team_rate)
        return seconds


class SlackStandIn:
    """An HTTP server on 127.0.0.1 that answers like Slack's Web API (see module docstring)."""

    def __init__(
        self,
        tokens: dict[str, str] | None = None,
        *,
        app_tokens: dict[str, str] | None = None,
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        strict_channels: bool = False,
        chat_write_public: bool | None = None,
        per_channel_rate: float | None = None,
        per_channel_burst: int | None = None,
        workspace_rate: float | None = None,
        workspace_burst: int | None = None,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        scopes: dict[str, str] | None = None,
        tier3_rate: float | None = None,
        tier3_burst: int = 50,
    ) -> None:
        self.tokens: dict[str, str] = dict(tokens or {})  # token -> team_id
        self.app_tokens: dict[str, str] = dict(app_tokens or {})  # xapp- token -> team_id
        self.bot_user_id, self.bot_id = bot_user_id, bot_id
        self.strict_channels = strict_channels
        # The scope lets bots post in public channels without joining; granted by default,
        # as the shipped manifest asks for it.
        if chat_write_public is None:
            chat_write_public = "chat:write.public" in DEFAULT_SCOPE.split(",")
        self.chat_write_public = chat_write_public
        self.latency = latency
        self.host, self.port = host, port
        self.client_id, self.client_secret, self.app_id = "1111.2222", "standin-secret", "ASTANDIN"
        self.oauth_codes: dict[str, JSON] = {}
        self.ratelimited_count = 0
        self.base_url = ""
        self._limits = None
        if per_channel_rate or workspace_rate:
            self._limits = _RateLimits(
                per_channel_rate, per_channel_burst, workspace_rate, workspace_burst
            )
        # Tier 3 methods (conversations.join, conversations.history): Slack allows "50+ per
        # minute" per workspace, in bursts. Off unless asked for (tier3_rate in calls per
        # second): the tests that need it set a rate they can wait for.
        self._tier3 = (
            _RateLimits(None, None, tier3_rate, tier3_burst) if tier3_rate is not None else None
        )
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._channels: dict[str, Channel] = {}
        self._messages: dict[str, list[JSON]] = {}
        self._response_urls: dict[str, list[Any]] = {}  # id -> [name, uses]
        self._bot_users: dict[str, str] = {}  # token -> bot user id, for OAuth installs
        self._team_names: dict[str, str] = {}
        self._socket_urls: dict[str, str] = {}  # id in a socket URL -> the app token it is for
        self._sockets: list[_Socket] = []  # open and greeted with hello, oldest first
        self.sockets_opened = 0  # Socket Mode connections so far (each one's number)
        self._last_ts_us = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._methods: dict[str, Callable[[_Request], JSON]] = {
            "apps.connections.open": self._apps_connections_open,
            "auth.test": self._auth_test,
            "chat.getPermalink": self._chat_get_permalink,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "conversations.join": self._conversations_join,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.info": self._conversations_info,
            "oauth.v2.access": self._oauth_v2_access,
            "users.info": self._users_info,
            "users.conversations": self._users_conversations,
            "usergroups.users.list": self._usergroups_users_list,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "views.update": self._views_update,
        }
        self._init_directory(scopes)
        self._init_views()
        self._init_memberships()

    # ----- lifecycle -------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        """Start serving in a background thread; return once the port is bound."""
        if self._thread is not None:
            raise RuntimeError("SlackStandIn already started")
        ready: Future[str] = Future()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="slack-standin", daemon=True
        )
        self._thread.start()
        try:
            self.base_url = ready.result(timeout=10)
        except BaseException:
            self._thread.join(timeout=10)
            self._thread = None
            raise
        return self

    def stop(self) -> None:
        """Stop the server, close its connections and join the thread (idempotent)."""
        if self._thread is None:
            return
        if self._thread.is_alive() and self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)
        if self._thread.is_alive():
            raise RuntimeError("SlackStandIn server thread did not stop")
        self._thread = self._loop = self._stop = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self, ready: Future[str]) -> None:
        try:
            asyncio.run(self._serve(ready))
        except BaseException as exc:  # startup failures go to start(); nothing else raises
            if not ready.done():
                ready.set_exception(exc)

    async def _serve(self, ready: Future[str]) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{rid}", self._handle_response_url)
        app.router.add_get("/_standin/calls", self._handle_dump)
        app.router.add_get("/socket/{sid}", self._handle_socket)
        app.on_shutdown.append(self._close_sockets)
        # shutdown_timeout bounds how long stop() waits for answers delayed by fail(delay=...).
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
            host, port = runner.addresses[0][:2]
            ready.set_result(f"http://{host}:{port}")
            await self._stop.wait()
        finally:
            await runner.cleanup()

    # ----- public test API -------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def messages(self, channel: str) -> list[JSON]:
        """Messages posted to ``channel``, oldest first (copies)."""
        with self._lock:
            return copy.deepcopy(self._messages.get(channel, []))

    def dm_messages(self, user_id: str) -> list[JSON]:
        """What the bot posted in its DM with ``user_id`` (``chat.postMessage(channel=U…)``)."""
        return self.messages(dm_id(user_id))

    def message(self, channel: str, ts: str) -> JSON | None:
        """The message ``ts`` in ``channel`` as it is now (a copy: its blocks, metadata,
        reactions), or None: say, the ``ts`` of a post found with ``messages(channel)``.
        """
        with self._lock:
            found = self._find_message(channel, ts)
            return copy.deepcopy(found) if found else None

    def react(self, channel: str, ts: str, reaction: str, user: str, *, added: bool = True) -> bool:
        """``user`` adds (or takes back) an emoji on a message, as people do in Slack.

        The message's ``reactions`` change as ``conversations.history`` shows them (name,
        users, count). False, changing nothing, when Slack would do nothing: a reaction the
        user already has there, or one they do not have. The event that Slack sends the
        bot is the harness's to send (``BotProcess.react``). KeyError for an unknown message.
        """
        with self._lock:
            message = self._find_message(channel, ts)
            if message is None:
                raise KeyError(f"no message {ts} in {channel}")
            reactions: list[JSON] = message.get("reactions", [])
            entry = next((r for r in reactions if r["name"] == reaction), None)
            users = list(entry["users"]) if entry else []
            if added == (user in users):
                return False
            users = [*users, user] if added else [u for u in users if u != user]
            others = [r for r in reactions if r["name"] != reaction]
            if users:  # a new emoji goes last; one already there keeps its place
                mine = {"name": reaction, "users": users, "count": len(users)}
                at = reactions.index(entry) if entry else len(others)
                others.insert(at, mine)
            if others:
                message["reactions"] = others
            else:
                message.pop("reactions", None)  # Slack leaves the field out when there are none
            return True

    def _find_message(self, channel: str, ts: str) -> JSON | None:
        return next((m for m in self._messages.get(channel, []) if m["ts"] == ts), None)

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str,
        ts: str | None = None,
        blocks: list[JSON] | None = None,
        team: str | None = None,
    ) -> JSON:
        """Put a person's message in ``channel``, as if ``user`` had written it there.

        It exists for ``conversations.history`` and ``chat.getPermalink`` as the bot's own
        posts do. Returns it as Slack sends it in a ``message_action`` payload: type, user,
        ts, text, team, and blocks if any. ``ts`` defaults to a new one, later than every
        other; ``team`` to the channel's, else the first bot token's workspace.
        """
        with self._lock:
            if ts is None:
                ts = self._next_ts()
            else:
                self._last_ts_us = max(self._last_ts_us, int(Decimal(ts) * 1_000_000))
            known = self._channels.get(channel)
            team = team or (known.team if known else None) or next(iter(self.tokens.values()), None)
            message: JSON = {"type": "message", "user": user, "ts": ts, "text": text}
            if team:
                message["team"] = team
            if blocks:
                message["blocks"] = copy.deepcopy(blocks)
            messages = self._messages.setdefault(channel, [])
            if any(m["ts"] == ts for m in messages):
                raise ValueError(f"{channel} already has a message with ts {ts}")
            messages.append(message)
            messages.sort(key=lambda m: Decimal(m["ts"]))  # history is kept oldest first
            return copy.deepcopy(message)

    def channel(self, channel_id: str) -> Channel | None:
        """What the stand-in knows of a conversation (a copy), or None if it never saw it."""
        with self._lock:
            known = self._channels.get(channel_id)
            return dataclasses.replace(known) if known else None

    def wait_for(
        self, predicate: Callable[[list[Call]], bool], timeout: float = 5.0, interval: float = 0.01
    ) -> list[Call]:
        """Poll until ``predicate(calls)`` is true and return the calls; AssertionError if not."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self.calls
            if predicate(calls):
                return calls
            if time.monotonic() >= deadline:
                raise AssertionError(f"not true within {timeout}s; calls:\n{self.dump_calls()}")
            time.sleep(interval)

    def dump_calls(self) -> str:
        """One line per call, for assertion messages."""
        calls = self.calls
        t0 = calls[0].at if calls else 0.0
        lines = [
            f"{c.at - t0:8.3f}s {c.method} {c.status} "
            f"{'ok' if c.response.get('ok') else c.response.get('error')} {c.args!r:.200}"
            for c in calls
        ]
        return "\n".join(lines) or "(no calls)"

    def fail(
        self,
        method: str,
        error: str | None = None,
        *,
        status: int = 200,
        ratelimited: bool = False,
        retry_after: int = 1,
        channel: str | None = None,
        times: int | None = 1,
        delay: float = 0.0,
        after_effect: bool = False,
    ) -> None:
        """Make the next ``times`` matching calls fail (``times=None``: all of them).

        ``error`` with status 200 is Slack's usual ``ok: false``; ``status`` >= 500 answers that
        status (error defaults to ``internal_error``); ``ratelimited`` answers 429 with
        ``Retry-After``. ``delay`` holds the answer back that long; with no error and status 200
        the call is then processed normally, which simulates a client timeout after Slack
        posted. ``after_effect`` processes the call (the message is posted) and then answers
        the error anyway: Slack took it, but the bot hears a 500. Faults apply after the
        auth check, in the order they were added.
        """
        if error is None and status == 200 and not ratelimited and not delay:
            raise ValueError("fail() needs error, status, ratelimited or delay")
        default = "internal_error" if status >= 500 else ""
        fault = _Fault(
            method,
            error or default,
            status,
            retry_after if ratelimited else None,
            channel,
            times,
            delay,
            after_effect,
        )
        with self._lock:
            self._faults.append(fault)

    def reset(self) -> None:
        """Forget calls, faults, the 429 count, rate-limit buckets, trigger ids and views.

        Channels and messages stay. Views go, so tests sharing a stand-in never find each
        other's modals with ``wait_for_view``.
        """
        with self._lock:
            self._calls.clear()
            self._faults.clear()
            self.ratelimited_count = 0
            for limits in (self._limits, self._tier3):
                if limits:
                    limits.reset()
            self._init_views()

    def revoke(self, token: str) -> None:
        with self._lock:
            self.tokens.pop(token, None)

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        is_private: bool = False,
        is_member: bool = False,
        is_archived: bool = False,
        team: str | None = None,
    ) -> Channel:
        """A conversation; ``is_member``: the bot joined it or someone invited it.

        A ``D…`` id is a DM: with ``is_member``, the bot's own DM with someone; without, a
        DM between other people that the bot cannot see.
        """
        channel = Channel(
            channel_id, name or channel_id.lower(), is_private, is_member, is_archived, team
        )
        with self._lock:
            self._channels[channel_id] = channel
        return channel

    def response_url(self, name: str | None = None) -> str:
        """A fresh response_url; posts to it are recorded as ``response_url`` calls."""
        rid = secrets.token_urlsafe(9)
        with self._lock:
            self._response_urls[rid] = [name or rid, 0]
        return f"{self.base_url}/response/{rid}"

    # ----- Socket Mode (the test plays Slack's side of the websocket) ------------------------

    def socket_connected(self, timeout: float = 5.0, *, after: int = 0) -> int:
        """Wait until a client has connected and had its ``hello``; that connection's number.

        ``after=N`` waits for a connection newer than the Nth (``sockets_opened`` before a
        client starts), so a connection closing just then is not taken for the new one.
        """
        open_now = self._poll(
            lambda: [n for n in self._open_sockets() if n > after], timeout, "no client"
        )
        return open_now[-1]

    @property
    def open_sockets(self) -> list[int]:
        """The numbers of the connections open now (and greeted with hello), oldest first."""
        with self._lock:
            return self._open_sockets()

    def _open_sockets(self) -> list[int]:
        return [socket.number for socket in self._sockets]

    def socket_send(
        self,
        envelope_type: str,
        payload: JSON,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
    ) -> str:
        """Send an envelope to the newest connection, as Slack does; return its ``envelope_id``.

        ``envelope_type`` is ``slash_commands``, ``events_api`` or ``interactive``;
        ``payload`` is what Slack would POST in HTTP mode, as JSON. Only events carry
        ``retry_attempt`` and ``retry_reason``. Recorded as a ``socket.send`` call.
        """
        envelope: JSON = {
            "envelope_id": str(uuid.uuid4()),
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": (
                envelope_type != "events_api"
                if accepts_response_payload is None
                else accepts_response_payload
            ),
        }
        if envelope_type == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        with self._lock:
            if not self._sockets or self._loop is None:
                raise AssertionError("no Socket Mode client is connected")
            socket = self._sockets[-1]
            self._record_socket("socket.send", envelope, socket)
        asyncio.run_coroutine_threadsafe(socket.ws.send_json(envelope), self._loop).result(5)
        return envelope["envelope_id"]

    def socket_ack(self, envelope_id: str, timeout: float = 5.0) -> JSON:
        """Wait for the client's ack of an envelope: ``{"envelope_id", "payload"?}``."""
        acks = self._poll(
            lambda: [
                c.args
                for c in self._calls
                if c.method == "socket.ack" and c.args.get("envelope_id") == envelope_id
            ],
            timeout,
            f"no ack for envelope {envelope_id}",
        )
        return copy.deepcopy(acks[0])

    def _poll(self, found: Callable[[], list[Any]], timeout: float, what: str) -> list[Any]:
        """Call ``found()`` under the lock until it is not empty; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                result = found()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise AssertionError(f"{what} within {timeout}s; calls:\n{self.dump_calls()}")
            time.sleep(0.01)

    def minimum_seconds(self, n_posts: int, n_channels: int) -> float:
        """Shortest time the configured limits allow for ``n_posts`` over ``n_channels``.

        Posts are spread evenly (one per channel when equal); measured from the first post
        to the last one, with full buckets at the start. 0.0 without limits.
        """
        return self._limits.minimum_seconds(n_posts, n_channels) if self._limits else 0.0

    # ----- HTTP handlers (server thread) -----------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args, body_ok = await _read_args(request)
        form_token = args.pop("token", None)  # recorded separately, as Call.token
        token = _bearer(request) or form_token
        if self.latency:
            await asyncio.sleep(self.latency)
        with self._lock:
            if body_ok:
                answer = self._answer_api(
                    _Request(method, args, token, self.tokens.get(token or ""), _basic(request))
                )
            else:
                answer = _Answer.error("invalid_json")
            self._record(method, args, token, answer)
        return await _send(answer)

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if self.latency:
            await asyncio.sleep(self.latency)
        with self._lock:
            entry = self._response_urls.get(request.match_info["rid"])
            args = {**(body if isinstance(body, dict) else {}), "name": entry and entry[0]}
            fault = self._take_fault("response_url", args)
            if fault:
                answer = fault.answer()
            elif entry is None:
                answer = _Answer.error("unknown_response_url", 404)
            elif not isinstance(body, dict):
                answer = _Answer.error("invalid_payload", 400)
            elif entry[1] >= RESPONSE_URL_MAX_USES:
                answer = _Answer.error("used_url", 404)
            else:
                try:
                    # A message posted here is checked as chat.postMessage checks one, and
                    # refused with HTTP 200 and ok: false (invalid_blocks, msg_too_long,
                    # no_text): a client that looks only at the status thinks it was posted.
                    if not body.get("delete_original"):
                        self._message_content(body)
                except SlackError as error:
                    answer = _Answer.error(str(error))
                else:
                    entry[1] += 1
                    answer = _Answer(200, {"ok": True})
            self._record("response_url", args, None, answer)
        return await _send(answer)

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        """A Socket Mode connection: ``hello``, then record what the client sends until it closes.

        aiohttp answers the client's pings with pongs. Calls recorded: ``socket.hello`` (args:
        the hello), ``socket.ack`` (args: the client's ack), ``socket.message`` (anything
        else, as ``{"data": ...}``) and ``socket.close`` (``{"by": "client" or "standin"}``).
        """
        with self._lock:
            token = self._socket_urls.get(request.match_info["sid"])
        if token is None:
            return web.json_response({"ok": False, "error": "invalid_socket_url"}, status=404)
        ws = web.WebSocketResponse(timeout=2.0)  # timeout: for the client's close reply
        await ws.prepare(request)
        with self._lock:
            self.sockets_opened += 1
            socket = _Socket(self.sockets_opened, ws, token)
            hello = {
                "type": "hello",
                "num_connections": len(self._sockets) + 1,
                "debug_info": {
                    "host": "applink-standin",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
        await ws.send_json(hello)
        with self._lock:
            self._sockets.append(socket)
            self._record_socket("socket.hello", hello, socket)
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._socket_message(socket, message.data)
        finally:
            with self._lock:
                self._sockets.remove(socket)
                self._record_socket("socket.close", {"by": socket.closed_by}, socket)
        return ws

    def _socket_message(self, socket: _Socket, data: str) -> None:
        """Record what a client sent: an ack (it names an envelope) or something else."""
        try:
            message = json.loads(data)
        except ValueError:
            message = None
        with self._lock:
            if isinstance(message, dict) and isinstance(message.get("envelope_id"), str):
                self._record_socket("socket.ack", message, socket)
            else:
                self._record_socket("socket.message", {"data": data}, socket)

    async def _close_sockets(self, _app: web.Application) -> None:
        """On stop: close each websocket with a close frame, as Slack does when it goes away."""
        with self._lock:
            sockets = list(self._sockets)
        for socket in sockets:
            socket.closed_by = "standin"
            await socket.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    async def _handle_dump(self, request: web.Request) -> web.StreamResponse:
        """For benchmarks running the CLI in another process."""
        calls = [dataclasses.asdict(call) for call in self.calls]
        return web.json_response({"calls": calls, "ratelimited_count": self.ratelimited_count})

    # ----- request processing (under the lock) -----------------------------------------------

    def _answer_api(self, req: _Request) -> _Answer:
        if req.method != "oauth.v2.access":
            if not req.token:
                return _Answer.error("not_authed")
            # An app-level token (xapp-) opens sockets and does nothing else; bot tokens never.
            app_level = req.method == "apps.connections.open"
            if req.token in (self.tokens if app_level else self.app_tokens):
                return _Answer.error("not_allowed_token_type")
            if (self.app_tokens.get(req.token) if app_level else req.team) is None:
                return _Answer.error("invalid_auth")
        if (missing_scope := self._missing_scope(req)) is not None:
            return missing_scope
        fault = self._take_fault(req.method, req.args)
        if fault and fault.slow_success:
            return dataclasses.replace(self._dispatch(req), delay=fault.delay)
        if fault and fault.after_effect:
            self._dispatch(req)  # it happened; the bot is told otherwise
        if fault:
            return fault.answer()
        if req.method in TIER3_METHODS and self._tier3 and req.team:
            wait = self._tier3.acquire(req.team, "", time.monotonic())
            if wait:
                return _Answer.error("ratelimited", 429, **{"Retry-After": str(math.ceil(wait))})
        if req.method == "chat.postMessage" and self._limits and req.team:
            wait = self._limits.acquire(req.team, str(req.args.get("channel")), time.monotonic())
            if wait:
                return _Answer.error("ratelimited", 429, **{"Retry-After": str(math.ceil(wait))})
        return self._dispatch(req)

    def _dispatch(self, req: _Request) -> _Answer:
        handler = self._methods.get(req.method)
        if handler is None:
            return _Answer.error("unknown_method")
        try:
            return _Answer(200, {"ok": True, **handler(req)})
        except SlackError as exc:
            answer = _Answer.error(str(exc))
            answer.body.update(exc.fields)
            if exc.messages:
                answer.body["response_metadata"] = {"messages": exc.messages}
            return answer

    def _take_fault(self, method: str, args: JSON) -> _Fault | None:
        for fault in self._faults:
            if fault.matches(method, args):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def _record(self, method: str, args: JSON, token: str | None, answer: _Answer) -> None:
        """Record at processing time, so ``calls`` is in ``at`` order even with delays."""
        if answer.status == 429:
            self.ratelimited_count += 1
        call = Call(method, args, token, time.monotonic(), answer.status, answer.body)
        self._calls.append(call)

    def _record_socket(self, method: str, args: JSON, socket: _Socket) -> None:
        self._record(method, args, socket.token, _Answer(200, {"ok": True}))

    def _next_ts(self) -> str:
        """Wall-clock based like Slack's, unique and increasing across all channels."""
        micros = max(time.time_ns() // 1000, self._last_ts_us + 1)
        self._last_ts_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _channel(self, channel_id: Any, team: str | None) -> Channel:
        """Look a channel up by id (or #name); unknown ids are public channels the bot never
        joined, as in a real workspace (the bot is a member only where it joined or was
        invited)."""
        if not channel_id or not isinstance(channel_id, str):
            raise SlackError("channel_not_found")
        channel = self._channels.get(channel_id) or next(
            (c for c in self._channels.values() if c.name == channel_id.lstrip("#")), None
        )
        if channel is None:
            if self.strict_channels:
                raise SlackError("channel_not_found")
            channel = Channel(channel_id, channel_id.lower(), is_member=False)
            self._channels[channel_id] = channel
        if channel.team and team and channel.team != team:
            raise SlackError("channel_not_found")
        return channel

    def _writable_channel(self, req: _Request) -> Channel:
        channel = self._channel(req.args.get("channel"), req.team)
        if channel.is_private and not channel.is_member:
            raise SlackError("channel_not_found")  # Slack hides private channels
        if channel.is_archived:
            raise SlackError("is_archived")
        if not channel.is_member and not self.chat_write_public:
            raise SlackError("not_in_channel")
        return channel

    def _visible_channel(self, channel_id: Any, team: str | None) -> Channel:
        """A conversation the bot can see: any public channel, else only one it is in.

        Slack hides private channels and DMs the bot is not in behind ``channel_not_found``;
        an unknown ``D…`` id is someone else's DM.
        """
        channel = self._channel(channel_id, team)
        if not channel.is_member and (channel.is_private or channel.id.startswith("D")):
            raise SlackError("channel_not_found")
        return channel

    def _dm_with(self, user_id: str, team: str | None) -> Channel:
        """The bot's DM with a person, opened as Slack opens it when a bot posts to a user id.

        Any user of the workspace will do, known to the stand-in or not; a deactivated one
        has no DM to open.
        """
        user = self._users.get(user_id)
        if user is not None and user["deleted"]:
            raise SlackError("channel_not_found")
        channel_id = dm_id(user_id)
        channel = self._channels.get(channel_id)
        if channel is None:
            channel = Channel(channel_id, channel_id.lower(), team=team)
            self._channels[channel_id] = channel
        channel.is_member, channel.user = True, user_id
        return channel

    # ----- Web API methods -------------------------------------------------------------------

    def _apps_connections_open(self, req: _Request) -> JSON:
        """A Socket Mode URL on this server; it stays valid, so a client may reconnect to it."""
        sid = secrets.token_urlsafe(9)
        self._socket_urls[sid] = req.token or ""
        return {"url": f"ws{self.base_url.removeprefix('http')}/socket/{sid}"}

    def _auth_test(self, req: _Request) -> JSON:
        team = req.team or ""
        return {
            "url": "https://standin.slack.com/",
            "team": self._team_names.get(team, f"Team {team}"),
            "user": "quotebot",
            "team_id": team,
            "user_id": self._bot_user(req),
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _message_content(self, args: JSON) -> JSON:
        """Validate text and blocks like chat.postMessage does; return the message fields."""
        text, blocks = args.get("text") or "", _parse_json_arg(args.get("blocks"), "invalid_blocks")
        if blocks is not None and (
            not isinstance(blocks, list)
            or len(blocks) > MAX_BLOCKS
            or not all(isinstance(b, dict) and isinstance(b.get("type"), str) for b in blocks)
        ):
            raise SlackError("invalid_blocks")
        if not text and not blocks and not args.get("attachments"):
            raise SlackError("no_text")
        if len(str(text)) > MAX_TEXT_CHARS:
            raise SlackError("msg_too_long")
        content: JSON = {"text": str(text)}
        if blocks:
            content["blocks"] = blocks
        return content

    def _chat_get_permalink(self, req: _Request) -> JSON:
        """A link to a message the bot can see; a thread reply's link names its thread."""
        channel = self._visible_channel(req.args.get("channel"), req.team)
        ts = str(req.args.get("message_ts") or "")
        message = next((m for m in self._messages.get(channel.id, []) if m["ts"] == ts), None)
        if message is None:
            raise SlackError("message_not_found")
        permalink = f"{PERMALINK_BASE}{channel.id}/p{ts.replace('.', '')}"
        if message.get("thread_ts") not in (None, ts):
            permalink += f"?thread_ts={message['thread_ts']}&cid={channel.id}"
        return {"channel": channel.id, "permalink": permalink}

    def _chat_post_message(self, req: _Request) -> JSON:
        # A user id as the channel posts in the bot's DM with them; the answer names the DM.
        target = req.args.get("channel")
        if _is_user_id(target):
            channel = self._dm_with(str(target), req.team)
        else:
            channel = self._writable_channel(req)
        content = self._message_content(req.args)
        metadata = _parse_json_arg(req.args.get("metadata"), "invalid_metadata_format")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and isinstance(metadata.get("event_payload", {}), dict)
        ):
            raise SlackError("invalid_metadata_format")
        ts = self._next_ts()
        message: JSON = {"type": "message", **content, "user": self._bot_user(req)}
        message.update({"bot_id": self.bot_id, "ts": ts, "team": req.team})
        if req.args.get("thread_ts"):
            message["thread_ts"] = str(req.args["thread_ts"])
        if metadata is not None:
            message["metadata"] = {
                "event_type": metadata["event_type"],
                "event_payload": metadata.get("event_payload", {}),
            }
        self._messages.setdefault(channel.id, []).append(message)
        return {"channel": channel.id, "ts": ts, "message": copy.deepcopy(message)}

    def _chat_post_ephemeral(self, req: _Request) -> JSON:
        self._writable_channel(req)
        if not req.args.get("user"):
            raise SlackError("user_not_in_channel")
        self._message_content(req.args)
        return {"message_ts": self._next_ts()}

    def _conversations_join(self, req: _Request) -> JSON:
        channel = self._channel(req.args.get("channel"), req.team)
        if channel.is_private:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackError("is_archived")
        channel.is_member = True
        return {"channel": _channel_json(channel)}

    def _conversations_history(self, req: _Request) -> JSON:
        """Newest first; ``oldest``/``latest`` exclusive unless ``inclusive`` (Slack's docs)."""
        channel = self._channel(req.args.get("channel"), req.team)
        if not channel.is_member:
            raise SlackError("channel_not_found" if channel.is_private else "not_in_channel")
        oldest = _ts_arg(req.args.get("oldest"), "invalid_ts_oldest")
        latest = _ts_arg(req.args.get("latest"), "invalid_ts_latest")
        start = _ts_arg(_decode_cursor(req.args.get("cursor")), "invalid_cursor")
        inclusive = _truthy(req.args.get("inclusive"))
        try:
            limit = min(max(int(req.args.get("limit") or 100), 1), 999)
        except (TypeError, ValueError):
            raise SlackError("invalid_limit") from None

        def wanted(ts: Decimal) -> bool:
            after = oldest is None or ts > oldest or (inclusive and ts == oldest)
            before = latest is None or ts < latest or (inclusive and ts == latest)
            return after and before and (start is None or ts <= start)

        # Replies inside a thread are not in the channel's history (Slack's docs): only
        # top-level messages and thread parents; `conversations.replies` has the rest.
        found = [
            m
            for m in reversed(self._messages.get(channel.id, []))
            if wanted(Decimal(m["ts"])) and m.get("thread_ts") in (None, m["ts"])
        ]
        page = copy.deepcopy(found[:limit])
        if not _truthy(req.args.get("include_all_metadata")):
            for message in page:
                message.pop("metadata", None)
        next_cursor = _encode_cursor(found[limit]["ts"]) if len(found) > limit else ""
        return {
            "messages": page,
            "has_more": bool(next_cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_replies(self, req: _Request) -> JSON:
        """A thread: its parent first, then its replies, oldest first (Slack's order).

        ``ts`` may be the parent's or any reply's; ``oldest``/``latest`` (inclusive with
        ``inclusive``) bound the replies, the parent always comes first.
        """
        channel = self._channel(req.args.get("channel"), req.team)
        if not channel.is_member:
            raise SlackError("channel_not_found" if channel.is_private else "not_in_channel")
        ts = _ts_arg(req.args.get("ts"), "thread_not_found")
        messages = self._messages.get(channel.id, [])
        asked = next((m for m in messages if Decimal(m["ts"]) == ts), None) if ts else None
        if asked is None:
            raise SlackError("thread_not_found")
        parent_ts = asked.get("thread_ts") or asked["ts"]
        thread = [m for m in messages if (m.get("thread_ts") or m["ts"]) == parent_ts]
        oldest = _ts_arg(req.args.get("oldest"), "invalid_ts_oldest")
        latest = _ts_arg(req.args.get("latest"), "invalid_ts_latest")
        inclusive = _truthy(req.args.get("inclusive"))

        def wanted(message: JSON) -> bool:
            at = Decimal(message["ts"])
            if message["ts"] == parent_ts:
                return True
            after = oldest is None or at > oldest or (inclusive and at == oldest)
            before = latest is None or at < latest or (inclusive and at == latest)
            return after and before

        page = copy.deepcopy([m for m in thread if wanted(m)])
        for message in page:
            message.pop("metadata", None)
        return {"messages": page, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _conversations_info(self, req: _Request) -> JSON:
        """A conversation the bot can see, in Slack's shape: a channel's, or a DM's (no name).

        Hidden ones (private channels and DMs the bot is not in) are ``channel_not_found``,
        as in ``chat.getPermalink``; then the token needs the read scope of that kind of
        conversation (``channels:read``, ``groups:read``, ``im:read``), which the shipped
        manifest may not grant: ``missing_scope`` names the one needed.
        """
        channel = self._visible_channel(req.args.get("channel"), req.team)
        kind = "im" if channel.id.startswith("D") else "private" if channel.is_private else "public"
        provided = self._scopes.get(req.token or "", DEFAULT_SCOPE)
        if READ_SCOPES[kind] not in self._scope_list(provided):
            raise SlackError("missing_scope", needed=READ_SCOPES[kind], provided=provided)
        if kind == "im":
            user = channel.user or "U" + channel.id[1:]
            return {"channel": _dm_json(channel, user, self._users.get(user))}
        return {"channel": _channel_json(channel)}

    def _oauth_v2_access(self, req: _Request) -> JSON:
        client_id, secret = req.basic or (req.args.get("client_id"), req.args.get("client_secret"))
        if client_id != self.client_id:
            raise SlackError("invalid_client_id")
        if secret != self.client_secret:
            raise SlackError("bad_client_secret")
        grant = self.oauth_codes.get(str(req.args.get("code")))
        if grant is None:
            raise SlackError("invalid_code")
        if grant.get("redirect_uri") and req.args.get("redirect_uri") != grant["redirect_uri"]:
            raise SlackError("bad_redirect_uri")
        del self.oauth_codes[str(req.args["code"])]  # codes are single-use
        self.tokens[grant["bot_token"]] = grant["team_id"]
        self._bot_users[grant["bot_token"]] = grant.get("bot_user_id", self.bot_user_id)
        self._scopes[grant["bot_token"]] = grant.get("scope", DEFAULT_SCOPE)
        self._team_names[grant["team_id"]] = grant.get("team_name", f"Team {grant['team_id']}")
        return {
            "app_id": self.app_id,
            "authed_user": {"id": grant.get("authed_user_id", "UINSTALLER")},
            "scope": grant.get("scope", DEFAULT_SCOPE),
            "token_type": "bot",
            "access_token": grant["bot_token"],
            "bot_user_id": self._bot_users[grant["bot_token"]],
            "team": {"id": grant["team_id"], "name": self._team_names[grant["team_id"]]},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _bot_user(self, req: _Request) -> str:
        return self._bot_users.get(req.token or "", self.bot_user_id)

    # ----- people, user groups and scopes (users.info, usergroups.users.list) ---------------
    # Tokens have the manifest's scopes unless a test gives them fewer; only the methods in
    # METHOD_SCOPES check them, as Slack does: ``missing_scope`` with ``needed``/``provided``.

    def _init_directory(self, scopes: dict[str, str] | None) -> None:
        self._scopes: dict[str, str] = dict(scopes or {})  # token -> "a,b"; else DEFAULT_SCOPE
        self._users: dict[str, JSON] = {}
        self._usergroups: dict[str, tuple[str | None, list[str]]] = {}  # id -> (team, members)

    def set_scopes(self, token: str, scopes: str | Iterable[str]) -> None:
        """Give ``token`` exactly these scopes (``"a,b"`` or a list), like an older install."""
        with self._lock:
            self._scopes[token] = scopes if isinstance(scopes, str) else ",".join(scopes)

    def scopes_of(self, token: str) -> list[str]:
        """The scopes ``token`` has: the manifest's unless set otherwise."""
        with self._lock:
            return self._scope_list(self._scopes.get(token, DEFAULT_SCOPE))

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = DEFAULT_TZ,
        is_admin: bool = False,
        is_owner: bool = False,
        is_primary_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        team: str | None = None,
    ) -> JSON:
        """A user as ``users.info`` shows them (``team=None``: visible from every team).

        The flags are reported as given (a primary owner is also an owner), so a test can
        check an owner who is not flagged admin. ``tz`` is an IANA name; ``tz_offset`` (in
        seconds east of UTC) and ``tz_label`` are that zone's now, as Slack reports them.
        """
        name = name or user_id.lower()
        real_name = real_name if real_name is not None else name.title()
        zone = datetime.now(ZoneInfo(tz))
        offset = zone.utcoffset()
        user: JSON = {
            "id": user_id,
            "team_id": team,
            "name": name,
            "real_name": real_name,
            "tz": tz,
            "tz_label": zone.tzname() or tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_admin": is_admin,
            "is_owner": is_owner or is_primary_owner,
            "is_primary_owner": is_primary_owner,
            "is_bot": is_bot,
            "deleted": deleted,
            "profile": {
                "display_name": display_name if display_name is not None else name,
                "real_name": real_name,
            },
        }
        with self._lock:
            self._users[user_id] = user
        return copy.deepcopy(user)

    def add_usergroup(
        self, group_id: str, members: Iterable[str], *, team: str | None = None
    ) -> None:
        """A user group (Slack: a subteam, ``S…``) and its members; replaces an earlier one."""
        with self._lock:
            self._usergroups[group_id] = (team, list(members))

    def _missing_scope(self, req: _Request) -> _Answer | None:
        """Slack's answer when the token lacks the method's scope; None when it has it."""
        needed = METHOD_SCOPES.get(req.method)
        provided = self._scopes.get(req.token or "", DEFAULT_SCOPE)
        if needed is None or needed in self._scope_list(provided):
            return None
        body = {"ok": False, "error": "missing_scope", "needed": needed, "provided": provided}
        return _Answer(200, body)

    def _users_info(self, req: _Request) -> JSON:
        user = self._users.get(str(req.args.get("user") or ""))
        if user is None or (user["team_id"] and req.team and user["team_id"] != req.team):
            raise SlackError("user_not_found")
        return {"user": {**copy.deepcopy(user), "team_id": user["team_id"] or req.team}}

    def _usergroups_users_list(self, req: _Request) -> JSON:
        group = self._usergroups.get(str(req.args.get("usergroup") or ""))
        if group is None or (group[0] and req.team and group[0] != req.team):
            raise SlackError("no_such_subteam")
        return {"users": list(group[1])}

    @staticmethod
    def _scope_list(scopes: str) -> list[str]:
        return [scope.strip() for scope in scopes.split(",") if scope.strip()]

    # ----- end of people, user groups and scopes ----------------------------------------------

    # ----- trigger ids and views (views.open, views.update, views.publish) -------------------
    # A trigger id opens one modal, within 3 seconds of the click it came with. Every view is
    # kept as Slack holds it now (one version), and belongs to the user whose trigger opened
    # it or whose Home tab it is: a side table, as Slack's views carry no user field. As
    # Slack does, a stored view has a block_id on every block and an action_id on every
    # interactive element, made up where the app gave none. A call Slack refuses changes
    # nothing, and leaves its trigger unused.

    def _init_views(self) -> None:
        self._triggers: dict[str, _Trigger] = {}
        self._views: dict[str, JSON] = {}  # view id -> the view, oldest first
        self._view_users: dict[str, str | None] = {}  # view id -> whose view it is
        self._homes: dict[tuple[str | None, str], str] = {}  # (team, user) -> Home view id
        self._published: list[tuple[str | None, str, JSON]] = []  # (team, user, view), in order
        self._external_ids: dict[tuple[str | None, str], str] = {}  # (team, external_id) -> id

    def trigger_id(
        self, user_id: str | None = None, *, team: str | None = None, ttl: float = TRIGGER_SECONDS
    ) -> str:
        """A trigger id as Slack puts in an interaction payload: one ``views.open``, ``ttl`` s.

        ``user_id`` is who clicked: the modal it opens is theirs (``view_user``). ``team``
        is the workspace whose bot token may use it (None: any). Slack's shape,
        ``12345.98765.abcdef…``; a shorter ``ttl`` tests expiry without waiting 3 s.
        """
        trigger_id = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}."
        trigger_id += secrets.token_hex(16)
        with self._lock:
            self._triggers[trigger_id] = _Trigger(user_id, team, time.monotonic() + ttl)
        return trigger_id

    def views(self) -> list[JSON]:
        """Every view as Slack holds it now, modals and Home tabs, oldest first (copies)."""
        with self._lock:
            return copy.deepcopy(list(self._views.values()))

    def view(self, view_id: str) -> JSON:
        """The view ``view_id`` as it is now (a copy); AssertionError if there is none."""
        with self._lock:
            view = self._views.get(view_id)
            if view is None:
                raise AssertionError(f"no view {view_id!r}; views: {sorted(self._views)}")
            return copy.deepcopy(view)

    def view_user(self, view_id: str) -> str | None:
        """Whose view it is: the user of the trigger that opened it, or of the Home tab."""
        with self._lock:
            return self._view_users.get(view_id)

    def home_view(self, user_id: str, team: str | None = None) -> JSON | None:
        """The Home tab last published for ``user_id`` (in ``team``; None: any), or None."""
        with self._lock:
            view_id = next(
                (vid for (t, u), vid in self._homes.items() if u == user_id and team in (None, t)),
                None,
            )
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def home_views(self, user_id: str, team: str | None = None) -> list[JSON]:
        """Every Home tab published for ``user_id`` (in ``team``; None: any), oldest first.

        Slack keeps only the latest (``home_view``); this history lets a test count the
        publishes, or see what a user's Home showed before.
        """
        with self._lock:
            return copy.deepcopy(
                [view for t, u, view in self._published if u == user_id and team in (None, t)]
            )

    def wait_for_view(self, predicate: Callable[[JSON], bool], timeout: float = 10.0) -> JSON:
        """Poll until some current view satisfies ``predicate(view)``; return it (a copy).

        AssertionError on timeout, listing the views there are and the calls.
        """
        deadline = time.monotonic() + timeout
        while True:
            # Called outside the lock: a predicate may itself ask the stand-in things.
            for view in self.views():
                if predicate(view):
                    return view
            if time.monotonic() >= deadline:
                seen = [(v["id"], v["type"], v.get("callback_id")) for v in self.views()]
                raise AssertionError(
                    f"no such view within {timeout}s; views (id, type, callback_id): {seen}"
                    f"\ncalls:\n{self.dump_calls()}"
                )
            time.sleep(0.01)

    def _views_open(self, req: _Request) -> JSON:
        view = self._view_arg(req, "modal")
        self._check_external_id(view, req.team, None)
        trigger = self._take_trigger(req)
        stored = self._store_view(view, req, None)
        self._view_users[stored["id"]] = trigger.user
        return {"view": copy.deepcopy(stored)}

    def _views_update(self, req: _Request) -> JSON:
        """Replace a view found by ``view_id`` or ``external_id``; its id and root stay."""
        view_id, external_id = req.args.get("view_id"), req.args.get("external_id")
        if not view_id and not external_id:
            raise SlackError(
                "invalid_arguments", ["[ERROR] either view_id or external_id is required"]
            )
        if not view_id:
            view_id = self._external_ids.get((req.team, str(external_id)))
        current = self._views.get(str(view_id))
        if current is None or (req.team and current["team_id"] != req.team):
            raise SlackError("not_found")
        view = self._view_arg(req, current["type"])
        if req.args.get("hash") and req.args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")  # someone updated it since that hash
        self._check_external_id(view, req.team, current["id"])
        return {"view": copy.deepcopy(self._store_view(view, req, current))}

    def _views_publish(self, req: _Request) -> JSON:
        """A user's Home tab: one per (workspace, user), replaced by each publish."""
        user_id = req.args.get("user_id")
        if not user_id or not isinstance(user_id, str):
            raise SlackError("invalid_arguments", ["[ERROR] missing required field: user_id"])
        view = self._view_arg(req, "home")
        current = self._views.get(self._homes.get((req.team, user_id), ""))
        if req.args.get("hash") and current and req.args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        self._check_external_id(view, req.team, current["id"] if current else None)
        stored = self._store_view(view, req, current)
        self._homes[(req.team, user_id)] = stored["id"]
        self._view_users[stored["id"]] = user_id
        self._published.append((req.team, user_id, copy.deepcopy(stored)))
        return {"view": copy.deepcopy(stored)}

    def _take_trigger(self, req: _Request) -> _Trigger:
        """Use up the call's trigger id, or refuse it as Slack does."""
        trigger_id = req.args.get("trigger_id") or req.args.get("interactivity_pointer")
        if not trigger_id:
            raise SlackError("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None or (trigger.team and req.team and trigger.team != req.team):
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() > trigger.expires:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def _view_arg(self, req: _Request, kind: str) -> JSON:
        """The call's ``view`` (an object, or a JSON string in a form), checked like Slack."""
        if req.args.get("view") in (None, ""):
            raise SlackError("invalid_arguments", ["[ERROR] missing required field: view"])
        try:
            view = _parse_json_arg(req.args["view"], "invalid_arguments")
        except SlackError:
            raise SlackError(
                "invalid_arguments", ["[ERROR] failed to parse view [json-pointer:/view]"]
            ) from None
        problems = _view_problems(view, kind)
        if problems:
            raise SlackError("invalid_arguments", problems)
        return view

    def _check_external_id(self, view: JSON, team: str | None, view_id: str | None) -> None:
        """An ``external_id`` names one view per workspace."""
        owner = self._external_ids.get((team, view.get("external_id") or ""))
        if view.get("external_id") and owner not in (None, view_id):
            raise SlackError("duplicate_external_id")

    def _store_view(self, view: JSON, req: _Request, current: JSON | None) -> JSON:
        """Keep ``view`` as Slack holds it: ids, hash and defaults; ``current`` it replaces."""
        view_id = current["id"] if current else self._new_view_id()
        external_id = view.get("external_id") or (current or {}).get("external_id") or ""
        stored: JSON = {
            **copy.deepcopy(view),
            "id": view_id,
            "team_id": req.team,
            "private_metadata": view.get("private_metadata") or "",
            "callback_id": view.get("callback_id") or "",
            "external_id": external_id,
            "state": {"values": {}},
            "hash": _new_hash(current["hash"] if current else None),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": current["root_view_id"] if current else view_id,
            "previous_view_id": current["previous_view_id"] if current else None,
            "app_id": self.app_id,
            "app_installed_team_id": req.team,
            "bot_id": self.bot_id,
        }
        _name_blocks_and_elements(stored["blocks"])
        if current and current.get("external_id"):
            self._external_ids.pop((current["team_id"], current["external_id"]), None)
        if external_id:
            self._external_ids[(req.team, external_id)] = view_id
        self._views[view_id] = stored
        return stored

    def _new_view_id(self) -> str:
        """``V`` and 10 upper-case letters or digits, like Slack's, unused so far."""
        while True:
            view_id = "V" + "".join(secrets.choice(VIEW_ID_ALPHABET) for _ in range(10))
            if view_id not in self._views:
                return view_id

    # ----- end of trigger ids and views ----------------------------------------------------

    # ----- who is in which conversation (users.conversations) -------------------------------
    # People's memberships are the workspace's, like its channels: ``reset`` keeps them. The
    # bot user is in the channels added with ``is_member`` (or joined) and in its DMs; other
    # people are in the channels ``add_member`` put them in, and in their DM with the bot.

    def _init_memberships(self) -> None:
        self._members: dict[str, set[str]] = {}  # channel id -> people in it (not the bot)

    def add_member(self, channel_id: str, *user_ids: str) -> None:
        """Put people in a channel (added with ``add_channel``, or a public one made up)."""
        with self._lock:
            self._members.setdefault(channel_id, set()).update(user_ids)

    def remove_member(self, channel_id: str, *user_ids: str) -> None:
        """Take people out of a channel: they left it, or were removed."""
        with self._lock:
            self._members.get(channel_id, set()).difference_update(user_ids)

    def _users_conversations(self, req: _Request) -> JSON:
        """The conversations ``user`` (else the bot) is in, a page at a time, as Slack lists
        them to a bot token: public channels, and private ones, DMs and group DMs only where
        the bot is a member too. Each requested type needs its read scope (``missing_scope``
        names the first missing); ``types`` defaults to ``public_channel``, ``limit`` to 100
        (1 to 1,000), and archived channels are listed unless ``exclude_archived``.
        """
        types = self._conversation_types(req)
        limit = req.args.get("limit", 100)
        try:
            limit = int(limit)
        except (TypeError, ValueError):
            raise SlackError("invalid_limit") from None
        if not 1 <= limit <= 1000:
            raise SlackError("invalid_limit")
        bot = self._bot_user(req)
        user = str(req.args.get("user") or bot)
        if user != bot and (user not in self._users or self._users[user]["deleted"]):
            raise SlackError("user_not_found")
        exclude_archived = _truthy(req.args.get("exclude_archived"))
        listed = [
            channel
            for channel in sorted(self._channels.values(), key=lambda c: c.id)
            if self._conversation_type(channel) in types
            and not (channel.team and req.team and channel.team != req.team)
            and not (exclude_archived and channel.is_archived)
            and self._lists_membership(channel, user, bot)
        ]
        start = 0
        if req.args.get("cursor"):
            after = _decode_member_cursor(req.args["cursor"])
            start = next((n for n, c in enumerate(listed) if c.id >= after), len(listed))
        page, rest = listed[start : start + limit], listed[start + limit :]
        return {
            "channels": [self._listed_conversation(channel) for channel in page],
            "response_metadata": {"next_cursor": _member_cursor(rest[0].id) if rest else ""},
        }

    def _conversation_types(self, req: _Request) -> list[str]:
        """The ``types`` asked for, each with the scope a bot token needs to list it."""
        types = [t.strip() for t in str(req.args.get("types") or "public_channel").split(",")]
        if not types or any(t not in CONVERSATION_SCOPES for t in types):
            raise SlackError("invalid_types")
        provided = self._scopes.get(req.token or "", DEFAULT_SCOPE)
        for kind in types:
            if CONVERSATION_SCOPES[kind] not in self._scope_list(provided):
                raise SlackError(
                    "missing_scope", needed=CONVERSATION_SCOPES[kind], provided=provided
                )
        return types

    @staticmethod
    def _conversation_type(channel: Channel) -> str:
        if channel.id.startswith("D"):
            return "im"
        return "private_channel" if channel.is_private else "public_channel"

    def _lists_membership(self, channel: Channel, user: str, bot: str) -> bool:
        """Whether ``user`` is in ``channel`` and the bot's token may say so."""
        if channel.id.startswith("D"):
            return channel.is_member and user in (bot, channel.user or "U" + channel.id[1:])
        in_it = channel.is_member if user == bot else user in self._members.get(channel.id, ())
        return in_it and (channel.is_member or not channel.is_private)

    def _listed_conversation(self, channel: Channel) -> JSON:
        """Slack's short form here: no ``is_member`` (nor ``num_members``)."""
        if channel.id.startswith("D"):
            user = channel.user or "U" + channel.id[1:]
            return _dm_json(channel, user, self._users.get(user))
        listed = _channel_json(channel)
        listed.pop("is_member")
        return listed

    # ----- end of who is in which conversation ----------------------------------------------


# ----- helpers -------------------------------------------------------------------------------


async def _read_args(request: web.Request) -> tuple[JSON, bool]:
    """Query string plus a form or JSON body, as slack-sdk sends them; False if bad JSON."""
    args: JSON = dict(request.query)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            return args, False
        if not isinstance(body, dict):
            return args, False
        args.update(body)
    elif request.body_exists:
        form = await request.post()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
    return args, True


def _bearer(request: web.Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _basic(request: web.Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


async def _send(answer: _Answer) -> web.Response:
    if answer.delay:
        await asyncio.sleep(answer.delay)
    return web.json_response(answer.body, status=answer.status, headers=answer.headers)


def _truthy(value: Any) -> bool:
    """Slack booleans arrive as JSON true, "true" or "1" (slack-sdk turns form bools into 1/0)."""
    return value is True or str(value).lower() in {"1", "true"}


def _parse_json_arg(value: Any, error: str) -> Any:
    """Structured args arrive as JSON values or, form-encoded, as JSON strings."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise SlackError(error) from None


def _ts_arg(value: Any, error: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise SlackError(error) from None


def _encode_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _decode_cursor(cursor: Any) -> str | None:
    if not cursor:
        return None
    try:
        kind, _, ts = base64.b64decode(str(cursor), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    if kind != "next_ts":
        raise SlackError("invalid_cursor")
    return ts


# users.conversations: the scope a bot token needs to list each type of conversation.
CONVERSATION_SCOPES = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}


def _member_cursor(channel_id: str) -> str:
    """users.conversations' next page starts at this conversation (Slack's cursors are
    base64 of such a key too)."""
    return base64.b64encode(f"channel:{channel_id}".encode()).decode()


def _decode_member_cursor(cursor: Any) -> str:
    try:
        kind, _, channel_id = base64.b64decode(str(cursor), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    if kind != "channel" or not channel_id:
        raise SlackError("invalid_cursor")
    return channel_id


def _view_problems(view: Any, kind: str) -> list[str]:
    """What Slack finds wrong in a view of type ``kind`` (``modal`` or ``home``), worded as
    its ``response_metadata.messages``; empty when Slack takes the view.

    The view itself is checked here (type, texts, sizes, ids); each block must parse with
    slack-sdk's Block Kit models and pass their validation, elements inside included.
    """
    problems: list[str] = []

    def problem(reason: str, pointer: str = "") -> None:
        problems.append(f"[ERROR] {reason} [json-pointer:/view{pointer}]")

    if not isinstance(view, dict):
        problem("must be an object")
        return problems
    if "type" not in view:
        problem("missing required field: type")
    elif view["type"] != kind:
        problem(f"must be {kind!r} for this method, not {view['type']!r}", "/type")
    if kind == "modal" and "title" not in view:
        problem("missing required field: title")
    for key in ("title", "submit", "close"):
        if key not in view:
            continue
        if kind != "modal" and key != "title":
            problem(f"a {kind} view cannot have {key}", f"/{key}")
        elif kind == "modal" and (found := _plain_text_problem(view[key], VIEW_TEXT_CHARS)):
            problem(found[0], f"/{key}{found[1]}")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problem("missing required field: blocks" if blocks is None else "must be an array")
        blocks = []
    elif len(blocks) > MAX_VIEW_BLOCKS:
        problem(f"no more than {MAX_VIEW_BLOCKS} items allowed", "/blocks")
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        if reason := _block_problem(block):
            problem(reason, f"/blocks/{index}")
            continue
        if (block_id := block.get("block_id")) is not None:
            if block_id in block_ids:
                problem(f"duplicate block_id {block_id!r}", f"/blocks/{index}/block_id")
            block_ids.add(block_id)
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if kind == "modal" and has_input and "submit" not in view:
        problem("must provide a submit property when using input blocks")
    for key, limit in (
        ("private_metadata", PRIVATE_METADATA_CHARS),
        ("callback_id", VIEW_ID_CHARS),
        ("external_id", VIEW_ID_CHARS),
    ):
        value = view.get(key)
        if value is not None and not isinstance(value, str):
            problem("must be a string", f"/{key}")
        elif value is not None and len(value) > limit:
            problem(f"must be less than {limit + 1} characters", f"/{key}")
    if not problems and (reason := _view_model_problem(view)):
        problem(reason)
    return problems


def _view_model_problem(view: JSON) -> str | None:
    """Why slack-sdk's ``View`` model refuses the whole view (an empty ``blocks``, say)."""
    try:
        View(**view).validate_json()
    except Exception as error:  # SlackObjectFormationError, or TypeError on bad shapes
        return str(error) or type(error).__name__
    return None


def _plain_text_problem(text: Any, limit: int) -> tuple[str, str] | None:
    """Why a view's title, submit or close is refused, and where in it; None if fine."""
    if not isinstance(text, dict) or text.get("type") != "plain_text":
        return "must be a plain_text text object", ""
    value = text.get("text")
    if not isinstance(value, str) or not value:
        return "must be more than 0 characters", "/text"
    if len(value) > limit:
        return f"must be less than {limit + 1} characters", "/text"
    return None


def _block_problem(block: Any) -> str | None:
    """Why slack-sdk's Block Kit models refuse ``block``; None when they take it."""
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return "a block must be an object with a type"
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return f"unknown block type {block['type']!r}"
        parsed.validate_json()
        parsed.to_dict()  # validates the elements and texts inside, which validate_json skips
    except Exception as error:  # slack-sdk raises TypeError and others on bad shapes too
        return str(error) or type(error).__name__
    return None


def _name_blocks_and_elements(blocks: list[JSON]) -> None:
    """Name what the app left unnamed, as Slack does: a ``block_id`` on every block, an
    ``action_id`` on every interactive element (state values and actions are keyed by them).
    """
    taken = {block["block_id"] for block in blocks if block.get("block_id")}
    for block in blocks:
        if not block.get("block_id"):
            block["block_id"] = _short_id(taken)
        elements = [block.get("element"), block.get("accessory")]
        if block.get("type") == "actions":
            elements += block.get("elements") or []
        for element in elements:
            if isinstance(element, dict) and element.get("type") != "image":
                element.setdefault("action_id", _short_id(set()))


def _short_id(taken: set[str]) -> str:
    """An id like the ones Slack makes up (``pkK7``), not in ``taken``; added to it."""
    while (new := secrets.token_urlsafe(3)) in taken:
        pass
    taken.add(new)
    return new


def _new_hash(previous: str | None) -> str:
    """A view hash like Slack's (``1569362015.55b5e41b``), never the one it replaces."""
    while (new := f"{int(time.time())}.{secrets.token_hex(4)}") == previous:
        pass
    return new


def _is_user_id(value: Any) -> bool:
    """``U…`` (or an Enterprise Grid ``W…``) and upper-case letters and digits."""
    return (
        isinstance(value, str)
        and len(value) > 1
        and value[0] in "UW"
        and value[1:].isalnum()
        and value == value.upper()
    )


def dm_id(user_id: str) -> str:
    """The bot's DM with a user: ``D`` and the user id without its first letter, stable."""
    return "D" + user_id[1:]


def _channel_json(channel: Channel) -> JSON:
    """A channel as conversations.info and conversations.join answer it (the fields tests use)."""
    return {
        "id": channel.id,
        "name": channel.name,
        "is_channel": not channel.is_private,
        "is_group": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": channel.is_archived,
        "is_member": channel.is_member,
    }


def _dm_json(channel: Channel, user_id: str, user: JSON | None) -> JSON:
    """A DM as Slack describes one: the other person, and no name, is_private or is_member."""
    return {
        "id": channel.id,
        "is_im": True,
        "is_archived": False,
        "is_org_shared": False,
        "user": user_id,
        "is_user_deleted": bool(user and user["deleted"]),
        "priority": 0,
    }


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM/SIGINT; print ``{"api_url": ...}`` as one JSON line when ready."""
    parser = argparse.ArgumentParser(prog="python -m tests.slack_standin")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", action="append", default=[], metavar="TOKEN:TEAM_ID")
    parser.add_argument("--app-token", action="append", default=[], metavar="TOKEN:TEAM_ID")
    parser.add_argument("--per-channel-rate", type=float)
    parser.add_argument("--per-channel-burst", type=int)
    parser.add_argument("--workspace-rate", type=float)
    parser.add_argument("--workspace-burst", type=int)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--strict-channels", action="store_true")
    parser.add_argument(
        "--no-chat-write-public",
        dest="chat_write_public",
        action="store_false",
        default=None,
        help="a token without chat:write.public (posting needs membership)",
    )
    opts = parser.parse_args(argv)
    if any(":" not in token for token in opts.token + opts.app_token):
        parser.error("--token and --app-token take TOKEN:TEAM_ID")
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    for signum in stop_signals:  # a shell starts background jobs with SIGINT ignored
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)  # the server thread inherits this
    standin = SlackStandIn(
        dict(token.rsplit(":", 1) for token in opts.token),
        app_tokens=dict(token.rsplit(":", 1) for token in opts.app_token),
        strict_channels=opts.strict_channels,
        chat_write_public=opts.chat_write_public,
        per_channel_rate=opts.per_channel_rate,
        per_channel_burst=opts.per_channel_burst,
        workspace_rate=opts.workspace_rate,
        workspace_burst=opts.workspace_burst,
        latency=opts.latency,
        host=opts.host,
        port=opts.port,
    )
    with standin:
        print(json.dumps({"api_url": standin.api_url, "base_url": standin.base_url}), flush=True)
        signal.sigwait(stop_signals)


if __name__ == "__main__":
    main()
