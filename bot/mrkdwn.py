"""Slack's mrkdwn text rules: escaping, links, and splitting or cutting long text to fit.

Slack reads `<…>` as live syntax (`<!channel>`, `<@U123>`, `<https://x|label>`), so
every piece of text from users or quote files is escaped exactly once before it is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup: &, < and >."""
    for char, entity in _ESCAPES:
        text = text.replace(char, entity)
    return text


_MD_LINK = re.compile(r"\[([^\[\]\n]+)\]\((https?://[^()\s]+)\)")
_MD_BOLD = re.compile(r"\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*")
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_STRIKE = re.compile(r"~~(?=\S)([^~\n]+?)(?<=\S)~~")
_MD_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
_PLACE = re.compile(r"\x00(\d+)\x00")


def markdown_to_mrkdwn(escaped: str) -> str:
    """The emphasis and links of a quote saved from Slack, back in Slack's own markup.

    `escaped` is Markdown already escaped (`escape`): `**bold**` becomes `*bold*`,
    `*italic*` `_italic_`, `~~struck~~` `~struck~`, `[label](https://…)` a link.
    Only the forms `bot.book.markup` writes; the quote files' Markdown is left as it is.
    """
    kept: list[str] = []  # links and code: no emphasis inside a URL or a code span

    def keep(piece: str) -> str:
        kept.append(piece)
        return f"\x00{len(kept) - 1}\x00"

    def a_link(match: re.Match[str]) -> str:
        label = _emphasis(match[1].replace("|", "¦"))
        return keep(f"<{match[2].replace('|', '%7C')}|{label}>")

    text = _MD_CODE.sub(lambda m: keep(m[0]), escaped.replace("\x00", ""))
    text = _emphasis(_MD_LINK.sub(a_link, text))
    return _PLACE.sub(lambda m: kept[int(m[1])], text)


def _emphasis(text: str) -> str:
    text = _MD_ITALIC.sub(r"_\1_", text)  # first: it leaves `**bold**` alone
    text = _MD_BOLD.sub(r"*\1*", text)
    return _MD_STRIKE.sub(r"~\1~", text)


def markdown_to_plain(text: str) -> str:
    """A saved quote's Markdown as plain words (a notification): marks dropped, links' labels."""
    text = _MD_LINK.sub(lambda m: m[1], text)
    text = _MD_ITALIC.sub(r"\1", text)
    text = _MD_BOLD.sub(r"\1", text)
    return _MD_STRIKE.sub(r"\1", text)


def unescape(text: str) -> str:
    """Undo Slack's escaping of incoming message text (it arrives escaped once)."""
    for char, entity in reversed(_ESCAPES):
        text = text.replace(entity, char)
    return text


def link(url: str | None, label: str) -> str:
    """A mrkdwn link, or the escaped label alone when there is no http(s) URL."""
    if not url or not url.startswith(("http://", "https://")):
        return escape(label)
    return f"<{escape(url).replace('|', '%7C')}|{escape(label).replace('|', '¦')}>"


def mention(user_id: str) -> str:
    """`<@U123>` for a real user id from a payload; anything else is shown escaped."""
    return f"<@{user_id}>" if _USER_ID.match(user_id) else escape(user_id)


def split(text: str, limit: int) -> list[str]:
    """Cut text into pieces of at most `limit` characters without losing a character.

    Cuts fall on the last paragraph break in the second half of the window, else
    the last line break there, else sentence end, else space (so a list is never cut
    mid-line when a line break is near); failing all that, on the last separator
    anywhere; a single word longer than `limit` is cut where it must be.
    """
    if limit < 1:
        raise ValueError(f"split needs a limit of at least 1, got {limit}")
    pieces = []
    while len(text) > limit:
        window = text[:limit]
        cuts = [window.rfind(sep) + len(sep) for sep in ("\n\n", "\n", ". ", " ")]
        cut = next((c for c in cuts if c > limit // 2), max(cuts))
        if cut <= len("\n"):  # no separator in the window
            cut = limit
            entity = window.rfind("&", limit - len("&amp;") + 1)
            if entity > 0 and ";" not in window[entity:]:
                cut = entity  # never cut an escaped character (&amp; &lt; &gt;) in two
        cut = _outside_markup(text, cut)
        pieces.append(text[:cut])
        text = text[cut:]
    if text:
        pieces.append(text)
    return pieces


def cut(text: str, limit: int, *, size: Callable[[str], int] = len, words: bool = True) -> str:
    """The longest start of `text` whose `size` is at most `limit`, ended between words.

    For a field or a message that must fit a budget and show its start. `size` must
    add up character by character and count each at least 1 (`len`, or the length of
    the JSON a string becomes), so no start longer than `limit` characters can fit.
    The cut falls before the last paragraph break in the second half of what fits,
    else the last line break there, else the last space there, else the last break
    anywhere; only a single word longer than the whole budget is cut inside, and
    then never inside an escaped character (&amp; &lt; &gt;). `words=False` cuts as
    late as it can, for a start that must show even when no whole word fits.
    """
    if size(text) <= limit:
        return text
    low, high = 0, min(len(text), max(limit, 0))  # the longest start that fits: text[:low]
    while low < high:
        middle = (low + high + 1) // 2
        if size(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    fits = low
    window = text[: fits + 1]  # the character just after what fits may be the break
    for separator in ("\n\n", "\n", " ") if words else ():
        at = window.rfind(separator)
        if at > fits // 2:
            return text[: _outside_markup(text, at)]
    at = max(window.rfind("\n"), window.rfind(" ")) if words else -1
    if at > 0:
        return text[: _outside_markup(text, at)]
    entity = text.rfind("&", max(0, fits - len("&amp;") + 1), fits)
    if entity >= 0 and ";" not in text[entity:fits]:
        fits = entity
    return text[:fits]


def _outside_markup(text: str, at: int) -> int:
    """`at`, or the start of the `<url|label>` link it would cut in two.

    In escaped text every `<` is the bot's own markup, so a `<` after the last `>`
    before `at` opens a link still open there. A link that starts the text is cut
    where it must be: something has to show.
    """
    opened = text.rfind("<", 0, at)
    if opened > 0 and opened > text.rfind(">", 0, at):
        return opened
    return at


def shorten(text: str, limit: int, *, size: Callable[[str], int] = len) -> str:
    """`text`, or its start (`cut`) and "…" when it is longer than `limit` allows.

    For names, titles and labels, where a visible mark says something was left out.
    """
    if size(text) <= limit:
        return text
    return cut(text, limit - size("…"), size=size).rstrip() + "…"
