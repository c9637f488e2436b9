"""Turn an `Answer` into the message each kind of reply needs."""

from __future__ import annotations

from typing import Any

from bot.answers import MAX_QUERY, Answer
from bot.mrkdwn import escape, shorten
from bot.render import (
    ButtonState,
    help_message,
    no_speaker_message,
    not_found_message,
    notice_message,
    quote_message,
    topics_message,
)


def preview(reply: Answer, *, command: str = "/quote") -> dict[str, Any]:
    """An ephemeral preview: a quote with Share, Another and Cancel buttons."""
    return _message(reply, command=command, buttons=True)


def public(reply: Answer, *, command: str = "/quote") -> dict[str, Any]:
    """A reply everyone in the conversation sees (mentions and DMs): no buttons."""
    return _message(reply, command=command, buttons=False)


def _message(reply: Answer, *, command: str, buttons: bool) -> dict[str, Any]:
    if reply.kind == "quote" and reply.quote is not None:
        state = ButtonState(reply.query, reply.position, reply.quote.id) if buttons else None
        return quote_message(reply.quote, buttons=state)
    if reply.kind == "topics":
        return topics_message(reply.topics)
    if reply.kind == "not_found":
        return not_found_message(reply.query, reply.suggestions)
    if reply.kind == "no_speaker":
        return no_speaker_message(reply.query, reply.suggestions, command)
    if reply.kind == "no_id":
        return notice_message(
            f"No quote has the ID `#{escape(shorten(reply.query, 40))}`. The ID is at the "
            "end of a quote's last line."
        )
    if reply.kind == "too_long":
        return notice_message(
            f"That is a long request: please keep it under {MAX_QUERY} characters."
        )
    if reply.kind == "empty":
        return notice_message("The quote collection is empty: there is nothing to share yet.")
    return help_message(command)
