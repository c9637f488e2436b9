"""The /quote slash command.

The answer goes back in the command's own HTTP response (`ack(...)`): it is the
fastest path, needs no extra call, and works in DMs and in channels the bot has
not joined, where `say()` would fail.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.answers import answer
from bot.listeners import daily as daily_listener
from bot.listeners.replies import preview
from bot.mrkdwn import unescape
from bot.services import Services


def register(app: AsyncApp, services: Services) -> None:
    async def quote(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        text = unescape(command.get("text") or "").strip()
        first, _, rest = text.partition(" ")
        if first.lower() == "daily":
            await ack(**await daily_listener.handle(services, command, rest, client))
            return
        reply = answer(services.corpus, text, rng=services.rng)
        await ack(response_type="ephemeral", **preview(reply, command=command["command"]))

    app.command("/quote")(quote)
