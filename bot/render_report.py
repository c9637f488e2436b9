"""Reporting a problem with a quote, as Block Kit: the form, the approvers' card, the outcome.

Pure: the listeners (`bot.listeners.report`) send what these build. Everything the
reporter typed is escaped, and each value is shortened so any report fits Slack's limits.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from bot.book.drafts import SOURCE_LIMIT, SPEAKER_LIMIT, TEXT_LIMIT
from bot.book.reports import FORM_FIELD, NOTE_LIMIT, PROBLEMS, changes, fingerprints, shown_in_form
from bot.corpus import Quote
from bot.mrkdwn import escape, escaped, shorten
from bot.render import Block, Message, button, notice_message, quote_message
from bot.render_book import VALUE, text_input
from bot.store import ReportRow

REPORT_FORM = "report_form"  # the callback_id of the form's submissions
APPLY = "report_apply"  # buttons on the approvers' card; value: the report's number
DISMISS = "report_dismiss"
TITLE = "Report a problem"
NAME_SIZE = 80
VALUE_SIZE = 200  # a speaker or a source in the card's lines
View = dict[str, Any]


def report_form(quote: Quote) -> View:
    """The form: what is wrong, the quote's fields to correct, a note."""
    blocks: list[Block] = [
        _section(
            f"What is wrong with `#{escape(shorten(quote.id, 20))}`? Correct it below, or say "
            "in the note. An approver looks at every report."
        ),
        *quote_message(quote, menu=False, loved=False)["blocks"],
        {"type": "divider"},
        {
            "type": "input",
            "block_id": "problem",
            "label": {"type": "plain_text", "text": "The problem"},
            "element": {
                "type": "radio_buttons",
                "action_id": VALUE,
                "options": [_option(label, value) for value, label in PROBLEMS.items()],
            },
        },
    ]
    shown = shown_in_form(quote)
    if shown["text"] is not None:
        blocks.append(
            text_input("text", "The quote's words", shown["text"], TEXT_LIMIT, multiline=True,
                       optional=False)
        )  # fmt: skip
    else:
        blocks.append(_context("The quote is too long to correct here: say in the note what "
                               "is wrong with its words."))  # fmt: skip
    speaker, source = shown["speaker"], shown["source"]
    blocks.append(text_input("speaker", "Who said it", speaker, _room(speaker, SPEAKER_LIMIT)))
    blocks.append(text_input("source", "Source", source, _room(source, SOURCE_LIMIT)))
    blocks.append(
        text_input("note", "Note for the approvers", None, NOTE_LIMIT, multiline=True,
                   hint="Where the right attribution comes from, say.")
    )  # fmt: skip
    return {
        "type": "modal",
        "callback_id": REPORT_FORM,
        "title": {"type": "plain_text", "text": TITLE},
        "submit": {"type": "plain_text", "text": "Send report"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
        # The fields as shown, by digest: what the reporter left alone is no change.
        "private_metadata": json.dumps({"id": shorten(quote.id, 20), "f": fingerprints(quote)}),
    }


def reported_quote(view: View) -> tuple[str, dict[str, str] | None]:
    """The ID of the quote a submitted form reports on ("" if it is not this form), and
    its fields' fingerprints as the form showed them (None from an older form)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
        shown = data.get("f")
        return str(data.get("id") or ""), dict(shown) if isinstance(shown, dict) else None
    except (ValueError, AttributeError, TypeError):
        return "", None


def thanks_view(quote_id: str) -> View:
    """What the form turns into once sent."""
    return {
        "type": "modal",
        "callback_id": REPORT_FORM,
        "title": {"type": "plain_text", "text": TITLE},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [
            _section(
                f"Thanks! An approver will look at your report on `#{escape(quote_id)}`. "
                "I will tell you in a direct message what comes of it."
            )
        ],
    }


def report_card(
    report: ReportRow, quote: Quote | None, *, reporter: str, waiting: int = 1
) -> Message:
    """For approvers: who reports what, the quote as Apply would make it, two buttons.

    `waiting`: how many reports are open (`/quote review` shows the oldest, and says so).
    A report on a quote no longer in the collection can only be dismissed.
    """
    count = [f"{waiting:,} reports wait; the oldest first."] if waiting > 1 else []
    lines = [
        *count,
        f"*{escaped(reporter, NAME_SIZE)}* reports a problem with "
        f"`#{escaped(report.quote_id, 20)}`: {PROBLEMS.get(report.problem, 'Something else')}.",
    ]
    lines += _change_lines(report)
    if report.note:
        lines.append(f"Note: “{escaped(report.note, NOTE_LIMIT)}”")
    if quote is None:
        lines.append(f"`#{escaped(report.quote_id, 20)}` is no longer in the collection.")
        text = "\n".join(lines)
        dismiss = {"type": "actions", "elements": [button("Dismiss", DISMISS, str(report.id))]}
        return {"text": shorten(text, 3000), "blocks": [_section(text), dismiss]}
    if quote.origin == "file":
        lines.append(
            f"From `{escaped(quote.file, 200)}`, line {quote.line}: applying shows the "
            "correction in Slack, and `quotebot book corrections` lists it to fix in the file."
        )
    value = str(report.id)
    actions = [button("Dismiss", DISMISS, value)]
    if changes(report):
        actions.insert(0, button("Apply", APPLY, value, style="primary"))
    fixed = replace(quote, **changes(report))  # what Apply makes of it, from the quote now
    return quote_message(fixed, intro="\n".join(lines), actions=actions, menu=False, loved=False)


def decided_card(report: ReportRow, quote: Quote | None, *, by: str) -> Message:
    """The card once decided: who decided what, and the quote as it now is."""
    verdict = "Applied" if report.status == "applied" else "Dismissed"
    line = (
        f"*{verdict}* by {escaped(by, NAME_SIZE)}: the report on `#{escaped(report.quote_id, 20)}`."
    )
    if quote is None:
        return notice_message(line)
    return quote_message(quote, intro=line, menu=False, loved=False)


def outcome_line(report: ReportRow, *, by: str) -> Message:
    """The reporter's DM once an approver decided."""
    name, quote_id = escaped(by, NAME_SIZE), escaped(report.quote_id, 20)
    if report.status == "applied":
        return notice_message(
            f"Thanks to your report, `#{quote_id}` is corrected: {name} applied it "
            f"(`/quote #{quote_id}` shows it)."
        )
    return notice_message(
        f"{name} looked at your report on `#{quote_id}` and left the quote as it is."
    )


def _change_lines(report: ReportRow) -> list[str]:
    new = changes(report)
    lines = []
    for field, label in (("speaker", "Speaker"), ("source", "Source")):
        if field in new:
            was = getattr(report, f"was_{field}")
            lines.append(f"{label}: {_quoted(was)} → {_quoted(new[field])}")
    if "text" in new:
        lines.append(f"Text: corrected, as shown below (it began “{_quoted_start(report)}”).")
    return lines


def _quoted(value: str | None) -> str:
    return f"“{escaped(value, VALUE_SIZE)}”" if value else "_none_"


def _quoted_start(report: ReportRow) -> str:
    return escaped(" ".join(report.was_text.split()), VALUE_SIZE)


def _room(value: str | None, limit: int) -> int:
    """A field's length limit, enough to hold what it holds now (up to Slack's 3,000)."""
    return min(FORM_FIELD, max(limit, len(value or "")))


def _option(label: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten(text, 3000)}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
