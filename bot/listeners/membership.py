"""Whether a person is in a conversation, and what to tell them when they share where they are not.

No listeners of its own: the Home tab's Share and schedule list, and the schedule form,
ask here. Slack's
`users.conversations` with a bot token lists a person's public channels, and their
private channels only where the bot is a member too, so "not listed" also means "a
private channel the bot is not in": `share_refusal` asks `conversations.info` which it
is before it says anything. The read scopes (`channels:read`, `groups:read`) came
after the first installs: without them Slack cannot say, and nothing is refused.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.mrkdwn import escape

log = logging.getLogger(__name__)
T = TypeVar("T")

TYPES = "public_channel,private_channel"  # im and mpim would need im:read and mpim:read
PAGE = 200  # conversations a page: what Slack recommends (its maximum is near 1,000)
SHARE_WITHIN = 5.0  # seconds: a share is acked already, so it can wait longer than a form
NOT_SHARED = "The quote was not shared there: invite @quotebot to that channel first."


async def is_member(
    client: AsyncWebClient, *, user_id: str, channel_id: str, within: float
) -> bool | None:
    """True when `user_id` is in `channel_id`, False when not (or it is a private channel
    the bot is not in, or archived), None when Slack cannot say within `within` seconds."""
    return await _within(_listed(client, user_id, channel_id), user_id, within)


async def channels_of(
    client: AsyncWebClient, *, user_id: str, within: float
) -> frozenset[str] | None:
    """The channels `user_id` is in that the bot can see (its private ones: those the bot
    is in too), or None when Slack cannot say within `within` seconds."""

    async def every_page() -> frozenset[str]:
        return frozenset([channel async for channel in _channel_ids(client, user_id)])

    return await _within(every_page(), user_id, within)


async def _within(asking: Awaitable[T], user_id: str, within: float) -> T | None:
    """What Slack answered within `within` seconds; None (logged) if it did not say."""
    try:
        return await asyncio.wait_for(asking, within)
    except TimeoutError:
        log.info("users.conversations for %s took over %ss: not checked", user_id, within)
    except SlackApiError as error:
        code = error.response.get("error")
        log.info("users.conversations for %s answered %s: membership not checked", user_id, code)
    return None


async def _listed(client: AsyncWebClient, user_id: str, channel_id: str) -> bool:
    """Page through the person's channels until `channel_id`."""
    async for channel in _channel_ids(client, user_id):
        if channel == channel_id:
            return True
    return False


async def _channel_ids(client: AsyncWebClient, user_id: str) -> AsyncIterator[str]:
    """The IDs of the person's channels, page by page (archived ones left out)."""
    cursor: str | None = None
    while True:
        page = await client.users_conversations(
            user=user_id, types=TYPES, exclude_archived=True, limit=PAGE, cursor=cursor
        )
        for found in page.get("channels") or []:
            yield str(found.get("id") or "")
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


async def share_refusal(client: AsyncWebClient, *, user_id: str, channel_id: str) -> str | None:
    """Why `user_id` may not share into `channel_id`, as a line for them; None when they may,
    or Slack cannot say (then the post itself tells).

    A DM (`D…`) is not looked up: Slack lets the bot post only in its own, and a refused
    post is answered already. The channel is named, never linked: `#name`, escaped.
    """
    if channel_id.startswith("D"):
        return None
    member = await is_member(client, user_id=user_id, channel_id=channel_id, within=SHARE_WITHIN)
    if member is not False:
        return None
    try:
        info = (await client.conversations_info(channel=channel_id)).get("channel") or {}
    except SlackApiError as error:
        if error.response.get("error") == "channel_not_found":
            return NOT_SHARED  # private, and the bot is not in it
        return None
    if info.get("is_im") or info.get("is_mpim"):
        return None  # not a channel one joins: the post decides
    name = f"#{escape(str(info.get('name') or channel_id))}"
    if info.get("is_archived"):
        return f"The quote was not shared: {name} is archived."
    return f"You are not in {name}: join it first, then share the quote there."
