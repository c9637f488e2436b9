"""Send one daily post to Slack, within Slack's limits, retrying what can be retried.

One `Poster` per workspace. It paces posts (one per channel per second, a bounded
number in flight, and a workspace-wide pause whenever Slack answers 429), retries
5xx answers and connection errors with backoff, and sorts every other answer into a
`Delivery` the runner can act on.

`chat.postMessage` has no idempotency key: when a send may have gone through (a
timeout, a 5xx), the channel's history is searched for the post's metadata before
sending again. Slack lets a bot read the history only of channels it is a member
of, even where `chat:write.public` lets it post without joining. So the Poster
joins each public channel it posts to (once: membership is kept in the store): in
the background after a post went out, so posts never wait for joins, and right away
when a send's outcome is unknown and the history must be read. Where the history
still cannot be read (the workspace refuses the join), it does not send again: the
post is "unverified", a possible miss rather than a double post.
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
PASSING_ERRORS = frozenset({"ratelimited", "no answer"})  # a join worth trying again soon
HISTORY_PAGES = 10  # of 200 messages: how far back a lost answer is looked for
BACKGROUND_JOINS = 3  # joins at once: conversations.join is rate-limited (Tier 3)


class Membership(Protocol):
    """Which channels the bot is known to be in (kept in the store, shared by instances)."""

    async def known(self, channel: str) -> bool: ...

    async def joined(self, channel: str) -> None: ...

    async def left(self, channel: str) -> None: ...


class Unreadable(Exception):
    """The channel's history cannot be read, so whether a post went out cannot be known."""


class NotNow(Exception):
    """The history could not be read just now (a 429, a 5xx, no answer): try again later."""


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
        self._joining: set[str] = set()  # channels a background join was started for
        self._joins: set[asyncio.Task[_Joined]] = set()
        self._join_slots = asyncio.Semaphore(BACKGROUND_JOINS)
        self._private: set[str] = set()  # channels Slack says cannot be joined

    async def deliver(
        self, channel: str, message: dict[str, Any], *, claim_id: str, oldest: float,
        check_first: bool = False, still_ours: Callable[[], Awaitable[bool]] | None = None,
    ) -> Delivery:  # fmt: skip
        """Post `message` to `channel` tagged with `claim_id`; never posts it twice.

        `oldest` bounds the history search (a Unix time before any earlier attempt);
        `check_first` searches before the first send, for a claim taken over from a
        process that may have sent it already, or a post due before the database was made.
        `still_ours` is asked right before each send (after any wait); False means
        another process took the claim over ("lost").
        """
        metadata = {"event_type": METADATA_TYPE, "event_payload": {"claim": claim_id}}
        uncertain, failures, ratelimited, joined_for_post = check_first, 0, 0, False
        last_error = ""
        while failures < self._attempts and ratelimited < self._ratelimit_attempts:
            if uncertain and (found := await self._look(channel, claim_id, oldest, last_error)):
                return found
            try:
                async with self._paced(channel):
                    if still_ours is not None and not await still_ours():
                        return Delivery("lost")
                    response = await self.client.chat_postMessage(
                        channel=channel, metadata=metadata, unfurl_links=False,
                        unfurl_media=False, **message,
                    )  # fmt: skip
                self._join_later(channel)
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
                if code == "not_in_channel" and not joined_for_post:
                    # A token without chat:write.public (an older install), or a channel
                    # that left the bot: join, then post.
                    joined_for_post = True
                    await self._members.left(channel)
                    joined = await self._ensure_member(channel)
                    if joined.ok:
                        continue
                    return _failure(
                        "private_channel_not_invited" if joined.private else joined.error or code
                    )
                return _failure(code)
            except TimeoutError as error:
                # Slack may still be taking it in: a look now could miss a post that lands
                # a moment later. Give it up for now; the next run looks before sending.
                return Delivery(
                    "retry_later", error=f"no answer in time ({error or 'timeout'})",
                    maybe_sent=True,
                )  # fmt: skip
            except NETWORK_ERRORS as error:
                failures, uncertain = failures + 1, True
                last_error = f"{type(error).__name__}: {error}"
                await self._sleep(self._backoff * 2 ** (failures - 1))
        if uncertain and (found := await self._look(channel, claim_id, oldest, last_error)):
            return found
        return Delivery("retry_later", error=f"gave up for now after {last_error}")

    async def settle(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) for the background joins; cancel the rest."""
        if self._joins:
            _, late = await asyncio.wait(list(self._joins), timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _look(
        self, channel: str, claim_id: str, oldest: float, last_error: str
    ) -> Delivery | None:
        """Our post for `claim_id`, found in the channel; None when it is not there.

        Reading needs membership, so a channel the bot is not in yet is joined first.
        When it still cannot be read, the outcome stays unknown: "unverified".
        """
        joined = await self._ensure_member(channel)
        if joined.error in GONE_ERRORS or joined.error in AUTH_ERRORS:
            return _failure(joined.error or "")
        if joined.error in PASSING_ERRORS:  # the join may work in a minute: look then
            why = f"{last_error or 'an earlier attempt'}; could not join to look: {joined.error}"
            return Delivery("retry_later", error=why, maybe_sent=True)
        try:
            ts = await self.find_posted(channel, claim_id=claim_id, oldest=oldest)
        except NotNow as error:
            why = f"{last_error or 'an earlier attempt'}; history not readable now: {error}"
            return Delivery("retry_later", error=why, maybe_sent=True)
        except Unreadable as error:
            if str(error) == "channel_not_found":  # gone, or private without the bot
                return _failure("channel_not_found")
            why = f"{last_error or 'an earlier attempt'}; history unreadable: {error}"
            return Delivery("unverified", error=why)
        return Delivery("sent", ts=ts) if ts else None

    async def find_posted(self, channel: str, *, claim_id: str, oldest: float) -> str | None:
        """The ts of our post for `claim_id` in the channel's recent history, if there is one.

        Raises NotNow when Slack could not answer just now (429, 5xx, no answer), and
        Unreadable when the history cannot be read at all (not a member, too much of it).
        """
        cursor, rejoined = None, False
        for _page in range(HISTORY_PAGES):
            try:
                response = await self.client.conversations_history(
                    channel=channel, oldest=f"{oldest:.6f}", include_all_metadata=True,
                    limit=200, cursor=cursor,
                )  # fmt: skip
            except SlackApiError as error:
                status = error.response.status_code
                code = str(error.response.get("error") or status)
                if status == 429 or code == "ratelimited":
                    self._pause(_retry_after(error))
                    raise NotNow(code) from None
                if status >= 500:
                    raise NotNow(code) from None
                if code == "not_in_channel" and not rejoined:  # removed since: join again
                    rejoined = True
                    await self._members.left(channel)
                    if (await self._ensure_member(channel)).ok:
                        continue
                raise Unreadable(code) from None
            except NETWORK_ERRORS as error:
                raise NotNow(f"{type(error).__name__}: {error}") from None
            for message in response.get("messages") or []:
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == METADATA_TYPE and payload.get("claim") == claim_id:
                    return message.get("ts")
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor:
                return None
        # A channel this busy since the first attempt: not found is not known.
        raise Unreadable(f"more than {HISTORY_PAGES * 200} messages to look through")

    def _join_later(self, channel: str) -> None:
        """After a post in a channel the bot may not be in: join it, without holding up posts.

        Membership lets the bot read the channel next time an answer is lost (and
        brings the channel's reactions and events); the post itself did not need it.
        """
        if channel in self._joining:
            return
        self._joining.add(channel)
        task = asyncio.create_task(self._join_in_background(channel))
        self._joins.add(task)
        task.add_done_callback(self._joins.discard)

    async def _join_in_background(self, channel: str) -> _Joined:
        async with self._join_slots:
            joined = await self._ensure_member(channel, patient=True)
        if not joined.ok and not joined.private:
            self._joining.discard(channel)  # try again after a later post
        return joined

    async def _ensure_member(self, channel: str, *, patient: bool = False) -> _Joined:
        """Join a public channel (once: the membership is kept), so its history can be read.

        Private channels cannot be joined; the bot posts there only as an invited
        member (and then reads them with `groups:history`). `patient`: a background
        join waits out Slack's rate limit instead of giving up.
        """
        if await self._members.known(channel):
            return _Joined(True)
        if channel in self._private:
            return _Joined(False, private=True)
        for _attempt in range(5 if patient else 1):
            try:
                await self.client.conversations_join(channel=channel)
            except SlackApiError as error:
                code = str(error.response.get("error") or error.response.status_code)
                if code == "method_not_supported_for_channel_type":
                    self._private.add(channel)  # never joinable: do not ask again
                    return _Joined(False, private=True)
                status = error.response.status_code
                if status == 429 or code == "ratelimited":
                    if not patient:
                        return _Joined(False, error="ratelimited")
                    await self._sleep(_retry_after(error))
                    continue
                if status >= 500:
                    return _Joined(False, error="no answer")
                log.warning("could not join %s (%s): its history cannot be read", channel, code)
                return _Joined(False, error=code)
            except NETWORK_ERRORS as error:
                log.warning("could not join %s (%s); will try again later", channel, error)
                self._joining.discard(channel)
                return _Joined(False, error="no answer")
            await self._members.joined(channel)
            log.info("joined %s, where the quote of the day is posted", channel)
            return _Joined(True)
        return _Joined(False, error="ratelimited")

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
