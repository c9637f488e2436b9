"""Property tests: Report a problem's form, the approvers' card and the outcome lines stay
within Slack's limits, and nothing the reporter or a quote file wrote pings anyone."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.book.reports import PROBLEMS, fingerprints
from bot.render_report import (
    decided_card,
    outcome_line,
    report_card,
    report_form,
    reported_quote,
    thanks_view,
)
from bot.store import ReportRow
from tests.limits import check_message
from tests.unit.test_render_book_limits import SLOW
from tests.unit.test_render_limits import fields, huge, quotes, small_texts

PINGS = ("<@", "<!", "<#")


def escapes() -> st.SearchStrategy[str]:
    """Text that grows fivefold once escaped: "&" becomes "&amp;"."""
    return huge(st.sampled_from(["&", "<>", "& ", "&<"]), 5000)


def texts() -> st.SearchStrategy[str]:
    return st.one_of(small_texts(), huge(small_texts(), 5000), escapes())


@st.composite
def reports_on(draw: st.DrawFn, quote) -> ReportRow:
    return ReportRow(
        team_id="T1", quote_id=quote.id, problem=draw(st.sampled_from([*PROBLEMS, "odd"])),
        was_text=quote.text, was_speaker=quote.speaker, was_source=quote.source,
        text=draw(st.one_of(st.just(quote.text), texts())),
        speaker=draw(st.one_of(fields(5000), escapes())),
        source=draw(st.one_of(fields(5000), escapes())),
        note=draw(st.one_of(st.none(), texts())),
        reported_by="U0OTTO", reported_at=datetime(2026, 12, 2, tzinfo=UTC),
        status=draw(st.sampled_from(["open", "applied", "dismissed"])), id=2**40,
    )  # fmt: skip


def pings(message: object) -> bool:
    text = json.dumps(message, ensure_ascii=False)
    return any(mark in text for mark in PINGS)


@SLOW
@given(quotes(), st.sampled_from(["file", "slack"]))
def test_the_report_form_is_a_modal_slack_opens_for_any_quote(quote, origin: str) -> None:
    quote = replace(quote, origin=origin)
    view = report_form(quote)
    check_message(view, kind="modal")
    assert reported_quote(view) == (quote.id[:20], fingerprints(quote))
    fields_by_block = {block.get("block_id"): block for block in view["blocks"]}
    if len(quote.text) <= 3000:
        assert fields_by_block["text"]["element"]["initial_value"] == quote.text
    else:
        assert "text" not in fields_by_block, "too long to correct in a 3,000-character field"
    check_message(thanks_view(quote.id), kind="modal")


@SLOW
@given(st.data(), quotes(), texts(), st.sampled_from(["file", "slack"]))
def test_the_approvers_card_and_the_outcome_fit_and_ping_nobody(data, quote, name, origin) -> None:
    quote = replace(quote, origin=origin, id="7KQ2")
    report = data.draw(reports_on(quote))
    for message in (
        report_card(report, quote, reporter=name),
        report_card(report, None, reporter=name, waiting=10**6),
        decided_card(report, quote, by=name),
        decided_card(report, None, by=name),
        outcome_line(report, by=name),
    ):
        check_message(message)
    mentions_free = replace(quote, text="plain words", speaker="Ada", source="Notes")
    clean = replace(report, text="plain words", speaker="<!here>", source="<@U0ADA>",
                    note="<!channel> look", was_text="plain words")  # fmt: skip
    assert not pings(report_card(clean, mentions_free, reporter="<@U0BOB>"))
