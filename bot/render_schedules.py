"""Quote-of-the-day schedules as Slack messages: a channel's list, and what a change did.

Pure, like `bot.render`: schedule fields come from users (topics, zones), so each is
escaped once here and cut to a length that keeps every message within Slack's
limits, however many schedules a channel has.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.daily.schedules import StoredSubscription
from bot.mrkdwn import escape, split
from bot.render_schedule_form import OPEN as OPEN_FORM

Message = dict

MAX_LISTED = 25  # a channel has at most 10 made in Slack; the settings file may add more
DESCRIPTION_LIMIT = 300  # characters of one schedule's description
SECTION_LIMIT = 3000


def describe(stored: StoredSubscription, *, now: datetime) -> str:
    """`K7Q2M` 09:00 Europe/Berlin mon-fri on robotics · next Tue 10 Mar 09:00 CET."""
    sub = stored.subscription
    text = sub.describe()
    if len(text) > DESCRIPTION_LIMIT:
        text = text[: DESCRIPTION_LIMIT - 1] + "…"
    origin = " · from the settings file" if stored.origin == "config" else ""
    state = f"next {stored.next_post(now=now):%a %d %b %H:%M %Z}" if stored.enabled else "off"
    return f"`{sub.id}` {escape(text)}{origin} · {state}"


def schedule_list_message(
    subs: Sequence[StoredSubscription], *, now: datetime, command: str = "/quote",
    channel: str | None = None,
) -> Message:  # fmt: skip
    """A channel's schedules with their IDs, for `/quote daily`.

    With `channel`, an "Add a schedule here" button opens the schedule form for it.
    """
    if not subs:
        empty = _plain(
            f"No quote of the day here yet. Try `{command} daily 09:00 Europe/Berlin mon-fri`."
        )
        return _with_add_button(empty, channel)
    lines = [f"• {describe(s, now=now)}" for s in subs[:MAX_LISTED]]
    if len(subs) > MAX_LISTED:
        lines.append(f"…and {len(subs) - MAX_LISTED} more: `quotebot daily list` shows them all.")
    hint = (
        f"`{command} daily off ID` stops one, `{command} daily off` all of them; "
        f"`{command} daily edit ID 10:00 …` changes one."
    )
    text = "Quote of the day in this channel:\n" + "\n".join(lines)
    blocks = [_section(piece) for piece in split(text, SECTION_LIMIT)]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": hint}]})
    return _with_add_button({"text": split(text, SECTION_LIMIT)[0], "blocks": blocks}, channel)


def _with_add_button(message: Message, channel: str | None) -> Message:
    if not channel:
        return message
    add = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Add a schedule here"},
        "action_id": OPEN_FORM,
        "value": channel,
    }
    return {**message, "blocks": [*message["blocks"], {"type": "actions", "elements": [add]}]}


def notice(text: str) -> Message:
    """The bot's own (already escaped) words, cut to fit one section."""
    return _plain(split(text, SECTION_LIMIT)[0])


def _plain(text: str) -> Message:
    return {"text": text, "blocks": [_section(text)]}


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
