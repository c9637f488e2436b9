"""Reactions to the bot's quotes: who loves which quote, for `/quote top` and the Home tab.

Slack sends `reaction_added` and `reaction_removed` only from conversations the bot
is in (scope `reactions:read`). Only reactions to the bot's own posts count. The quote
is read off the reacted-to message (`render.quote_shown`), so a quote shared through a
response_url, which gives no ts back, counts too; a channel's history holds no thread
replies, so a reply of the bot's (to a mention) is looked up in its thread. A retried
event is dropped before it gets here (`bot.app`), and the store keeps one row per
person, post and emoji, so nothing counts twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.render import quote_shown
from bot.services import Services

log = logging.getLogger(__name__)


def register(app: AsyncApp, services: Services) -> None:
    async def reaction_added(
        client: AsyncWebClient, event: dict[str, Any], body: dict[str, Any],
        context: AsyncBoltContext,
    ) -> None:  # fmt: skip
        item = event.get("item") or {}
        if not _on_our_message(event, context):
            return
        channel, ts = item["channel"], item["ts"]
        try:
            found = await client.conversations_history(
                channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
            )
        except SlackApiError as error:
            log.info("reaction in %s not counted: %s", channel, error.response.get("error"))
            return
        messages = found.get("messages") or []
        if not messages:  # a reply in a thread (how the bot answers a mention)
            try:
                thread = await client.conversations_replies(
                    channel=channel, ts=ts, latest=ts, oldest=ts, inclusive=True, limit=2
                )
            except SlackApiError as error:
                log.info("reaction in %s not counted: %s", channel, error.response.get("error"))
                return
            messages = [m for m in thread.get("messages") or [] if m.get("ts") == ts]
        quote_id = quote_shown(messages[0] if messages else None)
        if quote_id is None:
            return  # a message of ours with no quote: a notice, a list
        team = services.book_key(context.team_id or body.get("team_id"))
        await asyncio.to_thread(
            services.store.reactions.add, team_id=team,
            quote_id=quote_id, channel=channel, ts=ts, user_id=event["user"],
            reaction=event["reaction"], now=services.clock(),
        )  # fmt: skip

    async def reaction_removed(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if not _on_our_message(event, context):
            return
        item = event["item"]
        team = services.book_key(context.team_id or body.get("team_id"))
        await asyncio.to_thread(
            services.store.reactions.remove, team_id=team,
            channel=item["channel"], ts=item["ts"], user_id=event["user"],
            reaction=event["reaction"],
        )  # fmt: skip

    app.event("reaction_added")(reaction_added)
    app.event("reaction_removed")(reaction_removed)


def _on_our_message(event: dict[str, Any], context: AsyncBoltContext) -> bool:
    item = event.get("item") or {}
    return (
        item.get("type") == "message"
        and bool(item.get("channel") and item.get("ts") and event.get("user"))
        and bool(context.bot_user_id)
        and event.get("item_user") == context.bot_user_id
    )
