"""`/quote daily …`: subscribe the current channel, show its schedules, or stop them."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from bot.daily.schedule import next_post, parse_request
from bot.mrkdwn import escape
from bot.render import notice_message
from bot.services import Services


async def handle(services: Services, command: dict[str, Any], text: str) -> dict[str, Any]:
    """The reply to a `/quote daily` command, as keyword arguments for `ack()`."""
    channel, team = command["channel_id"], command.get("team_id") or ""
    store, now = services.store, services.clock()
    words = text.strip()
    if words.lower() in ("off", "stop", "cancel", "unsubscribe"):
        reason = f"turned off in Slack by {command.get('user_id', 'someone')}"
        count = await asyncio.to_thread(
            store.unsubscribe, team_id=team, channel=channel, reason=reason
        )
        text = "No more quotes of the day here." if count else "This channel had no schedule."
        return {"response_type": "in_channel" if count else "ephemeral", **notice_message(text)}
    if not words:
        subs = await asyncio.to_thread(store.subscriptions, team_id=team, channel=channel)
        if not subs:
            return notice_message(
                "No quote of the day here yet. Try `/quote daily 09:00 Europe/Berlin mon-fri`."
            )
        lines = [
            f"• {escape(s.subscription.describe())}: next "
            f"{next_post(s.subscription, now=now):%a %d %b %H:%M %Z}"
            for s in subs
        ]
        return notice_message("Quote of the day in this channel:\n" + "\n".join(lines))
    try:
        sub = parse_request(
            words, channel=channel, team_id=team, default_zone=services.settings.timezone
        )
    except ValueError as error:
        return notice_message(escape(str(error)))
    topics = [services.corpus.find_topic(name) for name in sub.topics]
    if None in topics:
        unknown = sub.topics[topics.index(None)]
        close = services.corpus.closest_topics(unknown)
        hint = f" Try {', '.join(f'`{escape(t)}`' for t in close)}." if close else ""
        return notice_message(
            f"No topic “{escape(unknown)}”, so nothing was set.{hint} "
            "`/quote topics` lists them all."
        )
    # Stored under the topic's own name: `robots`, `Robotics` and `robtics` are one.
    sub = replace(sub, topics=tuple(t for t in topics if t))
    await asyncio.to_thread(store.subscribe, sub, user=command.get("user_id"), now=now)
    when = next_post(sub, now=now)
    return {
        "response_type": "in_channel",
        **notice_message(
            f"Quote of the day set: {escape(sub.describe())}. "
            f"First one {when:%a %d %b at %H:%M %Z}."
        ),
    }
