"""Quotes and answers as Slack messages: Block Kit blocks plus a plain-text fallback.

Pure functions from domain values to message dicts (`{"text": …, "blocks": […]}`);
nothing here talks to Slack. Every string that came from a user or a quote file goes
through `mrkdwn.escape` exactly once, here and nowhere else.

Every message fits Slack's limits whatever the input: a field is shortened (with "…")
before it is escaped, and a quote or a list shows its start and says what is left out.
Besides the per-block limits, Slack refuses a message whose blocks, as JSON, run much
past 12,000 characters (`msg_blocks_too_long`), so sizes are measured as that JSON:
an emoji costs 12 characters there, a `"` or a line break 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.corpus import Quote, Topic
from bot.corpus.inline import plain as plain_words
from bot.mrkdwn import (
    cut,
    escape,
    from_markdown,
    link,
    mention,
    shorten,
    split,
)

Message = dict[str, Any]
Block = dict[str, Any]

SECTION_LIMIT = 3000  # characters in a section's text
MAX_BLOCKS = 50
QUOTE_BLOCK = "quote:"  # the block_id prefix that names the quote a message shows
PAYLOAD_LIMIT = 12_000  # characters of json.dumps(blocks); Slack refuses near 13,000
HEADER_LIMIT = 150  # characters in a header block
FALLBACK_LIMIT = 300  # characters of quote in the notification text
NOTICE_FALLBACK_LIMIT = SECTION_LIMIT  # a long list needs no long notification
# Budgets for single fields, in characters of their escaped JSON. Together they leave
# thousands of characters for the quote itself, so the start of a quote always shows.
SPEAKER_SIZE = 300
SOURCE_SIZE = 300  # a link's label
TOPIC_SIZE = 200
URL_SIZE = 800  # a longer URL is not linked: the label is shown alone
USER_SIZE = 100  # a user id that is not one is shown as text
COMMAND_SIZE = 100
QUERY_SIZE = 1500  # the query echoed by "no quote matches"
SUGGESTIONS = 10
BUTTON_VALUE_SIZE = 1000  # each of three buttons carries the state: 3,000 at most

# action_ids of the buttons; the listeners match on these.
SHARE = "quote_share"
ANOTHER = "quote_another"
CANCEL = "quote_cancel"
DAILY_ANOTHER = "daily_another"
QUOTE_MENU = "quote_menu"  # the overflow menu on every quote: its options' values say what

# What the quote menu offers, by where the quote comes from; the listener checks on
# click who may do it. Values are "verb:ID".
MENU_SLACK = (("Edit", "edit"), ("Remove", "remove"), ("Report a problem", "report"))
MENU_FILE = (
    ("Hide from Slack", "hide"), ("Where it comes from", "source"), ("Report a problem", "report")
)  # fmt: skip


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
    intro: str | None = None,
    actions: Sequence[Block] = (),
    menu: bool = True,
    loved: bool = True,
) -> Message:
    """A quote as a message: optional header, the quote, attribution, then buttons.

    `intro`: a line of the bot's own (escaped) text before the quote; `actions`:
    elements of the bot's own for the actions row. Every quote carries the quote menu
    (`menu`), unless it is not one the reader can act on yet (a quote under review).
    Reactions to it count as loving the quote, unless `loved` is False.
    """
    before: list[Block] = []
    if header and header.strip():
        title = shorten(header, HEADER_LIMIT)  # plain_text: Slack shows it as typed
        before.append({"type": "header", "text": {"type": "plain_text", "text": title}})
    if intro:
        before.append(_section(intro))
    # The attribution carries the quote's ID as its block_id: a reaction to the post
    # names only the message, and a post made through a response_url has no ts to keep.
    after = [_context(_attribution(quote))]
    if loved:  # `loved=False`: a review card, whose reactions say nothing of the quote
        after[0]["block_id"] = f"{QUOTE_BLOCK}{quote.id}"[:255]
    if shared_by:
        after.append(_context(f"Shared by {mention(_clip(shared_by, USER_SIZE))}"))
    elements: list[Block] = []
    if buttons:
        elements += _preview_buttons(buttons)
    if daily_button:
        elements.append(_button("Show me another", DAILY_ANOTHER, quote.id))
    elements += actions
    if menu:
        elements.append(quote_menu(quote))
    if elements:
        after.append({"type": "actions", "elements": elements})
    body = _quote_sections(
        quote,
        room=PAYLOAD_LIMIT - _payload_size(before + after),
        blocks=MAX_BLOCKS - len(before) - len(after),
    )
    return {"text": fallback_text(quote, header=header), "blocks": before + body + after}


def fallback_text(quote: Quote, *, header: str | None = None) -> str:
    """The plain text shown in notifications and by clients that cannot show blocks.

    Short on purpose: the start of the quote, cut between words, and who said it.
    """
    plain = plain_words(quote.text)
    text = shorten(plain, FALLBACK_LIMIT)
    by = f" — {_clip(quote.speaker, SPEAKER_SIZE)}" if quote.speaker else ""
    prefix = f"{shorten(header, HEADER_LIMIT)}: " if header and header.strip() else ""
    return escape(f"{prefix}“{text}”{by}")


def topics_message(topics: Sequence[Topic]) -> Message:
    """The list of topics with their quote counts."""
    if not topics:
        return _plain("There are no topics yet: the quote collection is empty.")
    names = [escape(_clip(topic.name, TOPIC_SIZE)) for topic in topics]
    lines = [f"• {name} ({topic.count})" for name, topic in zip(names, topics, strict=True)]
    intro = f"*{len(topics)} topics.* Try `/quote &lt;topic&gt;`:"  # escaped: < is markup
    return {
        "text": f"{len(topics)} topics: " + ", ".join(names[:20]),
        "blocks": _sections(intro + "\n" + "\n".join(lines)),
    }


def help_message(command: str = "/quote") -> Message:
    """How to use the bot."""
    command = escape(_clip(command, COMMAND_SIZE))  # Slack's own name for it, escaped anyway
    text = (
        f"*{command}* shares a quote from the team's collection.\n"
        f"• `{command}`: a random quote\n"
        f"• `{command} robotics`: a quote on a topic, or on any words\n"
        f"• `{command} by karpathy`: a quote by someone (part of a name will do)\n"
        f"• `{command} #7KQ2`: the quote with that ID (at the end of its last line)\n"
        f"• `{command} add`: add a quote to the collection · on any message: "
        "⋮ → *Save as quote*\n"
        f"• `{command} review`: the quotes and reports waiting for review (approvers)\n"
        f"• `{command} top`: the quotes the most people reacted to\n"
        f"• `{command} topics`: the list of topics\n"
        f"• `{command} daily 09:00 Europe/Berlin mon-fri [topics]`: a quote of the day here\n"
        f"• `{command} daily`: this channel's schedules, with their IDs · "
        f"`{command} daily off ID`: stop one\n"
        "You get a preview only you can see: *Share* posts it for everyone.\n"
        "Mention me with some words (`@quotebot small models`) and I answer in the thread."
    )
    return {"text": f"How to use {command}", "blocks": _sections(text)}


def not_found_message(query: str, suggestions: Sequence[str]) -> Message:
    """No quote matched: say so, and point at the closest topics."""
    text = f"No quote matches “{escape(_clip(query, QUERY_SIZE))}”."
    if suggestions:
        names = [escape(_clip(name, TOPIC_SIZE)) for name in suggestions[:SUGGESTIONS]]
        text += " Try " + ", ".join(f"`{name}`" for name in names) + "."
    text += " `/quote topics` lists them all."
    return _plain(text)


def no_speaker_message(name: str, suggestions: Sequence[str], command: str = "/quote") -> Message:
    """No quote by that name: say so, and point at the names that look closest."""
    text = f"No quotes by “{escape(_clip(name, QUERY_SIZE))}”."
    if suggestions:
        # A backtick in a name would end the code span early: shown as a quote mark.
        names = [escape(_clip(n, TOPIC_SIZE)).replace("`", "'") for n in suggestions[:SUGGESTIONS]]
        text += " Try " + ", ".join(f"`{escape(command)} by {n}`" for n in names) + "."
    return _plain(text)


def notice_message(text: str) -> Message:
    """A short message of the bot's own (already safe) text."""
    return _plain(text)


def _plain(text: str) -> Message:
    """A message of one (already escaped) text: one section unless it is very long."""
    return {"text": shorten(text, NOTICE_FALLBACK_LIMIT), "blocks": _sections(text)}


def _quote_sections(quote: Quote, *, room: int, blocks: int) -> list[Block]:
    """The lead-in and the quote in sections that fit `room` JSON characters and `blocks`.

    A quote too long for one message shows its start, cut between words, then says how
    many words are left out and links to the source; what is shown loses no character.
    A lead-in takes at most half the room, so the quote's start always has space.
    """
    # Shown first, then fitted: a list's bullets and a link's address make the mrkdwn
    # longer than the Markdown it came from.
    lead_in = from_markdown(quote.lead_in) if quote.lead_in else ""
    lead_in = _whole_links(shorten(lead_in, room // 2, size=_json_size))
    lead_blocks = [_section(piece) for piece in split(lead_in, SECTION_LIMIT)]
    body = _fit(
        _quote_pieces(_shown_text(quote), SECTION_LIMIT),
        room=room - _payload_size(lead_blocks),
        blocks=blocks - len(lead_blocks),
        note=lambda rest: _more_words(quote, rest),
    )
    if lead_in and body and body[0]["type"] == "section":
        first = body[0]["text"]["text"]
        if len(lead_in) + len("**\n") + len(first) <= SECTION_LIMIT:
            # Sharing the first section costs less than a section of its own. A
            # lead-in in bold, unless its own bold or a line break would end it early.
            plain_line = "*" not in lead_in and "\n" not in lead_in  # bold ends at a line
            shown = f"*{lead_in}*" if plain_line else lead_in
            return [_section(f"{shown}\n{first}"), *body[1:]]
    return lead_blocks + body  # a lead-in too long to share gets sections of its own


def _shown_text(quote: Quote) -> str:
    """A quote's text as Slack shows it: its Markdown as mrkdwn, escaped."""
    return from_markdown(quote.text)


def _more_words(quote: Quote, rest: Sequence[str]) -> Block:
    """The note under a cut quote: how many words are not shown, and where to read them."""
    hidden = sum(1 for piece in rest for word in piece.split() if word != ">")
    note = f"…and {max(hidden, 1):,} more words: the quote is too long for one Slack message."
    if quote.url:
        note += f" Read it all: {_link(quote.url, quote.source or 'the source')}."
    return _context(note)


def _fit(
    pieces: Sequence[str],
    *,
    room: int,
    blocks: int,
    note: Callable[[Sequence[str]], Block],
) -> list[Block]:
    """Sections of `pieces`, all of them when they fit `room` JSON characters and `blocks`.

    Otherwise as many as fit, the last one cut between words (`cut`, which never splits
    an escaped character), then `note(rest)`, a block saying what the rest is.
    """
    sections = [_section(piece) for piece in pieces]
    if len(sections) <= blocks and _payload_size(sections) <= room:
        return sections
    # The note for everything is at least as long as the note for what is left out;
    # a few characters more cover a count that grows by a digit.
    free = room - _block_size(note(pieces)) - 8
    shown: list[Block] = []
    while len(shown) < len(sections) and len(shown) + 1 < blocks:
        size = _block_size(sections[len(shown)])
        if size > free:
            break
        shown.append(sections[len(shown)])
        free -= size
    rest = list(pieces[len(shown) :])
    if rest and len(shown) + 1 < blocks:
        budget = free - _block_size(_section(""))
        part = _tidy(cut(rest[0], budget, size=_json_size))
        if not part and not shown:  # not one whole word fits: the start must show anyway
            part = _tidy(cut(rest[0], budget, size=_json_size, words=False))
        if part:
            shown.append(_section(part))
            rest[0] = rest[0][len(part) :]
    return [*shown, note(rest)]


def _tidy(part: str) -> str:
    """The start of a piece without the empty `>` lines and spaces a cut leaves at its end."""
    part = part.rstrip()
    while part.endswith("\n>"):
        part = part[: -len("\n>")].rstrip()
    return "" if part == ">" else part


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
    """Who said it, where, and the topic; each field shortened so the line stays small."""
    if quote.speaker:
        parts = [f"— *{escape(_clip(quote.speaker, SPEAKER_SIZE))}*"]
    else:
        parts = ["— _unknown speaker_"]
    if quote.source:
        parts.append(_link(quote.url, quote.source))
    elif quote.url:
        parts.append(_link(quote.url, "source"))
    text = ", ".join(parts)
    if quote.topic:
        text += f" · {escape(_clip(quote.topic, TOPIC_SIZE))}"
    return text + f" · #{escape(_clip(quote.id, 20))}"


def quote_menu(quote: Quote) -> Block:
    """The overflow menu holding every action on a quote ("verb:ID" values)."""
    choices = MENU_SLACK if quote.origin == "slack" else MENU_FILE
    return {
        "type": "overflow",
        "action_id": QUOTE_MENU,
        "options": [
            {"text": {"type": "plain_text", "text": label}, "value": f"{verb}:{quote.id}"[:150]}
            for label, verb in choices
        ],
    }


def _link(url: str | None, label: str) -> str:
    """`mrkdwn.link` within budget: the label shortened, a URL too long to send dropped."""
    if url and _json_size(escape(url)) > URL_SIZE:
        url = None  # a URL cut short would lead somewhere else
    return link(url, _clip(label, SOURCE_SIZE))


def _clip(text: str, size: int) -> str:
    """Raw `text` shortened with "…" so that, once escaped, its JSON fits `size`.

    Cut before escaping, so a cut can never split an escaped character.
    """
    return shorten(text, size, size=lambda part: _json_size(escape(part)))


def _json_size(text: str) -> int:
    """Characters `text` takes inside the JSON Slack receives (`json.dumps`, ASCII-safe)."""
    return len(json.dumps(text)) - 2


def _block_size(block: Block) -> int:
    """What a block adds to `json.dumps(blocks)`: itself and the ", " that separates it."""
    return len(json.dumps(block)) + 2


def _payload_size(blocks: Sequence[Block]) -> int:
    """`len(json.dumps(blocks))` for a non-empty list, counted so that parts add up."""
    return sum(_block_size(block) for block in blocks)


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


LOVED_SHOWN = 5  # quotes in each list of the most loved
LOVED_TEXT = 200  # characters of a quote's start in such a list


def top_message(month: Sequence[tuple[Quote, int]], ever: Sequence[tuple[Quote, int]]) -> Message:
    """The quotes the most people reacted to, this month and all time, each with Share."""
    if not ever:
        return _plain(
            "No reactions yet. React to a quote the bot posts (any emoji): the quotes "
            "the most people react to show here."
        )
    blocks: list[Block] = []
    for title, loved in (("This month", month), ("All time", ever)):
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title}})
        if not loved:
            blocks.append(_context("No reactions this month yet."))
        for quote, people in loved[:LOVED_SHOWN]:
            section = _section(loved_line(quote, people))
            share = ButtonState(f"#{quote.id}", 0, quote.id).encode()
            section["accessory"] = _button("Share", SHARE, share)
            blocks.append(section)
    return {"text": "The quotes people love most", "blocks": blocks}


def loved_line(quote: Quote, people: int) -> str:
    """❤ 12 people · “the quote's start…” — Ada Lovelace · #7KQ2: escaped, short."""
    start = escape(shorten(" ".join(plain_words(quote.text).split()), LOVED_TEXT))
    by = f" — {escape(_clip(quote.speaker, SPEAKER_SIZE))}" if quote.speaker else ""
    who = "1 person" if people == 1 else f"{people:,} people"
    return f"❤ {who} · “{start}”{by} · #{escape(_clip(quote.id, 20))}"


def _whole_links(text: str) -> str:
    """`text` without a link its shortening cut open at its end: `<https://x.y/lo…`
    would be half a link, so it goes; a text that is only that goes too."""
    opened = text.rfind("<")
    if opened < 0 or opened < text.rfind(">"):
        return text
    return text[:opened].rstrip() + "…" if text[:opened].strip() else ""


def quote_shown(message: dict[str, Any] | None) -> str | None:
    """The ID of the quote a message of the bot's shows, read off its blocks; else None."""
    for block in (message or {}).get("blocks") or []:
        block_id = str(block.get("block_id") or "")
        if block_id.startswith(QUOTE_BLOCK) and len(block_id) > len(QUOTE_BLOCK):
            return block_id.removeprefix(QUOTE_BLOCK)
    return None


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _sections(text: str) -> list[Block]:
    """Escaped text in sections within Slack's limits; what does not fit is counted."""

    def more_sections(rest: Sequence[str]) -> Block:
        hidden = len(split("".join(rest), SECTION_LIMIT))
        return _context(f"…and {max(hidden, 1):,} more sections not shown.")

    pieces = split(text, SECTION_LIMIT)
    return _fit(pieces, room=PAYLOAD_LIMIT, blocks=MAX_BLOCKS, note=more_sections)


def _preview_buttons(state: ButtonState) -> list[Block]:
    value = _fitting(state).encode()
    return [
        _button("Share", SHARE, value, style="primary"),
        _button("Another", ANOTHER, value),
        _button("Cancel", CANCEL, value),
    ]


def _fitting(state: ButtonState) -> ButtonState:
    """The state with its query cut (between words) so each button value fits its budget.

    Three buttons carry the state, and a query full of quotes or emoji costs several
    JSON characters per character: uncut, it could leave no room for the quote.
    """
    empty = _json_size(ButtonState("", state.position, state.quote_id).encode())

    def size(query: str) -> int:
        return _json_size(ButtonState(query, state.position, state.quote_id).encode()) - empty

    query = cut(state.query, BUTTON_VALUE_SIZE - empty, size=size)
    return state if query == state.query else ButtonState(query, state.position, state.quote_id)


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    """A button of the bot's own: `text` (≤ 75 characters) and `value` (≤ 2,000)."""
    return _button(text, action_id, value, style)


def _button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button
