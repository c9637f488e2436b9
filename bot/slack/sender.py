"""The Slack side of the quote of the day: each workspace's token, poster and memberships.

`SlackSender` is the `bot.daily.delivery.Sender` the runner posts through. It finds
each workspace's client (one token, or the installation store in OAuth mode), keeps a
`Poster` per (workspace, token), remembers which channels the bot has joined (in the
store, so a restart does not join them all again), and stops posting to a workspace
whose token Slack refused, saying so once.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.daily.delivery import Delivery, Post
from bot.slack.poster import Poster
from bot.store import Store

log = logging.getLogger(__name__)

ClientFor = Callable[[str], AsyncWebClient | Awaitable[AsyncWebClient | None] | None]


class StoredMembership:
    """A workspace's channel memberships: read once from the store, written through.

    Its reads and writes have a thread of their own: in the default pool they would
    queue behind a fan-out's thousand claims, and hold up the posts that wait on them.
    """

    def __init__(
        self, store: Store, team_id: str, clock: Callable[[], datetime], pool: Executor
    ) -> None:
        self._store, self._team, self._clock, self._pool = store, team_id, clock, pool
        self._channels: set[str] | None = None
        self._loading = asyncio.Lock()

    async def _run(self, call: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, functools.partial(call, *args, **kwargs)
        )

    async def known(self, channel: str) -> bool:
        async with self._loading:  # a fan-out's first posts all ask at once: read once
            if self._channels is None:
                self._channels = await self._run(self._store.members.channels, self._team)
        return channel in self._channels

    async def joined(self, channel: str) -> None:
        if self._channels is not None:
            self._channels.add(channel)
        await self._run(
            self._store.members.add, team_id=self._team, channel=channel, now=self._clock()
        )

    async def left(self, channel: str) -> None:
        if self._channels is not None:
            self._channels.discard(channel)
        await self._run(self._store.members.remove, team_id=self._team, channel=channel)


class SlackSender:
    """Posts the runner's `Post`s with each workspace's own token."""

    def __init__(
        self,
        *,
        store: Store,
        client_for: ClientFor,
        clock: Callable[[], datetime],
        forget: Callable[[str], Awaitable[None]] | None = None,
        poster_options: dict[str, Any] | None = None,
    ) -> None:
        self._store = store
        # team id -> a client with that workspace's token (looked up in the installation
        # store in OAuth mode, so it may be a coroutine).
        self._client_for = client_for
        self._clock = clock
        self._forget = forget  # delete a workspace's tokens once Slack refuses them
        self._poster_options = poster_options or {}
        self._posters: dict[tuple[str, str], Poster] = {}
        self._members: dict[str, StoredMembership] = {}
        self._refused: set[tuple[str, str]] = set()  # (team, token) Slack refused
        self._paused: set[str] = set()  # workspaces with no token, said once
        self._member_pool = ThreadPoolExecutor(1, thread_name_prefix="quotebot-members")

    async def _client(self, team_id: str) -> AsyncWebClient | None:
        client = self._client_for(team_id)
        if inspect.isawaitable(client):
            client = await client
        return client

    async def ready(self, team_id: str) -> bool:
        client = await self._client(team_id)
        if client is None:
            if team_id not in self._paused:
                self._paused.add(team_id)
                log.warning(
                    "no token for workspace %r (uninstalled?): its quotes of the day are "
                    "paused until the app is installed there again",
                    team_id,
                )
            return False
        if team_id in self._paused:
            self._paused.discard(team_id)
            log.info("workspace %r has a token again: its quotes of the day resume", team_id)
        return (team_id, client.token or "") not in self._refused

    async def settle(self, timeout: float) -> None:
        """Let background joins finish (at most `timeout` seconds), then free the thread."""
        await asyncio.gather(*(poster.settle(timeout) for poster in self._posters.values()))
        self._member_pool.shutdown(wait=False, cancel_futures=True)

    async def deliver(self, post: Post, *, still_ours: Callable[[], Awaitable[bool]]) -> Delivery:
        client = await self._client(post.team_id)
        if client is None:
            return Delivery("retry_later", error="no token for this workspace")
        key = (post.team_id, client.token or "")  # a reinstall brings a new token
        poster = self._posters.get(key)
        if poster is None:
            members = self._members.setdefault(
                post.team_id,
                StoredMembership(self._store, post.team_id, self._clock, self._member_pool),
            )
            poster = self._posters[key] = Poster(client, members=members, **self._poster_options)
        delivery = await poster.deliver(
            post.channel, post.message, claim_id=post.claim_id, oldest=post.oldest,
            check_first=post.check_first, still_ours=still_ours,
        )  # fmt: skip
        if delivery.status == "unauthorized" and key not in self._refused:
            self._refused.add(key)
            log.critical(
                "Slack refused the bot token (%s) for workspace %r: quote of the day is "
                "stopped there until the app is reinstalled (or SLACK_BOT_TOKEN fixed and "
                "quotebot restarted)",
                delivery.error,
                post.team_id or "(single workspace)",
            )
            if self._forget is not None:
                await self._forget(post.team_id)
        return delivery
