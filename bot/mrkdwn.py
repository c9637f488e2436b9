"""Slack's mrkdwn text rules: escaping, links, and splitting or cutting long text to fit.

Slack reads `<…>` as live syntax (`<!channel>`, `<@U123>`, `<https://x|label>`), so
every piece of text from users or quote files is escaped exactly once before it is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from bot.corpus.inline import Break, Inline, Link, Paragraph, Run, joined, parse

_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup: &, < and >."""
    for char, entity in _ESCAPES:
        text = text.replace(char, entity)
    return text


def escaped(text: str, limit: int) -> str:
    """`text` escaped, shortened (before escaping, so no entity is cut) to fit `limit`
    characters once escaped: "&" alone takes five."""
    return escape(shorten(text, limit, size=lambda part: len(escape(part))))


_MARKS = (("bold", "*"), ("italic", "_"), ("strike", "~"))
# A mark character at a word's edge, where Slack could read it as formatting; a zero
# width space on each side keeps it a character ("snake_case" needs none).
_LOOSE_MARK = re.compile(r"(?<![^\W_])[*_~`]|[*_~`](?![^\W_])")
# A label that reads as a web address: `https://good.example/x`, `good.example`.
_ADDRESS = re.compile(r"^(?:https?://)?(?P<host>(?:[\w-]+\.)+[a-z]{2,})(?:[/?#:]\S*)?$", re.I)


def from_markdown(text: str) -> str:
    """A quote's Markdown (`bot.corpus.inline`) as Slack shows it: mrkdwn, escaped once.

    `**bold**` becomes `*bold*`, `*italic*` `_italic_`, `~~struck~~` `~struck~`, a link
    `<https://…|label>` (a footnote link `[[1]](…)` a small `[1]` link), a list item
    "• item" or "1. item", an image its alt text; paragraphs stay a blank line apart.
    Text between the marks is escaped (`escape`), so nothing in a quote can ping.
    """
    shown = joined(parse(text).paragraphs, _line)
    # Markup that means nothing (`- ` alone, an empty link) still shows as typed.
    return shown if shown.strip() or not text.strip() else escape(text.strip())


def _line(paragraph: Paragraph) -> str:
    line = "".join(_piece(piece) for piece in paragraph.content)
    if paragraph.bullet:
        line = "    " * paragraph.depth + f"{paragraph.bullet} {line}"
    return line


def _piece(piece: Inline) -> str:
    if isinstance(piece, Break):
        return "\n"
    if isinstance(piece, Run):
        return _run(piece)
    label = "".join(_run(run, in_link=True) for run in piece.label).strip()
    if not piece.url.startswith(("http://", "https://")):
        return label
    if _passes_for_another(piece):
        label = ""  # `[https://good.example](https://evil.example)` shows where it goes
    return f"<{escape(piece.url).replace('|', '%7C')}|{label or _address(piece.url)}>"


def _passes_for_another(link: Link) -> bool:
    """True when a link's label reads as a web address other than the link's own."""
    words = "".join(run.text for run in link.label).strip()
    named = _ADDRESS.match(words)
    if not named:
        return False
    host = (urlsplit(link.url).hostname or "").removeprefix("www.")
    return named["host"].casefold().removeprefix("www.") != host


def _address(url: str) -> str:
    return escape(url).replace("|", "¦")


def _run(run: Run, *, in_link: bool = False) -> str:
    """One run of text with its marks; spaces stay outside them, where Slack wants them."""
    if run.code and "\n" in run.text.strip():  # a code block
        return f"```{escape(run.text.strip(chr(10)))}```"
    body = run.text.strip()
    if not body:
        return " " if run.text else ""
    shown = escape(body).replace("\n", " ")
    if not run.code:  # a `*` of the text's own must not pair with another and format
        shown = _LOOSE_MARK.sub("\u200b\\g<0>\u200b", shown)
    if in_link:
        shown = shown.replace("|", "¦")
    if run.code:
        shown = f"`{shown}`"
    for mark, sign in _MARKS:
        if mark in run.marks:
            shown = f"{sign}{shown}{sign}"
    lead = " " if run.text[0].isspace() else ""
    tail = " " if run.text[-1].isspace() else ""
    return lead + shown + tail


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
