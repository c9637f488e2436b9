"""Reactions to the bot's quotes: who loves which quote, for `/quote top` and the Home tab.

Slack sends `reaction_added` and `reaction_removed` only from conversations the bot
is in (scope `reactions:read`). Only reactions to the bot's own posts count. The store
knows the quote of a post someone reacted to before and of each quote of the day; any
other post's quote is read off the message (`render.quote_shown`), so a quote shared
through a response_url, which gives no ts back, counts too; a channel's history holds no
thread replies, so a reply of the bot's (to a mention) is looked up in its thread.

Each event is recorded with its own time (`event_ts`), and the store keeps the latest per
reaction: a removal that arrives while its add is still reading the message, or before
it, wins. A retried event is dropped before it gets here (`bot.app`); one that slips
through (two instances) is the same event at the same time, and changes nothing.
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
        if not _on_our_message(event, context):
            return
        channel, ts = event["item"]["channel"], event["item"]["ts"]
        team = services.book_key(context.team_id or body.get("team_id"))
        quote_id = await asyncio.to_thread(
            services.store.reactions.quote_on, team_id=team, channel=channel, ts=ts
        )
        if quote_id is None:
            quote_id = await _quote_in_slack(client, channel, ts)
        if quote_id is None:
            return  # unreadable, or a message of ours with no quote: a notice, a list
        recorded = await asyncio.to_thread(
            services.store.reactions.add, team_id=team,
            quote_id=quote_id, channel=channel, ts=ts, user_id=event["user"],
            reaction=event["reaction"], event_ts=_event_ts(event, body), now=services.clock(),
        )  # fmt: skip
        if not recorded:
            _log_outdated(event)

    async def reaction_removed(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if not _on_our_message(event, context):
            return
        item = event["item"]
        team = services.book_key(context.team_id or body.get("team_id"))
        recorded = await asyncio.to_thread(
            services.store.reactions.remove, team_id=team,
            channel=item["channel"], ts=item["ts"], user_id=event["user"],
            reaction=event["reaction"], event_ts=_event_ts(event, body), now=services.clock(),
        )  # fmt: skip
        if not recorded:
            _log_outdated(event)

    app.event("reaction_added")(reaction_added)
    app.event("reaction_removed")(reaction_removed)


async def _quote_in_slack(client: AsyncWebClient, channel: str, ts: str) -> str | None:
    """The quote a message of the bot's shows, read off the message in the channel."""
    try:
        found = await client.conversations_history(
            channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
        )
        messages = found.get("messages") or []
        if not messages:  # a reply in a thread (how the bot answers a mention)
            thread = await client.conversations_replies(
                channel=channel, ts=ts, latest=ts, oldest=ts, inclusive=True, limit=2
            )
            messages = [m for m in thread.get("messages") or [] if m.get("ts") == ts]
    except SlackApiError as error:
        log.info("reaction in %s not counted: %s", channel, error.response.get("error"))
        return None
    return quote_shown(messages[0] if messages else None)


def _event_ts(event: dict[str, Any], body: dict[str, Any]) -> str:
    """When the event happened: its `event_ts`, else the envelope's `event_time` (seconds)."""
    return str(event.get("event_ts") or body.get("event_time") or "")


def _log_outdated(event: dict[str, Any]) -> None:
    item = event["item"]
    log.info(
        "%s :%s: by %s on %s in %s at %s is not newer than what is recorded: nothing changes",
        event.get("type"), event["reaction"], event["user"], item["ts"], item["channel"],
        event.get("event_ts"),
    )  # fmt: skip


def _on_our_message(event: dict[str, Any], context: AsyncBoltContext) -> bool:
    item = event.get("item") or {}
    return (
        item.get("type") == "message"
        and bool(item.get("channel") and item.get("ts") and event.get("user"))
        and bool(context.bot_user_id)
        and event.get("item_user") == context.bot_user_id
    )
