"""A Slack message's text as Markdown, for a quote saved from it.

Slack sends message text in its own markup (mrkdwn): `*bold*`, `_italic_`, `~strike~`,
`<https://…|label>` links, `<@U123>` mentions, `<#C123|general>` channels, `<!here>`,
with `&`, `<` and `>` escaped. A saved quote keeps its emphasis, links and line breaks
as Markdown (the quote files' language), and names people and channels in plain words:
a stored `<@U123>` would ping that person every time the quote is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.mrkdwn import unescape

_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
_ANGLE = re.compile(r"<([^<>\n]+)>")
_LIVE = re.compile(r"<([@#!][^<>\n]*)>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}
_PLACEHOLDER = "\x00{}\x00"
_MARK_CHARS = re.compile(r"[*_~`]")


def mentioned_users(text: str) -> list[str]:
    """The user IDs mentioned in a message's text, in order, each once."""
    return list(dict.fromkeys(_USER.findall(text or "")))


def to_markdown(text: str, *, names: Mapping[str, str]) -> str:
    """`text` (a Slack message's, escaped as Slack sends it) as Markdown.

    `names` maps user IDs to the names to show; a mention of anyone else becomes
    "@someone". Code spans and blocks are kept as they are.
    """
    kept: list[str] = []

    def keep(piece: str) -> str:
        kept.append(piece)
        return _PLACEHOLDER.format(len(kept) - 1)

    # People, channels and specials first, code included: a mention in code still pings.
    text = _LIVE.sub(lambda m: keep(_angle(m.group(1), names)), text or "")
    text = _CODE.sub(lambda m: keep(_fenced(_restore(unescape(m.group(0)), kept))), text)
    text = _ANGLE.sub(lambda m: keep(_angle(m.group(1), names)), text)
    # What Slack showed as typed must read so as Markdown too: a `\`, `[`, `]` or `<`
    # of the message's own would otherwise start an escape, a link or an HTML tag.
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    # Slack's own emphasis, held apart while the message's other `*`, `_`, `~` and
    # backticks are escaped: `2*3*4` is no emphasis in Slack, and none in Markdown.
    text = _BOLD.sub("\ue001\\1\ue001", text)
    text = _ITALIC.sub("\ue002\\1\ue002", text)
    text = _STRIKE.sub("\ue003\\1\ue003", text)
    text = _MARK_CHARS.sub(r"\\\g<0>", text)
    text = text.replace("\ue001", "**").replace("\ue002", "*").replace("\ue003", "~~")
    text = unescape(text).replace("<", "\\<")
    return _restore(text, kept).strip()


def _fenced(code: str) -> str:
    """A Slack code block as a Markdown fence: Slack's ```SELECT *\nFROM t``` has its
    first line on the fence, where Markdown would read it as the block's language."""
    if not code.startswith("```"):
        return code
    return "\n```\n" + code[3:-3].strip("\n") + "\n```\n"


def _restore(text: str, kept: list[str]) -> str:
    for number, piece in enumerate(kept):
        text = text.replace(_PLACEHOLDER.format(number), piece, 1)
    return text


def _angle(inner: str, names: Mapping[str, str]) -> str:
    """One `<…>` of Slack's markup in words: a link, a person, a channel, a special."""
    target, _, label = inner.partition("|")
    label = unescape(label)
    if target.startswith("@"):
        name = names.get(target[1:]) or label.lstrip("@")
        return f"@{name}" if name else "@someone"
    if target.startswith("#"):
        return f"#{label}" if label else "#a-channel"
    if target.startswith("!"):
        word = target[1:].split("^", 1)[0]
        if word in _SPECIAL:
            return _SPECIAL[word]
        return label or f"@{word}"  # <!subteam^S1|@team>, <!date^…|fallback>
    url = unescape(target)
    if url.startswith("mailto:"):
        return label or url.removeprefix("mailto:")
    if label and label != url:
        return f"[{label}]({url})"
    return url
