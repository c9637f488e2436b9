"""Report a problem, from the quote menu: the form, the approvers' card, Apply and Dismiss.

Thin: read the payload, let the domain (`bot.book.reports`) check, keep and decide,
render (`bot.render_report`), answer. Anyone may report; `reports.decide` checks that
whoever clicks Apply or Dismiss is an approver.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.book import reports
from bot.book.reports import ReportDraft
from bot.listeners.answering import GONE, post, refusal, show_now, tell, tell_approvers
from bot.listeners.payloads import team_of
from bot.render_book import VALUE, taken_up_line
from bot.render_report import (
    APPLY,
    DISMISS,
    REPORT_FORM,
    decided_card,
    outcome_line,
    report_card,
    report_form,
    reported_quote,
    thanks_view,
)
from bot.services import Services
from bot.store import ReportRow

log = logging.getLogger(__name__)


def register(app: AsyncApp, services: Services) -> None:
    app.view(REPORT_FORM)(partial(submit, services=services))
    app.action(APPLY)(partial(decide, services=services, apply=True))
    app.action(DISMISS)(partial(decide, services=services, apply=False))


async def open_form(
    services: Services, client: AsyncWebClient, body: dict[str, Any], respond: AsyncRespond,
    quote_id: str,
) -> None:  # fmt: skip
    """Report a problem, chosen in the quote menu: the form, on the quote as it is now."""
    quote = services.corpus_for(team_of(body)).get(quote_id)
    if quote is None:
        await tell(respond, GONE)
        return
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=report_form(quote))
    except SlackApiError as error:
        log.warning("Report a problem: views.open answered %s", error.response.get("error"))
        await tell(respond, "Slack would not open the form just now: try again.")


async def submit(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Services
) -> None:
    view = body.get("view") or {}
    team, user = team_of(body), str((body.get("user") or {}).get("id") or "")
    quote_id, shown = reported_quote(view)
    quote = services.corpus_for(team).get(quote_id)
    if quote is None:
        await ack(response_action="errors", errors={"problem": GONE})
        return
    draft = reports.as_reported(quote, _draft(view, quote.text), shown)
    found = reports.problems(quote, draft)
    if found:
        await ack(response_action="errors", errors=found)
        return
    key, now = services.book_key(team), services.clock()
    report = await asyncio.to_thread(
        reports.file_report, services.store, key, quote, draft, by=user, now=now
    )
    await ack(response_action="update", view=thanks_view(quote.id))
    reporter = await services.directory.name(client, team_id=team, user_id=user)
    card = report_card(report, quote, reporter=reporter or "Someone")
    await tell_approvers(services, client, card, what=f"report {report.id} on {quote.id}")


async def oldest_card(
    services: Services, client: AsyncWebClient, team: str
) -> dict[str, Any] | None:
    """The approvers' card for the oldest open report, if any (`/quote review` once no
    quote waits); one whose quote is gone meanwhile can be dismissed."""
    key = services.book_key(team)

    def oldest() -> tuple[list[ReportRow], int]:
        store = services.store.reports
        return store.open(key, limit=1), store.count_open(key)

    found, count = await asyncio.to_thread(oldest)
    if not found:
        return None
    report = found[0]
    quote = services.corpus_for(team).get(report.quote_id)
    by = await services.directory.name(client, team_id=team, user_id=report.reported_by)
    return report_card(report, quote, reporter=by or "Someone", waiting=count)


async def decide(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond,
    services: Services, apply: bool,
) -> None:  # fmt: skip
    """Apply or Dismiss on the approvers' card."""
    await ack()
    team, user = team_of(body), str((body.get("user") or {}).get("id") or "")
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    if not (value.isascii() and value.isdigit() and len(value) < 16):
        return  # not a card of ours
    policy = services.settings.policy
    person = await services.directory.person(client, team_id=team, user_id=user, policy=policy)
    try:
        decided = await asyncio.to_thread(
            reports.decide, services.store, services.library, team, int(value), apply=apply,
            person=person, policy=policy, now=services.clock(),
        )  # fmt: skip
    except Exception:
        log.exception("report %s could not be decided", value)
        await tell(respond, "That did not work just now: the report stays open. Try again.")
        return
    if decided.outcome == "refused" and decided.decision is not None:
        await tell(respond, refusal(decided.decision, person))
        return
    if decided.outcome == "duplicate":
        same = f" `#{decided.duplicate_of}`" if decided.duplicate_of else " another quote"
        await tell(respond, f"Applying it would make the quote the same as{same}: not applied.")
        return
    report = decided.report
    if report is None:
        await tell(respond, "That report is no longer there.")
        return
    if report.status == "open":  # applying found the quote gone meanwhile: still open
        await tell(respond, f"{GONE} The report stays open.")
        return
    if decided.outcome in ("applied", "dismissed", "missing"):
        await show_now(services)
    by = await services.directory.name(client, team_id=team, user_id=report.decided_by or user)
    by = by or "an approver"
    shown = services.corpus_for(team).get(report.quote_id)
    await respond(replace_original=True, **decided_card(report, shown, by=by))
    if decided.outcome != "already":
        await post(client, report.reported_by, outcome_line(report, by=by))
    if decided.taken_up:  # their waiting change gave way to the report's
        await post(client, decided.taken_up, taken_up_line(report.quote_id, by=by))


def _draft(view: dict[str, Any], text_now: str) -> ReportDraft:
    values = (view.get("state") or {}).get("values") or {}

    def field(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get(VALUE) or {}

    text = field("text").get("value") if "text" in values else text_now
    return ReportDraft(
        problem=str((field("problem").get("selected_option") or {}).get("value") or ""),
        text=text or "",
        speaker=field("speaker").get("value"),
        source=field("source").get("value"),
        note=field("note").get("value"),
    ).tidy()
