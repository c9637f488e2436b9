"""The quote book in Slack: the quote form, its answers, and the review messages.

Pure functions from domain values to Block Kit (views and messages), like
`bot.render`. Text from people goes in as `plain_text` where Slack shows it as typed
(input values, option labels) and escaped once where it is mrkdwn. Every view stays
within Slack's limits (24-character titles, 100 options, 3,000-character fields and
private metadata) whatever it holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.book.drafts import (
    LEAD_IN_LIMIT,
    SOURCE_LIMIT,
    SPEAKER_LIMIT,
    TEXT_LIMIT,
    TOPIC_LIMIT,
    TOPICS_LIMIT,
    URL_LIMIT,
    Draft,
)
from bot.corpus import Quote
from bot.mrkdwn import escape, shorten
from bot.render import Message, button, notice_message, quote_message

View = dict[str, Any]
Block = dict[str, Any]

FORM = "quote_form"  # the callback_id of the quote form's submissions
APPROVE = "quote_approve"  # buttons on a quote waiting for review; value: its ID
REJECT = "quote_reject"
VALUE = "value"  # the action_id of every field of the form
MAX_TOPIC_OPTIONS = 100  # a static select holds 100 options
OPTION_TEXT = 75
OPTION_VALUE = 150
NAME_SIZE = 80  # a person's name in the bot's own lines

Mode = Literal["save", "add", "edit"]
TITLES = {"save": "Save as quote", "add": "Add a quote", "edit": "Edit quote"}
SUBMITS = {"save": "Save", "add": "Add", "edit": "Save changes"}


@dataclass(frozen=True, slots=True)
class FormState:
    """What a form's submission must remember: kept in the view's private_metadata.

    `mode`: save (from a message), add, or edit (`quote_id`); `speaker_user`: the Slack
    user the quote is of, while the speaker field still names them.
    """

    mode: Mode
    quote_id: str = ""
    speaker_user: str = ""
    speaker_name: str = ""  # as the form was filled in; only its digest is kept
    speaker_digest: str = ""  # what a decoded state holds instead of the name

    def encode(self) -> str:
        # A digest, not the name: any name fits in the 3,000 characters, however long.
        data = {"m": self.mode, "id": self.quote_id, "u": self.speaker_user, "n": self._digest()}
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def decode(cls, text: str) -> FormState:
        data = json.loads(text or "{}")
        mode = data.get("m")
        if mode not in TITLES:
            raise ValueError(f"not a quote form: {text[:100]!r}")
        return cls(
            mode, str(data.get("id") or ""), str(data.get("u") or ""),
            speaker_digest=str(data.get("n") or ""),
        )  # fmt: skip

    def still_names(self, speaker: str | None) -> bool:
        """Whether the speaker field still holds the name the form was filled with."""
        return bool(speaker) and _name_digest(speaker or "") == self._digest()

    def _digest(self) -> str:
        return self.speaker_digest or (_name_digest(self.speaker_name) if self.speaker_name else "")


def _name_digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def loading_view(mode: Mode) -> View:
    """Opened at once (a trigger lasts 3 seconds); `views.update` fills it in."""
    return _modal(mode, [_text_section("Getting the message…")], submit=False)


def notice_view(mode: Mode, text: str) -> View:
    """A modal that only says something (escaped mrkdwn): nothing to submit."""
    return _modal(mode, [_text_section(text)], submit=False, close="Close")


def quote_form(
    mode: Mode,
    state: FormState,
    *,
    draft: Draft | None = None,
    topics: Sequence[str] = (),
    note: str | None = None,
    lead_in: bool = True,
) -> View:
    """The form to save, add or edit a quote, filled with `draft`.

    `topics`: the collection's topics, the largest first (the 100 first are offered;
    any other can be typed in "New topics"). `note`: a line of the bot's own (escaped)
    mrkdwn above the fields, such as who will see the quote.
    """
    draft = draft or Draft(text="")
    blocks: list[Block] = []
    if note:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    blocks.append(
        text_input("text", "Quote", draft.text, TEXT_LIMIT, multiline=True, optional=False)
    )
    blocks.append(
        text_input("speaker", "Who said it", draft.speaker, SPEAKER_LIMIT,
               hint="A name: the person is named, never mentioned.")
    )  # fmt: skip
    blocks.append(
        text_input("source", "Source", draft.source, SOURCE_LIMIT,
               hint="A book, a talk, a podcast, a channel…")
    )  # fmt: skip
    blocks.append(text_input("url", "Link", draft.url, URL_LIMIT, hint="https://…"))
    offered = _topic_options(topics)
    chosen = [t for t in draft.topics if t in offered]
    others = [t for t in draft.topics if t not in offered]
    if offered:
        element: Block = {
            "type": "multi_static_select",
            "action_id": VALUE,
            "placeholder": {"type": "plain_text", "text": "Choose topics"},
            "options": [offered[name] for name in offered],
        }
        if chosen:
            element["initial_options"] = [offered[name] for name in chosen]
        blocks.append(
            {"type": "input", "block_id": "topics", "optional": True, "element": element,
             "label": {"type": "plain_text", "text": "Topics"}}
        )  # fmt: skip
    blocks.append(
        text_input("new_topics", "New topics" if offered else "Topics", ", ".join(others) or None,
               TOPICS_LIMIT * (TOPIC_LIMIT + 2), hint="Separated by commas.")
    )  # fmt: skip
    if lead_in:
        blocks.append(
            text_input("lead_in", "Lead-in", draft.lead_in, LEAD_IN_LIMIT,
                   hint="An optional line shown before the quote, to set the scene.")
        )  # fmt: skip
    return _modal(mode, blocks, submit=True, state=state)


def saved_view(mode: Mode, text: str) -> View:
    """What the form turns into once submitted (`response_action: update`)."""
    return notice_view(mode, text)


def review_message(
    quote: Quote, *, added_by: str, seq: int, edited: bool = False, waiting: int = 1,
    reports: int = 0,
) -> Message:  # fmt: skip
    """A quote waiting for review, for approvers: who added it, the quote, two buttons.

    The buttons carry the version shown (`seq`): approving decides that text only.
    `waiting`: how many wait in all (`/quote review` shows the oldest, and says so);
    `reports`: reports of a problem open, which `/quote review` shows after the quotes.
    """
    name = escape(shorten(added_by, NAME_SIZE))
    did = f"proposes a change to `#{escape(shorten(quote.id, 20))}`" if edited else "added a quote"
    value = f"{shorten(quote.id, 20)}:{seq}"
    count = f"{waiting:,} wait for review; the oldest first.\n" if waiting > 1 else ""
    if reports:
        count += f"Then {reports:,} report{'s' if reports != 1 else ''} of a problem.\n"
    return quote_message(
        quote,
        intro=f"{count}*{name}* {did}. "
        + (
            "Approve it to apply the change."
            if edited
            else "Approve it to add it to the collection."
        ),
        actions=[
            button("Approve", APPROVE, value, style="primary"),
            button("Reject", REJECT, value),
        ],
        menu=False,
        loved=False,
    )


def reviewed_message(quote: Quote, *, verdict: str, by: str, live: bool) -> Message:
    """The review message once decided: the quote, and who decided what (`verdict`)."""
    name = escape(shorten(by, NAME_SIZE))
    return quote_message(quote, intro=f"*{escape(verdict)}* by {name}.", menu=live, loved=False)


def outcome_line(quote_id: str, *, approved: bool, by: str, change: bool = False) -> Message:
    """The line the person who added a quote (or proposed a change) gets once reviewed."""
    name = escape(shorten(by, NAME_SIZE))
    what = (
        f"Your change to `#{escape(quote_id)}`" if change else f"Your quote `#{escape(quote_id)}`"
    )
    if approved:
        return notice_message(
            f"{what} was approved by {name}: it is in the collection now "
            f"(`/quote #{escape(quote_id)}`)."
        )
    if change:
        return notice_message(
            f"{what} was not applied: {name} rejected it. The quote stays as it was."
        )
    return notice_message(f"{what} was not added: {name} rejected it.")


def taken_up_line(quote_id: str, *, by: str) -> Message:
    """The line for someone whose waiting change an approver edited into the quote."""
    name = escape(shorten(by, NAME_SIZE))
    return notice_message(
        f"{name} edited `#{escape(quote_id)}` starting from your change, which no longer "
        f"waits: `/quote #{escape(quote_id)}` shows the quote as it is now."
    )


def _modal(
    mode: Mode, blocks: list[Block], *, submit: bool, close: str = "Cancel",
    state: FormState | None = None,
) -> View:  # fmt: skip
    view: View = {
        "type": "modal",
        "callback_id": FORM,
        "title": {"type": "plain_text", "text": TITLES[mode]},
        "close": {"type": "plain_text", "text": close},
        "blocks": blocks,
        "private_metadata": (state or FormState(mode)).encode(),
    }
    if submit:
        view["submit"] = {"type": "plain_text", "text": SUBMITS[mode]}
    return view


def text_input(
    block_id: str, label: str, value: str | None, limit: int, *, multiline: bool = False,
    optional: bool = True, hint: str | None = None,
) -> Block:  # fmt: skip
    element: Block = {"type": "plain_text_input", "action_id": VALUE, "max_length": limit}
    if multiline:
        element["multiline"] = True
    if value:
        element["initial_value"] = value[:limit]
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "element": element,
        "label": {"type": "plain_text", "text": label},
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _topic_options(topics: Sequence[str]) -> dict[str, Block]:
    """The first 100 topics whose names fit an option's value, as options by name."""
    options: dict[str, Block] = {}
    for name in topics:
        if len(options) == MAX_TOPIC_OPTIONS:
            break
        # A topic longer than a quote's topics may be is not offered: saving would refuse it.
        if not name.strip() or len(name) > min(OPTION_VALUE, TOPIC_LIMIT) or name in options:
            continue
        options[name] = {
            "text": {"type": "plain_text", "text": shorten(name, OPTION_TEXT)},
            "value": name,
        }
    return options


def _text_section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten(text, 3000)}}
