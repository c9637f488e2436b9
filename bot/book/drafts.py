"""What a quote form holds, and what is wrong with it, field by field.

A `Draft` is a quote as someone typed or saved it, before it has an ID. `problems()`
answers with one message per field (the modal shows each on its field), so a long
speaker and a bad link are both said at once. The limits keep every quote showable:
the text fits the modal's own field (3,000 characters) and the rest the context line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlparse

TEXT_LIMIT = 3000  # a plain_text_input holds at most 3,000 characters
SPEAKER_LIMIT = 150
SOURCE_LIMIT = 250
URL_LIMIT = 1500
LEAD_IN_LIMIT = 500
TOPIC_LIMIT = 60
TOPICS_LIMIT = 10  # topics on one quote

# The fields, as the form's blocks are named: problems come back under these keys.
FIELDS = ("text", "speaker", "source", "url", "topics", "new_topics", "lead_in")

_SPACE = re.compile(r"[ \t]+")


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    speaker: str | None = None
    source: str | None = None
    url: str | None = None
    topics: tuple[str, ...] = ()
    lead_in: str | None = None
    # The Slack user quoted, when the quote is of someone in the workspace (the author
    # of a saved message): they may edit it. Never shown: the speaker's name is.
    speaker_user: str | None = None

    def tidy(self) -> Draft:
        """The draft with blank fields as None, spaces trimmed, topics once each."""
        topics = tuple(dict.fromkeys(t for t in (one_line(t) for t in self.topics) if t))
        return replace(
            self,
            text=(self.text or "").strip(),
            speaker=one_line(self.speaker),
            source=one_line(self.source),
            url=(self.url or "").strip() or None,
            topics=topics,
            lead_in=one_line(self.lead_in),
        )


def split_topics(text: str | None) -> tuple[str, ...]:
    """Topics typed in one field, separated by commas."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def problems(draft: Draft, *, topics_field: str = "topics") -> dict[str, str]:
    """What is wrong with a (tidied) draft, as {field: message}; empty when it can be saved."""
    found: dict[str, str] = {}
    if not draft.text:
        found["text"] = "Write the quote here."
    elif len(draft.text) > TEXT_LIMIT:
        found["text"] = (
            f"A quote holds at most {TEXT_LIMIT:,} characters; this one has {len(draft.text):,}."
        )
    for name, value, limit in (
        ("speaker", draft.speaker, SPEAKER_LIMIT),
        ("source", draft.source, SOURCE_LIMIT),
        ("lead_in", draft.lead_in, LEAD_IN_LIMIT),
    ):
        if value and len(value) > limit:
            found[name] = f"At most {limit} characters, please ({len(value)} now)."
    if draft.url:
        parsed = urlparse(draft.url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            found["url"] = "A link starts with https:// (or http://)."
        elif len(draft.url) > URL_LIMIT:
            found["url"] = f"That link is too long: at most {URL_LIMIT:,} characters."
    long_topic = next((t for t in draft.topics if len(t) > TOPIC_LIMIT), None)
    if long_topic:
        found[topics_field] = f"A topic has at most {TOPIC_LIMIT} characters."
    elif len(draft.topics) > TOPICS_LIMIT:
        found[topics_field] = f"At most {TOPICS_LIMIT} topics on one quote."
    return found


def one_line(value: str | None) -> str | None:
    """A one-line field: line breaks and runs of spaces become one space."""
    if value is None:
        return None
    return _SPACE.sub(" ", " ".join(value.split("\n"))).strip() or None
