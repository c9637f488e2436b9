"""Quotes and answers as Slack messages: Block Kit blocks plus a plain-text fallback.

Pure functions from domain values to message dicts (`{"text": …, "blocks": […]}`);
nothing here talks to Slack. Every string that came from a user or a quote file goes
through `mrkdwn.escape` exactly once, here and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.corpus import Quote, Topic
from bot.mrkdwn import escape, link, mention, split

Message = dict[str, Any]

SECTION_LIMIT = 3000  # characters in a section's text
MAX_BLOCKS = 50
FALLBACK_LIMIT = 300  # characters of quote in the notification text

# action_ids of the buttons; the listeners match on these.
SHARE = "quote_share"
ANOTHER = "quote_another"
CANCEL = "quote_cancel"
DAILY_ANOTHER = "daily_another"


@dataclass(frozen=True, slots=True)
class ButtonState:
    """What a button needs to remember: the query, which result is shown, which quote."""

    query: str
    position: int
    quote_id: str

    def encode(self) -> str:
        payload = {"q": self.query, "i": self.position, "id": self.quote_id}
        return json.dumps(payload, ensure_ascii=False)  # a 500-character query stays < 2,000

    @classmethod
    def decode(cls, value: str) -> ButtonState:
        data = json.loads(value)
        return cls(query=str(data["q"]), position=int(data["i"]), quote_id=str(data["id"]))


def quote_message(
    quote: Quote,
    *,
    header: str | None = None,
    shared_by: str | None = None,
    buttons: ButtonState | None = None,
    daily_button: bool = False,
) -> Message:
    """A quote as a message: optional header, the quote, attribution, then buttons."""
    blocks: list[dict[str, Any]] = []
    if header:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": header}})
    after = [_context(_attribution(quote))]
    if shared_by:
        after.append(_context(f"Shared by {mention(shared_by)}"))
    if buttons:
        after.append(_preview_buttons(buttons))
    if daily_button:
        after.append(
            {
                "type": "actions",
                "elements": [_button("Show me another", DAILY_ANOTHER, quote.id)],
            }
        )
    blocks += _quote_sections(quote, room=MAX_BLOCKS - len(blocks) - len(after))
    return {"text": fallback_text(quote, header=header), "blocks": blocks + after}


def fallback_text(quote: Quote, *, header: str | None = None) -> str:
    """The plain text shown in notifications and by clients that cannot show blocks."""
    text = quote.text if len(quote.text) <= FALLBACK_LIMIT else quote.text[:FALLBACK_LIMIT] + "…"
    by = f" — {quote.speaker}" if quote.speaker else ""
    prefix = f"{header}: " if header else ""
    return escape(f"{prefix}“{text}”{by}")


def topics_message(topics: Sequence[Topic]) -> Message:
    """The list of topics with their quote counts."""
    if not topics:
        return _plain("There are no topics yet: the quote collection is empty.")
    lines = [f"• {escape(topic.name)} ({topic.count})" for topic in topics]
    intro = f"*{len(topics)} topics.* Try `/quote &lt;topic&gt;`:"  # escaped: < is markup
    return {
        "text": f"{len(topics)} topics: " + ", ".join(escape(t.name) for t in topics[:20]),
        "blocks": _sections(intro + "\n" + "\n".join(lines)),
    }


def help_message(command: str = "/quote") -> Message:
    """How to use the bot."""
    text = (
        f"*{command}* shares a quote from the team's collection.\n"
        f"• `{command}`: a random quote\n"
        f"• `{command} robotics`: a quote on a topic, or on any words\n"
        f"• `{command} topics`: the list of topics\n"
        f"• `{command} daily 09:00 Europe/Berlin mon-fri [topics]`: a quote of the day here\n"
        f"• `{command} daily`: this channel's schedules · `{command} daily off`: stop them\n"
        "You get a preview only you can see: *Share* posts it for everyone.\n"
        "Mention me with some words (`@quotebot small models`) and I answer in the thread."
    )
    return {"text": f"How to use {command}", "blocks": _sections(text)}


def not_found_message(query: str, suggestions: Sequence[str]) -> Message:
    """No quote matched: say so, and point at the closest topics."""
    text = f"No quote matches “{escape(query)}”."
    if suggestions:
        text += " Try " + ", ".join(f"`{escape(name)}`" for name in suggestions) + "."
    text += " `/quote topics` lists them all."
    return _plain(text)


def notice_message(text: str) -> Message:
    """A short message of the bot's own (already safe) text."""
    return _plain(text)


def _plain(text: str) -> Message:
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def _quote_sections(quote: Quote, *, room: int) -> list[dict[str, Any]]:
    """The lead-in and the quote in at most `room` sections of at most SECTION_LIMIT each.

    A quote too long for the room (over 100,000 characters) shows its start, then says
    how much is left out: Slack refuses a message of more than 50 blocks outright.
    """
    pieces = _quote_pieces(escape(quote.text), SECTION_LIMIT)
    if quote.lead_in:
        lead_in = f"*{escape(quote.lead_in)}*"
        if pieces and len(lead_in) + 1 + len(pieces[0]) <= SECTION_LIMIT:
            pieces[0] = f"{lead_in}\n{pieces[0]}"
        else:  # a lead-in too long to share the first section gets sections of its own
            pieces[:0] = split(escape(quote.lead_in), SECTION_LIMIT)
    sections = [{"type": "section", "text": {"type": "mrkdwn", "text": p}} for p in pieces]
    if len(sections) <= room:
        return sections
    hidden = sum(1 for piece in pieces[room - 1 :] for word in piece.split() if word != ">")
    note = f"…and {hidden:,} more words: the quote is too long for one Slack message."
    if quote.url:
        note += f" Read it all: {link(quote.url, quote.source or 'the source')}."
    return [*sections[: room - 1], _context(note)]


def _quote_pieces(text: str, limit: int) -> list[str]:
    """Escaped quote text as `>` lines, packed into pieces of at most `limit` characters.

    A line too long for a piece is cut between words (`split`) into several `>` lines;
    no character is lost. Packing whole lines keeps the `> ` marks inside the limit.
    """
    lines: list[str] = []
    for line in text.strip("\n").split("\n"):
        if line.strip():
            lines += [f"> {part}" for part in split(line, limit - len("> "))]
        else:
            lines.append(">")
    pieces: list[str] = []
    for line in lines:
        if pieces and len(pieces[-1]) + 1 + len(line) <= limit:
            pieces[-1] += "\n" + line
        elif line != ">":  # a section never starts with an empty quote line
            pieces.append(line)
    return [piece.removesuffix("\n>") for piece in pieces]


def _attribution(quote: Quote) -> str:
    parts = [f"— *{escape(quote.speaker)}*" if quote.speaker else "— _unknown speaker_"]
    if quote.source:
        parts.append(link(quote.url, quote.source))
    elif quote.url:
        parts.append(link(quote.url, "source"))
    text = ", ".join(parts)
    if quote.topic:
        text += f" · {escape(quote.topic)}"
    return text


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _sections(text: str) -> list[dict[str, Any]]:
    pieces = split(text, SECTION_LIMIT)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": p}} for p in pieces]
    if len(blocks) > MAX_BLOCKS:
        rest = len(blocks) - MAX_BLOCKS + 1
        blocks = [*blocks[: MAX_BLOCKS - 1], _context(f"…and {rest} more sections not shown.")]
    return blocks


def _preview_buttons(state: ButtonState) -> dict[str, Any]:
    value = state.encode()
    return {
        "type": "actions",
        "elements": [
            _button("Share", SHARE, value, style="primary"),
            _button("Another", ANOTHER, value),
            _button("Cancel", CANCEL, value),
        ],
    }


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button
