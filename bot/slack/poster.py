"""Send one daily post to Slack, within Slack's limits, retrying what can be retried.

One `Poster` per workspace. It paces posts (one per channel per second, a bounded
number in flight, and a workspace-wide pause whenever Slack answers 429), retries
5xx answers and connection errors with backoff, and sorts every other answer into a
`Delivery` the runner can act on.

`chat.postMessage` has no idempotency key: when a send may have gone through (a
timeout, a 5xx), the channel's history is searched for the post's metadata before
sending again. Slack lets a bot read the history only of channels it is a member
of, even where `chat:write.public` lets it post without joining; so the Poster
joins a public channel before its first post there (once: membership is kept in the
store), and where the outcome of a send is unknown and the history still cannot be
read, it does not send again: the post is "unverified", a possible miss rather than
a double post.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.daily.delivery import METADATA_TYPE, Delivery
from bot.slack.clients import web_client

log = logging.getLogger(__name__)

AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "account_inactive"})
GONE_ERRORS = frozenset({"is_archived", "channel_not_found"})
NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)


class Membership(Protocol):
    """Which channels the bot is known to be in (kept in the store, shared by instances)."""

    async def known(self, channel: str) -> bool: ...

    async def joined(self, channel: str) -> None: ...

    async def left(self, channel: str) -> None: ...


class Unreadable(Exception):
    """The channel's history cannot be read, so whether a post went out cannot be known."""


@dataclass(frozen=True, slots=True)
class _Joined:
    ok: bool
    private: bool = False
    error: str | None = None


def posting_client(token: str | None, base_url: str) -> AsyncWebClient:
    """A Web API client for daily posts.

    No automatic retries: the Poster retries itself, checking first whether a post that
    timed out went through (chat.postMessage has no idempotency key).
    """
    return web_client(token, base_url, retry_handlers=[], timeout=15)


class Poster:
    """Posts to one workspace's channels, paced and retried."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        members: Membership,
        in_flight: int = 20,
        channel_interval: float = 1.0,
        attempts: int = 5,
        ratelimit_attempts: int = 30,
        backoff: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self._members = members
        self._slots = asyncio.Semaphore(in_flight)
        self._channel_interval = channel_interval
        self._attempts = attempts
        self._ratelimit_attempts = ratelimit_attempts
        self._backoff = backoff
        self._sleep = sleep
        self._resume_at = 0.0  # monotonic time before which nobody posts (after a 429)
        self._channel_locks: dict[str, asyncio.Lock] = {}
        self._channel_last: dict[str, float] = {}

    async def deliver(
        self, channel: str, message: dict[str, Any], *, claim_id: str, oldest: float,
        check_first: bool = False, still_ours: Callable[[], Awaitable[bool]] | None = None,
    ) -> Delivery:  # fmt: skip
        """Post `message` to `channel` tagged with `claim_id`; never posts it twice.

        `oldest` bounds the history search (a Unix time before any earlier attempt);
        `check_first` searches before the first send, for a claim taken over from a
        process that may have sent it already, or a catch-up after a restart.
        `still_ours` is asked right before each send (after any wait); False means
        another process took the claim over ("lost").
        """
        joined = await self._ensure_member(channel)
        if joined.error in GONE_ERRORS or joined.error in AUTH_ERRORS:
            return _failure(joined.error or "")
        metadata = {"event_type": METADATA_TYPE, "event_payload": {"claim": claim_id}}
        uncertain, failures, ratelimited, rejoined = check_first, 0, 0, False
        last_error = ""
        while failures < self._attempts and ratelimited < self._ratelimit_attempts:
            if uncertain:
                try:
                    ts = await self.find_posted(channel, claim_id=claim_id, oldest=oldest)
                except Unreadable as error:
                    why = f"{last_error or 'an earlier attempt'}; history unreadable: {error}"
                    return Delivery("unverified", error=why)
                if ts:
                    return Delivery("sent", ts=ts)
            try:
                async with self._paced(channel):
                    if still_ours is not None and not await still_ours():
                        return Delivery("lost")
                    response = await self.client.chat_postMessage(
                        channel=channel, metadata=metadata, unfurl_links=False,
                        unfurl_media=False, **message,
                    )  # fmt: skip
                if joined.private:  # a private channel took the post: the bot is in it
                    await self._members.joined(channel)
                return Delivery("sent", ts=response["ts"])
            except SlackApiError as error:
                status = error.response.status_code
                code = str(error.response.get("error") or f"HTTP {status}")
                last_error = code
                if status == 429 or code == "ratelimited":
                    ratelimited += 1
                    self._pause(_retry_after(error))
                    uncertain = False
                    continue
                if status >= 500:
                    failures, uncertain = failures + 1, True
                    await self._sleep(self._backoff * 2 ** (failures - 1))
                    continue
                if code == "not_in_channel" and joined.private:
                    return _failure("private_channel_not_invited")
                if code == "not_in_channel" and not joined.ok:
                    return _failure(joined.error or code)
                if code == "not_in_channel" and not rejoined:  # removed since: join again
                    rejoined = True
                    await self._members.left(channel)
                    joined = await self._ensure_member(channel)
                    if joined.ok:
                        continue
                    return _failure(joined.error or code)
                return _failure(code)
            except NETWORK_ERRORS as error:
                failures, uncertain = failures + 1, True
                last_error = f"{type(error).__name__}: {error}"
                await self._sleep(self._backoff * 2 ** (failures - 1))
        if uncertain:  # the last attempt's outcome is unknown: look once more
            try:
                ts = await self.find_posted(channel, claim_id=claim_id, oldest=oldest)
            except Unreadable as error:
                return Delivery("unverified", error=f"{last_error}; history unreadable: {error}")
            if ts:
                return Delivery("sent", ts=ts)
        return Delivery("retry_later", error=f"gave up for now after {last_error}")

    async def find_posted(self, channel: str, *, claim_id: str, oldest: float) -> str | None:
        """The ts of our post for `claim_id` in the channel's recent history, if there is one.

        Raises Unreadable when the history cannot be read (not a member, no answer).
        """
        cursor, rejoined = None, False
        for _page in range(5):
            try:
                response = await self.client.conversations_history(
                    channel=channel, oldest=f"{oldest:.6f}", include_all_metadata=True,
                    limit=200, cursor=cursor,
                )  # fmt: skip
            except SlackApiError as error:
                code = str(error.response.get("error") or error.response.status_code)
                if code == "not_in_channel" and not rejoined:  # removed since: join again
                    rejoined = True
                    await self._members.left(channel)
                    if (await self._ensure_member(channel)).ok:
                        continue
                if code == "channel_not_found":
                    # Gone, or private and never joined: nothing of ours can be in it.
                    return None
                raise Unreadable(code) from None
            except NETWORK_ERRORS as error:
                raise Unreadable(f"{type(error).__name__}: {error}") from None
            for message in response.get("messages") or []:
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == METADATA_TYPE and payload.get("claim") == claim_id:
                    return message.get("ts")
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor:
                return None
        return None

    async def _ensure_member(self, channel: str) -> _Joined:
        """Join a public channel before posting there, so its history can be read.

        Private channels cannot be joined; the bot posts there only as an invited
        member (and then reads them with `groups:history`).
        """
        if await self._members.known(channel):
            return _Joined(True)
        try:
            await self.client.conversations_join(channel=channel)
        except SlackApiError as error:
            code = str(error.response.get("error") or error.response.status_code)
            if code == "method_not_supported_for_channel_type":
                return _Joined(False, private=True)
            log.warning(
                "could not join %s (%s): posting without reading its history", channel, code
            )
            return _Joined(False, error=code)
        except NETWORK_ERRORS as error:
            log.warning("could not join %s (%s); will try again next post", channel, error)
            return _Joined(False, error=f"{type(error).__name__}")
        await self._members.joined(channel)
        log.info("joined %s to post the quote of the day there", channel)
        return _Joined(True)

    @contextlib.asynccontextmanager
    async def _paced(self, channel: str) -> AsyncIterator[None]:
        lock = self._channel_locks.setdefault(channel, asyncio.Lock())
        async with lock, self._slots:
            while (wait := self._resume_at - time.monotonic()) > 0:
                await self._sleep(wait)
            since = time.monotonic() - self._channel_last.get(channel, -1e9)
            if since < self._channel_interval:
                await self._sleep(self._channel_interval - since)
            try:
                yield
            finally:
                self._channel_last[channel] = time.monotonic()

    def _pause(self, seconds: float) -> None:
        """Slack said 429: every post to this workspace waits, not just the one refused."""
        self._resume_at = max(self._resume_at, time.monotonic() + seconds)


def _retry_after(error: SlackApiError) -> float:
    try:
        return max(1.0, float(error.response.headers.get("Retry-After", 1)))
    except (TypeError, ValueError):
        return 1.0


def _failure(code: str) -> Delivery:
    if code in AUTH_ERRORS:
        return Delivery("unauthorized", error=code)
    if code in GONE_ERRORS:
        return Delivery("disabled", error=code)
    if code == "method_not_supported_for_channel_type":
        return Delivery("failed", error="private_channel_not_invited")
    return Delivery("failed", error=code)
