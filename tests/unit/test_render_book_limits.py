"""Property tests: the quote form and the review messages stay within Slack's limits.

Whatever a message, a person's name, a channel's name or the collection's topics hold
(thousands of topics, enormous names, live markup), the form Slack is asked to open is
one it accepts (`tests.limits.check_message(view, "modal")`), and a review message is
one it posts.
"""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.book.drafts import Draft
from bot.render_book import (
    FormState,
    notice_view,
    outcome_line,
    quote_form,
    review_message,
    reviewed_message,
)
from tests.limits import check_message
from tests.unit.test_render_limits import fields, huge, quotes, small_texts, urls

SLOW = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MODES = st.sampled_from(["save", "add", "edit"])


def names() -> st.SearchStrategy[str]:
    return st.one_of(small_texts(), huge(small_texts(), 5000))


@st.composite
def drafts(draw: st.DrawFn) -> Draft:
    return Draft(
        text=draw(st.one_of(small_texts(), huge(small_texts(), 3000))),
        speaker=draw(fields(5000)),
        source=draw(fields(5000)),
        url=draw(urls()),
        topics=tuple(draw(st.lists(names(), max_size=15))),
        lead_in=draw(fields(5000)),
    )


@SLOW
@given(
    MODES,
    drafts(),
    st.lists(names(), max_size=300),
    st.one_of(st.none(), small_texts()),
    names(),
)
def test_the_quote_form_is_a_modal_slack_opens_whatever_it_holds(
    mode: str, draft: Draft, topics: list[str], note: str | None, speaker: str
) -> None:
    state = FormState(mode, quote_id="7KQ2", speaker_user="U0ADA", speaker_name=speaker)
    view = quote_form(mode, state, draft=draft, topics=topics, note=note)
    check_message(view, kind="modal")
    assert FormState.decode(view["private_metadata"]).speaker_user == "U0ADA"
    fields_by_block = {block.get("block_id"): block for block in view["blocks"]}
    shown = fields_by_block["text"]["element"].get("initial_value", "")
    assert shown == draft.text[:3000], "the quote's text is shown as it is, up to its limit"


@SLOW
@given(quotes(), names(), st.booleans())
def test_review_messages_are_messages_slack_posts(quote, name: str, approved: bool) -> None:
    quote = replace(quote, origin="slack", id="7KQ2")
    for message in (
        review_message(quote, added_by=name, seq=2**40, waiting=10**6),
        reviewed_message(
            quote, verdict="Approved" if approved else "Rejected", by=name, live=approved
        ),
        outcome_line(quote.id, approved=approved, by=name),
    ):
        check_message(message)
        assert "<@" not in json.dumps(message), "a name, never a mention"


@SLOW
@given(MODES, huge(small_texts(), 10_000))
def test_a_notice_in_a_modal_fits_whatever_it_says(mode: str, text: str) -> None:
    check_message(notice_view(mode, text or "x"), kind="modal")
