"""Mentions in channels and direct messages: answer with the best-matching quote.

Slack retries an event it thinks was not received, with the same `event_id`;
`drop_retried_events` (in bot.app) makes sure a retry never gets a second reply.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.answers import answer
from bot.listeners.replies import public
from bot.mrkdwn import unescape
from bot.services import Services

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def request_text(text: str | None) -> str:
    """What the user asked for: the message text without mentions, unescaped once."""
    return unescape(_MENTION.sub(" ", text or "")).strip()


def is_user_dm(event: dict[str, Any]) -> bool:
    """A direct message typed by a person: not an edit, not a bot, not a join notice."""
    return (
        event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id")
    )


def register(app: AsyncApp, services: Services) -> None:
    async def reply(
        client: AsyncWebClient, event: dict[str, Any], context: AsyncBoltContext, *,
        thread_ts: str | None,
    ) -> None:  # fmt: skip
        corpus = services.corpus_for(context.team_id or event.get("team"))
        message = public(answer(corpus, request_text(event.get("text")), rng=services.rng))
        await client.chat_postMessage(
            channel=event["channel"],
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **message,
        )

    async def mention(
        client: AsyncWebClient, event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await reply(client, event, context, thread_ts=event.get("thread_ts") or event["ts"])

    async def direct_message(
        client: AsyncWebClient, event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await reply(client, event, context, thread_ts=event.get("thread_ts"))

    async def dm_matcher(event: dict[str, Any]) -> bool:
        return is_user_dm(event)

    app.event("app_mention")(mention)

    async def other_message() -> None:
        """Edits, bot messages and the like: nothing to answer, but acknowledged."""

    app.event("message", matchers=[dm_matcher])(direct_message)
    app.event("message")(other_message)
