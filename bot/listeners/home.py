"""The App Home tab: published for one person when they open it and after they act in it.

`views.publish` is rate-limited, so a Home is never published for everyone at once:
only for the person who opened the tab or clicked in it. Thin like every listener:
gather what the view shows (`gather`), let the domain decide (`bot.daily.schedules`,
`bot.book.entries` with `bot.roles`), render (`bot.render_home`), publish.

Decided where the issue is silent: a schedule in a private channel shows on the Home
of the people who may change it (its creator and managers), since telling who else is
in that channel would cost a Slack call per channel and person.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.book.entries import to_quote
from bot.corpus import Corpus, Quote
from bot.daily import schedules as book
from bot.listeners.book import decide as decide_review
from bot.listeners.membership import channels_of, share_refusal
from bot.listeners.payloads import team_of
from bot.loved import month_start, most_loved
from bot.render import quote_message
from bot.render_home import (
    APPROVE,
    REJECT,
    SCHEDULE_PAUSE,
    SCHEDULE_REMOVE,
    SCHEDULE_RESUME,
    SCHEDULES_PAGE,
    SHARE,
    HomeData,
    ScheduleRow,
    home_view,
)
from bot.roles import Person, may_add_schedule, may_approve, may_change_schedule
from bot.services import Services

log = logging.getLogger(__name__)

RECENT = 5
LOVED = 5
MEMBERS_WITHIN = 2.0  # seconds users.conversations may take before the Home is published


def quote_for_today(corpus: Corpus, user_id: str, day: date) -> Quote | None:
    """One person's quote of a day: the same all day, never the day before's.

    Each person walks the collection with a stride of their own (1 to n-1 quotes a
    day), so two days in a row never show the same quote and people differ.
    """
    quotes = corpus.quotes
    if len(quotes) < 2:
        return quotes[0] if quotes else None
    seed = int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:8], "big")
    stride = 1 + seed % (len(quotes) - 1)
    return quotes[(seed + day.toordinal() * stride) % len(quotes)]


def register(app: AsyncApp, services: Services) -> None:
    async def opened(client: AsyncWebClient, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return  # the Messages tab: a DM, answered as one
        await publish(services, client, user_id=event["user"], team_id=body.get("team_id") or "")

    async def paging(ack: AsyncAck, client: AsyncWebClient, body: dict[str, Any]) -> None:
        await ack()
        page = int(_value(body) or 0)
        await publish(services, client, user_id=body["user"]["id"], team_id=team_of(body),
                      page=page)  # fmt: skip

    async def schedule_change(ack: AsyncAck, client: AsyncWebClient, body: dict[str, Any]) -> None:
        await ack()
        user, team = body["user"]["id"], team_of(body)
        action = body["actions"][0]["action_id"]
        current = await asyncio.to_thread(book.find, services.store, _value(body), team_id=team)
        if current is not None:
            person = await _person(services, client, user, team)
            policy, store = services.settings.policy, services.store
            if action == SCHEDULE_RESUME:
                change = await asyncio.to_thread(
                    book.resume, store, current, person=person, policy=policy,
                    now=services.clock(),
                )  # fmt: skip
            else:
                act = book.stop if action == SCHEDULE_REMOVE else book.pause
                change = await asyncio.to_thread(
                    act, store, current, person=person, policy=policy,
                    reason=f"paused on the Home tab by {user}",
                )  # fmt: skip
            if not change.decision.allowed:
                log.info("Home: %s may not change %s: %s", user, current.id,
                         change.decision.reason)  # fmt: skip
        await publish(services, client, user_id=user, team_id=team)

    async def decide(ack: AsyncAck, client: AsyncWebClient, body: dict[str, Any]) -> None:
        """Approve or Reject in the tab: what the review card's buttons do (the author
        hears the outcome), with the card's notices sent to the approver by DM."""
        user, team = body["user"]["id"], team_of(body)

        async def respond(**message: Any) -> None:
            if message.get("replace_original") or message.get("delete_original"):
                return  # the Home is no card to replace: it is published again below
            message.pop("response_type", None)
            message.pop("replace_original", None)
            await client.chat_postMessage(channel=user, **message)

        approve = body["actions"][0]["action_id"] == APPROVE
        await decide_review(ack, body, client, respond, services, approve)
        await publish(services, client, user_id=user, team_id=team)

    async def share(ack: AsyncAck, client: AsyncWebClient, body: dict[str, Any]) -> None:
        """Post the quote where the sharer picked, if they are in it (chat:write.public
        would let the bot post in any public channel); else tell them why, by DM."""
        await ack()
        action, sharer = body["actions"][0], body["user"]["id"]
        channel = action.get("selected_conversation")
        quote_id = str(action.get("block_id") or "").partition(":")[2]
        quote = services.corpus_for(team_of(body)).get(quote_id)
        if not channel or quote is None:
            return
        refusal = await share_refusal(client, user_id=sharer, channel_id=channel)
        if refusal:
            await client.chat_postMessage(channel=sharer, text=refusal)
            return
        message = quote_message(quote, shared_by=sharer)
        try:
            await client.chat_postMessage(
                channel=channel, unfurl_links=False, unfurl_media=False, **message
            )
        except SlackApiError as error:  # a private channel the bot is not in, say
            reason = error.response.get("error")
            await client.chat_postMessage(
                channel=sharer,
                text=f"The quote was not shared there ({reason}): invite @quotebot first.",
            )

    # The Home's Add and Edit open the schedule form: `bot.listeners.schedule_form`.
    app.event("app_home_opened")(opened)
    app.action(SCHEDULES_PAGE)(paging)
    for action in (SCHEDULE_PAUSE, SCHEDULE_RESUME, SCHEDULE_REMOVE):
        app.action(action)(schedule_change)
    app.action(APPROVE)(decide)
    app.action(REJECT)(decide)
    app.action(SHARE)(share)


async def publish(
    services: Services, client: AsyncWebClient, *, user_id: str, team_id: str, page: int = 0
) -> None:
    """Publish `user_id`'s Home as it is now; a failure is logged, never raised."""
    try:
        data = await gather(services, client, user_id=user_id, team_id=team_id, page=page)
        await client.views_publish(user_id=user_id, view=home_view(data))
    except SlackApiError as error:
        log.warning("Home for %s not published: %s", user_id, error.response.get("error"))


async def gather(
    services: Services, client: AsyncWebClient, *, user_id: str, team_id: str, page: int = 0
) -> HomeData:
    """What one person's Home shows, with what they may do."""
    person = await _person(services, client, user_id, team_id)
    zone = await _zone(client, user_id)
    now, policy, store = services.clock(), services.settings.policy, services.store
    corpus = services.corpus_for(team_id)
    key = services.book_key(team_id)
    approver = may_approve(person, policy).allowed

    def from_store() -> tuple[list, list, list, list, list, int]:
        subs = book.schedules(store, team_id=team_id, enabled_only=False)
        recent = store.book.quotes(key, statuses=["approved"])[-RECENT:][::-1]
        waiting = store.book.waiting(key) if approver else []
        month = month_start(now, services.settings.timezone)
        loved_month = most_loved(store, corpus, key, since=month, limit=LOVED)
        loved_all = most_loved(store, corpus, key, since=None, limit=LOVED)
        reports = store.reports.count_open(key) if approver else 0
        return subs, recent, waiting, loved_month, loved_all, reports

    subs, recent, waiting, loved_month, loved_all, reports = await asyncio.to_thread(from_store)
    names = await _channel_names(client, {s.subscription.channel for s in subs})
    # A private channel's schedules only for the people in it. When Slack cannot say
    # who is (no read scopes), for those who may change them, as before they could.
    member_of = None
    if any(private and known for _, private, known in names.values()):
        member_of = await channels_of(client, user_id=user_id, within=MEMBERS_WITHIN)
    rows = []
    for stored in subs:
        sub = stored.subscription
        may = may_change_schedule(
            person, origin=stored.origin, created_by=stored.created_by, policy=policy
        ).allowed
        name, private, known = names.get(sub.channel, (sub.channel, False, False))
        if private and not _sees_private(sub.channel, known, member_of, may_change=may):
            continue
        upcoming = stored.next_post(now=now) if stored.enabled else None
        rows.append(ScheduleRow(stored, f"#{name}", upcoming, may))
    rows.sort(key=lambda row: (row.channel_name, row.stored.subscription.time))
    counts: dict[str, int] = {}
    for quote in corpus:
        counts[quote.origin] = counts.get(quote.origin, 0) + 1
    return HomeData(
        viewer_zone=zone, now=now, today=quote_for_today(corpus, user_id, _local_day(now, zone)),
        schedules=rows, may_add_schedule=may_add_schedule(person, policy).allowed,
        book_counts=counts,
        recent=[to_quote(row) for row in recent],
        pending=[to_quote(row, proposed=True) for row in waiting],
        pending_seq={row.id: row.seq for row in waiting}, is_approver=approver,
        loved_month=loved_month, loved_all=loved_all, open_reports=reports,
        schedule_page=page,
    )  # fmt: skip


def _sees_private(
    channel: str, described: bool, member_of: frozenset[str] | None, *, may_change: bool
) -> bool:
    """A private channel's schedules are for its members; where Slack cannot say who they
    are, for who may change them."""
    if described and member_of is not None:
        return channel in member_of
    return may_change


def _local_day(now: datetime, zone: str) -> date:
    """Today where the viewer is: their quote changes at their midnight."""
    try:
        return now.astimezone(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


async def _person(services: Services, client: AsyncWebClient, user: str, team: str) -> Person:
    return await services.directory.person(
        client, team_id=team, user_id=user, policy=services.settings.policy
    )


async def _zone(client: AsyncWebClient, user_id: str) -> str:
    """The person's time zone as Slack has it (users.info), else UTC."""
    try:
        found = await client.users_info(user=user_id)
    except SlackApiError:
        return "UTC"
    return str((found.get("user") or {}).get("tz") or "UTC")


NAME_SECONDS = 600  # how long a channel's name and privacy are trusted
_NAMES: dict[str, tuple[float, str, bool]] = {}  # channel -> (when, name, private)


async def _channel_names(
    client: AsyncWebClient, channels: set[str]
) -> dict[str, tuple[str, bool, bool]]:
    """Each channel's name, whether it is private, and whether Slack said so
    (conversations.info, remembered a while). One Slack could not describe (a private
    channel the bot is not in, no channels:read yet, a rate limit) is named by its ID
    and counted private, so its schedules show only to who may change them, and it is
    asked about again next time."""
    found: dict[str, tuple[str, bool, bool]] = {}
    fresh_after = time.monotonic() - NAME_SECONDS
    for channel in sorted(channels):
        known = _NAMES.get(channel)
        if known is not None and known[0] > fresh_after:
            found[channel] = (*known[1:], True)
            continue
        try:
            info = (await client.conversations_info(channel=channel)).get("channel") or {}
        except SlackApiError:
            found[channel] = (channel, True, False)
            continue
        named = (str(info.get("name") or channel), bool(info.get("is_private")))
        _NAMES[channel] = (time.monotonic(), *named)
        found[channel] = (*named, True)
    return found


def _value(body: dict[str, Any]) -> str | None:
    return (body.get("actions") or [{}])[0].get("value")
