"""The Markdown inside a quote's text: parsed as CommonMark means it, and as plain words.

A quote's `text` is Markdown, whatever it came from: a page's blockquote, a message
saved in Slack (`bot.book.markup`), an import. Inside it `**bold**`, `*italic*`,
`~~struck~~`, `` `code` ``, `[links](https://…)`, `![images](…)`, backslash escapes and
lists mean what CommonMark says; a single line break is a line break (as in Slack), a
blank line a new paragraph. Character references (`&amp;`) are not read: the page
parser has already turned them into characters, so what is left is meant literally.

Parsing is markdown-it-py's, done when a quote is shown rather than when 100,000 are
loaded (`parse` is cached). What the corpus needs at load, the words of a quote for
its search index (`index_text`), parses only the quotes whose words markup changes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

_INLINE_RULES = [
    "newline", "escape", "backticks", "strikethrough", "emphasis", "link", "image",
    "autolink", "html_inline",
]  # fmt: skip
_BLOCK_RULES = ["list", "paragraph", "fence", "code"]

_PARSER = MarkdownIt("zero", {"breaks": True, "html": True}).enable(_INLINE_RULES + _BLOCK_RULES)
# Lists nest deeper than the preset's 20 levels of tokens allow (9 or so of lists): a
# quote's deepest items must not go without a word.
_PARSER.options["maxNesting"] = 200
# For `index_text`: a link's target with its optional title, a footnote link, a tag.
_LINK_TARGET = re.compile(r"""\]\(\s*(?:<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"""
                          r"""(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?\s*\)""")  # fmt: skip
_FOOTNOTE_LINK = re.compile(r"\[\[?\d{1,3}\]?\]\([^()\s]*\)")
_INDEX_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
# Characters that can start markup, inline or at the start of a line (a list).
_MARKUP = re.compile(r"[*_~`\[\]<>!\\]|^ {0,3}(?:[-+*]|\d{1,9}[.)])[ \t]", re.MULTILINE)
# What changes the *words* of a quote: link targets, HTML, escapes. Emphasis marks
# are punctuation, which the search index skips anyway.
_WORD_MARKUP = re.compile(r"\]\(|<|\\")
_ESCAPED = re.compile(r"([\\`*_~\[\]<>!#|])")
_LINE_START = re.compile(r"^( {0,3})([-+*>#]|\d{1,9}(?=[.)]))", re.MULTILINE)
_FOOTNOTE = re.compile(r"^\[?\d{1,3}\]?$|^[*†‡]$")
_SPACES = re.compile(r"[ \t]{2,}")
_CLOSING = frozenset(".,;:!?)]")
_BREAK_TAG = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_TAG = re.compile(r"^</?[A-Za-z][A-Za-z0-9-]*(?:\s[^>]*)?/?>$|^<!--.*-->$", re.DOTALL)

Mark = Literal["bold", "italic", "strike"]


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of text with its emphasis: `code` runs are shown as typed."""

    text: str
    marks: frozenset[Mark] = frozenset()
    code: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    """A link with its label; `footnote` when the label is only a number like `[1]`."""

    url: str
    label: tuple[Run, ...]
    footnote: bool = False


@dataclass(frozen=True, slots=True)
class Break:
    """A line break inside a paragraph."""


Inline = Run | Link | Break


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph, or one item of a list (`bullet`: "•" or "3."), in order."""

    content: tuple[Inline, ...]
    bullet: str | None = None
    depth: int = 0


@dataclass(frozen=True, slots=True)
class Text:
    """A quote's text as its Markdown means it: paragraphs and list items."""

    paragraphs: tuple[Paragraph, ...] = field(default=())


def has_markup(text: str) -> bool:
    """True when `text` may hold Markdown; False means it reads exactly as written."""
    return _MARKUP.search(text) is not None


@functools.lru_cache(maxsize=8192)
def parse(text: str) -> Text:
    """The paragraphs, list items, emphasis and links of a quote's Markdown."""
    if not has_markup(text):
        paragraphs = (part for part in text.split("\n\n") if part.strip())
        return Text(tuple(Paragraph(_lines(part.strip())) for part in paragraphs))
    return Text(tuple(_paragraphs(_PARSER.parse(text))))


def plain(text: str) -> str:
    """The words of a quote without its markup: for a notification, a log, the CLI.

    Emphasis marks go, links keep their label (footnote numbers and images' URLs go),
    list items start with "• " (or their number), paragraphs stay apart.
    """
    if not has_markup(text):
        return text
    words = joined(parse(text).paragraphs, _plain_paragraph).strip()
    return words or text.strip()  # markup that means nothing (`- ` alone) reads as typed


def joined(paragraphs: Sequence[Paragraph], line: Callable[[Paragraph], str]) -> str:
    """Paragraphs shown by `line`: list items one per line, paragraphs a blank line apart."""
    out: list[str] = []
    for number, paragraph in enumerate(paragraphs):
        if number:
            listed = paragraph.bullet and paragraphs[number - 1].bullet
            out.append("\n" if listed else "\n\n")
        out.append(line(paragraph))
    return "".join(out)


def index_text(text: str) -> str:
    """What the search index reads of a quote: its words, without link targets or tags.

    Made for every quote with a link at each load, so it is not a parse: it drops the
    `(https://…)` after a link's label, footnote links whole, images' addresses and
    HTML tags, by pattern. The index wants only words (it skips punctuation, emphasis
    marks included), and a test holds these words to `plain`'s on real pages' markup;
    link syntax inside a code span is the one place they differ.
    """
    if not _WORD_MARKUP.search(text):
        return text
    text = _FOOTNOTE_LINK.sub(" ", text)
    text = _LINK_TARGET.sub("]", text)
    return _INDEX_TAG.sub("", text)  # `mc<sup>2</sup>`: the word mc2


def escape_markdown(text: str) -> str:
    """Plain text (a Kindle highlight, a CSV cell) as Markdown that shows it as typed.

    Every character that could start inline markup gets a backslash, and so does a
    line start that would begin a list, a heading or a blockquote. `plain` undoes it.
    """
    text = _ESCAPED.sub(r"\\\1", text)
    return _LINE_START.sub(
        lambda m: m[1] + ("\\" + m[2] if m[2][0] in "-+*>#" else m[2] + "\\"), text
    )


def _lines(part: str) -> tuple[Inline, ...]:
    pieces: list[Inline] = []
    for number, line in enumerate(part.split("\n")):
        if number:
            pieces.append(Break())
        pieces.append(Run(line))
    return tuple(pieces)


def _paragraphs(tokens: Sequence[Token]) -> list[Paragraph]:
    found: list[Paragraph] = []
    lists: list[list[int]] = []  # per open list: [next number] or [] for bullets
    bullet: str | None = None
    for token in tokens:
        if token.type == "bullet_list_open":
            lists.append([])
        elif token.type == "ordered_list_open":
            lists.append([int(token.attrGet("start") or 1)])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "list_item_open":
            counter = lists[-1] if lists else []
            if counter:
                bullet = f"{counter[0]}."
                counter[0] += 1
            else:
                bullet = "•"
        elif token.type == "inline":
            content = _inline(token.children or [])
            if content:
                depth = max(len(lists) - 1, 0)
                found.append(Paragraph(content, bullet if lists else None, depth))
            bullet = None  # a list item's second paragraph has no bullet of its own
        elif token.type in ("fence", "code_block") and token.content.strip():
            found.append(Paragraph((Run(token.content.rstrip("\n"), code=True),)))
    return found


def _inline(children: Sequence[Token]) -> tuple[Inline, ...]:
    out: list[Inline] = []
    marks: list[Mark] = []
    link: tuple[str, list[Run]] | None = None

    def add(run: Run) -> None:
        if link is not None:
            link[1].append(run)
        else:
            out.append(run)

    for child in children:
        kind = child.type
        if kind == "text" and child.content:
            add(Run(child.content, frozenset(marks)))
        elif kind == "code_inline":
            add(Run(child.content, frozenset(marks), code=True))
        elif kind in ("softbreak", "hardbreak"):
            if link is not None:
                link[1].append(Run(" ", frozenset(marks)))
            else:
                out.append(Break())
        elif kind in ("strong_open", "em_open", "s_open"):
            marks.append({"strong_open": "bold", "em_open": "italic", "s_open": "strike"}[kind])
        elif kind in ("strong_close", "em_close", "s_close"):
            if marks:
                marks.pop()
        elif kind == "link_open":
            link = (str(child.attrGet("href") or ""), [])
        elif kind == "link_close" and link is not None:
            url, label = link
            link = None
            words = "".join(run.text for run in label).strip()
            out.append(Link(url, tuple(label), footnote=bool(_FOOTNOTE.match(words))))
        elif kind == "image":
            alt = "".join(grand.content for grand in child.children or []) or child.content
            if alt.strip():
                add(Run(alt, frozenset(marks)))
        elif kind == "html_inline" and _BREAK_TAG.match(child.content):
            out.append(Break())
        elif kind == "html_inline" and not _TAG.match(child.content):
            add(Run(child.content, frozenset(marks)))  # `<!here>`: words, not a tag
        # tags (`<sup>`, `</span>`) and comments go: Slack cannot show them
    return tuple(_joined(out))


def _joined(pieces: list[Inline]) -> list[Inline]:
    """Neighbouring runs with the same marks as one, so text is never cut into shards."""
    joined: list[Inline] = []
    for piece in pieces:
        last = joined[-1] if joined else None
        if (
            isinstance(piece, Run)
            and isinstance(last, Run)
            and (last.marks, last.code) == (piece.marks, piece.code)
        ):
            joined[-1] = Run(last.text + piece.text, piece.marks, piece.code)
        else:
            joined.append(piece)
    while joined and isinstance(joined[-1], Break):
        joined.pop()
    return joined


def _plain_paragraph(paragraph: Paragraph) -> str:
    words: list[str] = []
    dropped = False  # a footnote just left out: no space before the punctuation after it
    for piece in paragraph.content:
        if isinstance(piece, Run):
            if dropped and piece.text[:1] in _CLOSING and words:
                words[-1] = words[-1].rstrip()
            words.append(piece.text)
        elif isinstance(piece, Break):
            words.append("\n")
        elif not piece.footnote:
            words.append("".join(run.text for run in piece.label))
        dropped = isinstance(piece, Link) and piece.footnote
    line = _SPACES.sub(" ", "".join(words)).strip()  # a dropped footnote leaves two
    line = line.replace(" \n", "\n").replace("\n ", "\n")
    if paragraph.bullet:
        return "  " * paragraph.depth + f"{paragraph.bullet} {line}"
    return line
