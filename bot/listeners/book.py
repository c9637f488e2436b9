"""The quote book in Slack: Save as quote, `/quote add`, the form, review, the quote menu.

Thin: read the payload, find out who is asking (`bot.directory`) when a rule needs it,
let the domain (`bot.book.entries`) decide and write, render (`bot.render_book`),
answer. A modal is opened at once (a trigger lasts 3 seconds) and filled in with
`views.update` once the slow calls are done.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.book import entries
from bot.book.drafts import TEXT_LIMIT, Draft, problems, split_topics
from bot.book.markup import mentioned_users, to_markdown
from bot.listeners import report
from bot.listeners.answering import GONE, post, refusal, show_now, tell, tell_approvers
from bot.listeners.payloads import team_of
from bot.mrkdwn import escape, shorten
from bot.render import QUOTE_MENU, notice_message
from bot.render_book import (
    APPROVE,
    FORM,
    REJECT,
    VALUE,
    FormState,
    loading_view,
    notice_view,
    outcome_line,
    quote_form,
    review_message,
    reviewed_message,
    saved_view,
    taken_up_line,
)
from bot.roles import Person, Policy, may_approve
from bot.services import Services
from bot.store import BookRow

log = logging.getLogger(__name__)

SAVE_SHORTCUT = "save_quote"
NAMES_LOOKED_UP = 20  # users.info calls for one saved message, before the modal is filled
PRIVATE_NAMES = frozenset({"directmessage", "privategroup"})
T = TypeVar("T")
ANSWER_WITHIN = 2.5  # seconds: the form's answer goes by then, whatever is still running
LOOKUP_WITHIN = 1.0  # seconds users.info may take before a submission is answered


def register(app: AsyncApp, services: Services) -> None:
    app.shortcut(SAVE_SHORTCUT)(partial(save_from_message, services=services))
    app.view(FORM)(partial(submit_form, services=services))
    app.action(APPROVE)(partial(decide, services=services, approve=True))
    app.action(REJECT)(partial(decide, services=services, approve=False))
    app.action(QUOTE_MENU)(partial(quote_menu, services=services))


# ----- opening the form ------------------------------------------------------------------


async def save_from_message(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Services
) -> None:
    """Save as quote, on a message: the form, filled from the message and its author."""
    await ack()
    opened = await client.views_open(trigger_id=body["trigger_id"], view=loading_view("save"))
    view_id = opened["view"]["id"]
    team = team_of(body)
    message = body.get("message") or {}
    channel = body.get("channel") or {}
    author = str(message.get("user") or "")
    # Names for the author and the people mentioned (a bot's message has no author); at
    # most NAMES_LOOKED_UP calls, the rest are "@someone".
    people = [u for u in [author, *mentioned_users(message.get("text") or "")] if u]
    people = list(dict.fromkeys(people))[:NAMES_LOOKED_UP]
    names, permalink = await asyncio.gather(
        _names(services, client, team, people),
        _permalink(client, channel.get("id"), message.get("ts")),
    )
    text = to_markdown(message.get("text") or "", names=names)
    if not text:
        view = notice_view("save", "This message has no text to save as a quote.")
    elif len(text) > TEXT_LIMIT:
        view = notice_view(
            "save",
            f"This message is too long to save: a quote holds at most {TEXT_LIMIT:,} "
            f"characters, and this one has {len(text):,}. Copy the part you want and "
            "use `/quote add`.",
        )
    else:
        speaker = names.get(author) or None
        state = FormState("save", speaker_user=author, speaker_name=speaker or "")
        draft = Draft(
            text=text, speaker=speaker, source=_source(channel), url=permalink,
            speaker_user=author or None,
        )  # fmt: skip
        note = None
        if _is_private(channel):
            note = (
                ":lock: This message is from a private conversation. Once saved, the quote "
                "can be seen by everyone in the workspace."
            )
        corpus = services.corpus_for(team)
        view = quote_form("save", state, draft=draft, topics=_topic_names(corpus), note=note)
    await client.views_update(view_id=view_id, view=view)


async def open_add_form(
    services: Services, command: dict[str, Any], client: AsyncWebClient
) -> dict[str, Any] | None:
    """`/quote add`: the empty form. None once opened, else the reply for `ack()`."""
    corpus = services.corpus_for(command.get("team_id"))
    view = quote_form("add", FormState("add"), topics=_topic_names(corpus))
    try:
        await client.views_open(trigger_id=command["trigger_id"], view=view)
    except SlackApiError as error:
        log.warning("/quote add: views.open answered %s", error.response.get("error"))
        return notice_message("Slack would not open the form just now: try `/quote add` again.")
    return None


# ----- the form's submission ---------------------------------------------------------------


async def submit_form(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Services
) -> None:
    started = time.monotonic()  # Slack waits 3 s for this answer
    view = body.get("view") or {}
    try:
        state = FormState.decode(view.get("private_metadata") or "")
    except ValueError:
        await ack()
        return
    draft = _draft(view, state)
    found = problems(
        draft, topics_field="new_topics" if "topics" not in _blocks(view) else "topics"
    )
    if found:
        await ack(response_action="errors", errors=found)
        return
    team, user = team_of(body), str((body.get("user") or {}).get("id") or "")
    key, now = services.book_key(team), services.clock()
    store, corpus, policy = services.store, services.corpus_for(team), services.settings.policy
    if policy.adding == "reviewed":
        # Whether it waits for review depends on who adds (or edits) it: never an
        # approver's. Elsewhere, who someone is matters only if they are refused.
        person = await _person_within(services, client, team, user, seconds=LOOKUP_WITHIN)
        ask: Callable[..., Any] = partial(_call_as, person, policy)
    else:
        ask = partial(_as_asker, services, client, team, user)
    if state.mode == "edit":
        result, person = await ask(
            partial(entries.edit, store, corpus, key, state.quote_id, draft, now=now)
        )
    else:
        result, person = await ask(
            partial(entries.save, store, corpus, draft, key=key, now=now, rng=services.rng)
        )
    if result.outcome == "duplicate":
        same = f": #{result.duplicate_of}" if result.duplicate_of else ""
        await ack(
            response_action="errors",
            errors={"text": f"This quote is already in the collection{same}."},
        )
        return
    if result.outcome in ("refused", "missing"):
        text = refusal(result.decision, person) if result.outcome == "refused" else GONE
        await ack(response_action="update", view=notice_view(state.mode, text))
        return
    quote_id = escape(result.quote_id)
    tell = "I will tell you in a direct message."
    if result.outcome == "pending":
        text = (
            f"Thanks! Your quote is `#{quote_id}`. It joins the collection once an approver "
            f"accepts it: {tell}"
        )
    elif result.outcome == "proposed":
        text = (
            f"Thanks! Your change to `#{quote_id}` waits for an approver; until then the "
            f"quote stays as it was. {tell}"
        )
    elif result.outcome == "edited" and result.row and result.row.status == "pending":
        text = f"Saved your changes to `#{quote_id}`. It still waits for review."
    elif result.outcome == "edited":
        text = f"Saved your changes to `#{quote_id}`."
    else:
        text = f"Saved as `#{quote_id}`: `/quote #{quote_id}` shows it."
    # First: once it says saved, `/quote` finds it (within what is left of the 3 s).
    await show_now(services, within=ANSWER_WITHIN - (time.monotonic() - started))
    await ack(response_action="update", view=saved_view(state.mode, text))
    if result.outcome in ("pending", "proposed") and result.row is not None:
        await _announce(services, client, team, result.row)
    if result.outcome == "edited" and result.author and result.row is not None:
        # An approver's edit took the place of someone's change that waited: say so.
        name = await services.directory.name(client, team_id=team, user_id=user)
        line = taken_up_line(result.row.id, by=name or "an approver")
        await post(client, result.author, line)


async def _person_within(
    services: Services, client: AsyncWebClient, team: str, user: str, *, seconds: float
) -> Person:
    """Who someone is, if Slack says so in time; else someone with no role (reviewed)."""
    policy = services.settings.policy
    try:
        return await asyncio.wait_for(
            services.directory.person(client, team_id=team, user_id=user, policy=policy),
            seconds,
        )
    except TimeoutError:
        log.warning("users.info took over %.1f s: %s is taken as holding no role", seconds, user)
        return Person(user)


async def _call_as(person: Person, policy: Policy, change: Callable[..., T]) -> tuple[T, Person]:
    return await asyncio.to_thread(change, person=person, policy=policy), person


# ----- review ------------------------------------------------------------------------------


async def review_list(
    services: Services, command: dict[str, Any], client: AsyncWebClient
) -> dict[str, Any]:
    """`/quote review`: the oldest of what waits, with Approve and Reject, and the count;
    once no quote waits, the oldest report of a problem, with Apply and Dismiss."""
    team, user = command.get("team_id") or "", command.get("user_id") or ""
    policy = services.settings.policy
    person = await services.directory.person(client, team_id=team, user_id=user, policy=policy)
    decision = may_approve(person, policy)
    if not decision.allowed:  # a waiting quote may come from a private conversation
        return notice_message(refusal(decision, person))
    key = services.book_key(team)
    waiting = await asyncio.to_thread(services.store.book.waiting, key)
    if not waiting:  # then the reports of a problem, oldest first
        card = await report.oldest_card(services, client, team)
        return card or notice_message("Nothing is waiting for review.")
    reports = await asyncio.to_thread(services.store.reports.count_open, key)
    return await _card(services, client, team, waiting[0], waiting=len(waiting), reports=reports)


async def _card(
    services: Services, client: AsyncWebClient, team: str, row: BookRow, *, waiting: int = 1,
    reports: int = 0,
) -> dict[str, Any]:  # fmt: skip
    """The review message for what waits on this row: a new quote, or a change to one."""
    proposal = entries.Proposal.of(row) if row.status == "approved" else None
    author = proposal.by if proposal else row.added_by
    name = await services.directory.name(client, team_id=team, user_id=author)
    return review_message(
        entries.to_quote(row, proposed=proposal is not None), added_by=name or "Someone",
        seq=row.seq, edited=proposal is not None, waiting=waiting, reports=reports,
    )  # fmt: skip


async def decide(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond,
    services: Services, approve: bool,
) -> None:  # fmt: skip
    """Approve or Reject on a quote (or a change to one) waiting for review."""
    await ack()
    team, user = team_of(body), str((body.get("user") or {}).get("id") or "")
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    quote_id, _, seen = value.partition(":")
    policy = services.settings.policy
    person = await services.directory.person(client, team_id=team, user_id=user, policy=policy)
    result = await asyncio.to_thread(
        entries.review, services.store, services.book_key(team), quote_id, approve=approve,
        person=person, policy=policy, now=services.clock(),
        seen=int(seen) if seen.isdigit() else None,
    )  # fmt: skip
    if result.outcome == "refused":
        await tell(respond, refusal(result.decision, person))
        return
    if result.outcome == "duplicate":
        await tell(respond, "That change would make it the same as another quote: it was "
                             "not applied.")  # fmt: skip
        return
    if result.outcome == "changed" and result.row is not None:
        # Edited since this card was sent: show it as it is now, to decide on that.
        await respond(replace_original=True, **await _card(services, client, team, result.row))
        await tell(respond, "That quote was changed after this message was sent: here it is "
                             "as it is now. Approve or reject this version.")  # fmt: skip
        return
    if result.outcome == "missing" or result.row is None:
        await tell(respond, GONE)
        return
    row = result.row
    decider = await services.directory.name(client, team_id=team, user_id=row.changed_by or user)
    decider = decider or "an approver"
    if result.outcome == "already":  # decided (or changed, or removed) meanwhile
        verdict = "Removed" if row.status == "removed" else "No longer waiting: last changed"
        await respond(
            replace_original=True,
            **reviewed_message(
                entries.to_quote(row), verdict=verdict, by=decider, live=row.status == "approved"
            ),
        )
        return  # fmt: skip
    await show_now(services)
    verdict = ("Change approved" if approve else "Change rejected") if result.change else (
        "Approved" if approve else "Rejected")  # fmt: skip
    decided = reviewed_message(
        entries.to_quote(row), verdict=verdict, by=decider, live=row.status == "approved"
    )
    await respond(replace_original=True, **decided)
    line = outcome_line(row.id, approved=approve, by=decider, change=result.change)
    await post(client, result.author or row.added_by, line)


async def _announce(services: Services, client: AsyncWebClient, team: str, row: BookRow) -> None:
    """Tell the approvers a quote waits for review."""
    message = await _card(services, client, team, row)
    await tell_approvers(services, client, message, what=f"quote {row.id} waits for review")


# ----- the quote menu ----------------------------------------------------------------------


async def quote_menu(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond,
    services: Services,
) -> None:  # fmt: skip
    """Edit, Remove (quotes added in Slack), Hide and Where it comes from (files' quotes),
    Report a problem (every quote)."""
    await ack()
    action = (body.get("actions") or [{}])[0]
    verb, _, quote_id = str((action.get("selected_option") or {}).get("value") or "").partition(":")
    team, user = team_of(body), str((body.get("user") or {}).get("id") or "")
    key, store, policy = services.book_key(team), services.store, services.settings.policy
    corpus = services.corpus_for(team)
    if verb == "edit":
        # The form first, while the click's trigger is fresh (3 s); the checks after.
        opened = await client.views_open(trigger_id=body["trigger_id"], view=loading_view("edit"))
        view = await _edit_form(services, client, team, user, quote_id)
        await client.views_update(view_id=opened["view"]["id"], view=view)
        return
    if verb == "report":  # for everyone, on every quote
        await report.open_form(services, client, body, respond, quote_id)
        return
    if verb == "remove":
        row = await asyncio.to_thread(store.book.get, key, quote_id)
        if row is None or row.status not in entries.OPEN:
            await tell(respond, GONE)
            return
        adder = await services.directory.name(client, team_id=team, user_id=row.added_by)
        result, person = await _as_asker(
            services, client, team, user,
            partial(entries.remove, store, key, quote_id, now=services.clock(), adder_name=adder),
        )  # fmt: skip
        if result.outcome == "removed":
            await show_now(services)
            await tell(respond, f"Removed `#{escape(quote_id)}` from the collection.")
        elif result.outcome == "refused":
            await tell(respond, refusal(result.decision, person))
        else:
            await tell(respond, GONE)
        return
    quote = corpus.get(quote_id)
    if quote is None:
        await tell(respond, "That quote is no longer in the collection.")
        return
    if verb == "source":
        where = f"`{escape(quote.file)}`, line {quote.line}" if quote.file else "Slack"
        await tell(respond, f"`#{escape(quote.id)}` comes from {where}.")
        return
    if verb == "hide":
        person = await services.directory.person(client, team_id=team, user_id=user, policy=policy)
        result = await asyncio.to_thread(
            entries.hide, store, key, quote, person=person, policy=policy, now=services.clock()
        )
        if result.outcome == "refused":
            await tell(respond, refusal(result.decision, person))
            return
        await show_now(services)
        await tell(
            respond,
            f"Hidden `#{escape(quote.id)}`: it is no longer shown in this workspace. Its file "
            f"is unchanged (`{escape(quote.file)}`, line {quote.line}); "
            "`quotebot book hidden` lists the hidden quotes.",
        )


async def _edit_form(
    services: Services, client: AsyncWebClient, team: str, user: str, quote_id: str
) -> dict[str, Any]:
    """The edit form for this quote, or a modal saying why this person may not edit it."""
    row = await asyncio.to_thread(services.store.book.get, services.book_key(team), quote_id)
    if row is None or row.status not in entries.OPEN:
        return notice_view("edit", GONE)
    adder = await services.directory.name(client, team_id=team, user_id=row.added_by)
    decision, person = await _as_asker(
        services, client, team, user,
        partial(entries.may_change, row, adder_name=adder),
        refused=lambda decision: not decision.allowed,
    )  # fmt: skip
    if not decision.allowed:
        return notice_view("edit", refusal(decision, person))
    state = FormState("edit", quote_id, row.speaker_user or "", row.speaker or "")
    # A change that waits is what the form starts from: editing again builds on it, and an
    # approver sees it (and saving applies it).
    waiting = entries.Proposal.of(row) if row.status == "approved" else None
    draft = waiting.draft if waiting else Draft(
        text=row.text, speaker=row.speaker, source=row.source, url=row.url, topics=row.topics,
        lead_in=row.lead_in,
    )  # fmt: skip
    corpus = services.corpus_for(team)
    return quote_form("edit", state, draft=draft, topics=_topic_names(corpus))


# ----- helpers -----------------------------------------------------------------------------


async def _as_asker(
    services: Services, client: AsyncWebClient, team: str, user: str,
    change: Callable[..., T], *, refused: Callable[[T], bool] = lambda r: r.outcome == "refused",
) -> tuple[T, Person]:  # fmt: skip
    """Try as a person with no role first; look them up in Slack only if refused.

    Who added a quote and who is quoted may change it without a role, so most edits
    cost no `users.info` call before the 3-second answer.
    """
    policy = services.settings.policy
    nobody = Person(user)
    made = await asyncio.to_thread(change, person=nobody, policy=policy)
    if not refused(made):
        return made, nobody
    person = await services.directory.person(client, team_id=team, user_id=user, policy=policy)
    return await asyncio.to_thread(change, person=person, policy=policy), person


def _draft(view: dict[str, Any], state: FormState) -> Draft:
    values = (view.get("state") or {}).get("values") or {}

    def text(block: str) -> str | None:
        return ((values.get(block) or {}).get(VALUE) or {}).get("value")

    chosen = ((values.get("topics") or {}).get(VALUE) or {}).get("selected_options") or []
    topics = tuple(str(option.get("value") or "") for option in chosen)
    speaker = text("speaker")
    draft = Draft(
        text=text("text") or "",
        speaker=speaker,
        source=text("source"),
        url=text("url"),
        topics=topics + split_topics(text("new_topics")),
        lead_in=text("lead_in"),
    ).tidy()
    # The person quoted may edit their quote, while the quote still names them.
    if state.speaker_user and state.still_names(draft.speaker):
        return replace(draft, speaker_user=state.speaker_user)
    return draft


def _blocks(view: dict[str, Any]) -> set[str]:
    return {str(block.get("block_id")) for block in view.get("blocks") or []}


def _topic_names(corpus: Any) -> list[str]:
    """The collection's topics, the largest first: the form offers the first 100."""
    return [t.name for t in sorted(corpus.topics(), key=lambda t: (-t.count, t.name.casefold()))]


async def _names(
    services: Services, client: AsyncWebClient, team: str, users: list[str]
) -> dict[str, str]:
    found = await asyncio.gather(
        *(services.directory.name(client, team_id=team, user_id=u) for u in dict.fromkeys(users))
    )
    return {user: name for user, name in zip(dict.fromkeys(users), found, strict=True) if name}


async def _permalink(client: AsyncWebClient, channel: str | None, ts: str | None) -> str | None:
    """The message's permalink; None where Slack will not give one (a DM the bot is not in)."""
    if not channel or not ts:
        return None
    try:
        answer = await client.chat_getPermalink(channel=channel, message_ts=ts)
    except SlackApiError as error:
        log.info("no permalink for a saved message: %s", error.response.get("error"))
        return None
    return str(answer.get("permalink") or "") or None


def _is_private(channel: dict[str, Any]) -> bool:
    """A DM, a group DM or a private channel, as a shortcut's payload names them."""
    name, channel_id = str(channel.get("name") or ""), str(channel.get("id") or "")
    return name in PRIVATE_NAMES or name.startswith("mpdm-") or channel_id[:1] in ("D", "G")


def _source(channel: dict[str, Any]) -> str | None:
    """Where a saved message was: its channel, by name, unless that is private."""
    name = str(channel.get("name") or "")
    if not name or _is_private(channel):
        return "Slack"
    return f"#{shorten(name, 80)}"
