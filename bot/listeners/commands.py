"""The /quote slash command.

The answer goes back in the command's own HTTP response (`ack(...)`): it is the
fastest path, needs no extra call, and works in DMs and in channels the bot has
not joined, where `say()` would fail.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.answers import answer
from bot.corpus import Quote
from bot.listeners import book
from bot.listeners import daily as daily_listener
from bot.listeners.replies import preview
from bot.loved import month_start, most_loved
from bot.mrkdwn import unescape
from bot.render import LOVED_SHOWN, top_message
from bot.services import Services


def register(app: AsyncApp, services: Services) -> None:
    async def quote(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        text = unescape(command.get("text") or "").strip()
        first, _, rest = text.partition(" ")
        verb = first.lower()
        if verb == "daily":
            await ack(**await daily_listener.handle(services, command, rest, client))
            return
        if verb == "add" and not rest.strip():
            await ack()  # first: the form's views.open can take a moment
            refused = await book.open_add_form(services, command, client)
            if refused:
                await respond(response_type="ephemeral", **refused)
            return
        if verb == "review" and not rest.strip():
            await ack()  # first: who is asking and what waits take Slack and database calls
            waiting = await book.review_list(services, command, client)
            await respond(response_type="ephemeral", **waiting)
            return
        if verb == "top" and not rest.strip():
            await ack(response_type="ephemeral", **await _most_loved(services, command))
            return
        reply = answer(services.corpus_for(command.get("team_id")), text, rng=services.rng)
        await ack(response_type="ephemeral", **preview(reply, command=command["command"]))

    app.command("/quote")(quote)


async def _most_loved(services: Services, command: dict[str, Any]) -> dict[str, Any]:
    """`/quote top`: the most loved quotes still in the collection, this month and ever."""
    team = command.get("team_id")
    corpus, key = services.corpus_for(team), services.book_key(team)
    since = month_start(services.clock(), services.settings.timezone)

    def loved(since: datetime | None) -> list[tuple[Quote, int]]:
        found = most_loved(services.store, corpus, key, since=since, limit=LOVED_SHOWN)
        return [(item.quote, item.people) for item in found]

    month, ever = await asyncio.gather(
        asyncio.to_thread(loved, since), asyncio.to_thread(loved, None)
    )
    return top_message(month, ever)
