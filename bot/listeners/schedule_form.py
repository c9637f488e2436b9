"""The quote-of-the-day form: open it, answer its zone and topic menus, save what it says.

Thin, like `bot.listeners.daily`, and through the same domain calls (`bot.daily.schedules`
add and edit, with `bot.roles`): the form is another way to write `/quote daily 09:00
Europe/Berlin mon-fri`. The modal opens at once (a trigger lasts 3 seconds) and is
filled in with `views.update` once users.info said the viewer's zone.

Opened from `/quote daily`'s button or from the Home tab's Add and Edit; the view's
private_metadata says which, and a save from the Home publishes that Home again. A new
schedule's channel must be one the bot can post in and the person saving is in
(`bot.listeners.membership`), both asked at once within the 3 seconds of the ack.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.daily import schedules as book
from bot.daily.schedule import (
    Subscription,
    check_max_length,
    check_zone,
    parse_days,
    parse_time,
)
from bot.listeners.daily import ask_as_asker
from bot.listeners.home import publish
from bot.listeners.membership import is_member
from bot.listeners.payloads import team_of
from bot.mrkdwn import escape
from bot.render_home import SCHEDULE_ADD, SCHEDULE_EDIT
from bot.render_schedule_form import (
    FORM,
    HOME,
    OPEN,
    TICKED,
    TOPICS,
    VALUE,
    ZONE,
    ScheduleFormState,
    days_from,
    loading_view,
    notice_view,
    read_metadata,
    schedule_form,
    topic_options,
    zone_options,
)
from bot.render_schedules import describe, notice
from bot.roles import reinstall_line
from bot.services import Services

log = logging.getLogger(__name__)

LOOKUP_WITHIN = 1.0  # seconds a Slack call may take before the form is answered anyway
NOT_IN_CHANNEL = "Invite @quotebot to that channel first (/invite @quotebot)"
NOT_A_MEMBER = "You are not in that channel: join it first, or choose one you are in."


def register(app: AsyncApp, services: Services) -> None:
    app.action(OPEN)(partial(open_from_button, services=services))
    app.action(SCHEDULE_ADD)(partial(open_from_home, services=services))
    app.action(SCHEDULE_EDIT)(partial(open_from_home, services=services))
    app.options(ZONE)(partial(zones, services=services))
    app.options(TOPICS)(partial(topics, services=services))
    app.view(FORM)(partial(submit, services=services))


# ----- opening -----------------------------------------------------------------------------


async def open_from_button(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Services
) -> None:
    """ "Add a schedule here" under `/quote daily`: the form, for that channel."""
    await ack()
    action = (body.get("actions") or [{}])[0]
    await open_schedule_form(
        services, client, trigger_id=body["trigger_id"], team_id=team_of(body),
        user_id=str((body.get("user") or {}).get("id") or ""),
        channel_id=str(action.get("value") or "") or None,
    )  # fmt: skip


async def open_from_home(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Services
) -> None:
    """The Home tab's Add and Edit: the form, which publishes that Home again once saved."""
    await ack()  # first: the form's views.open needs the trigger within 3 seconds
    action = (body.get("actions") or [{}])[0]
    editing = action.get("action_id") == SCHEDULE_EDIT
    await open_schedule_form(
        services, client, trigger_id=body["trigger_id"], team_id=team_of(body),
        user_id=str((body.get("user") or {}).get("id") or ""),
        schedule_id=str(action.get("value") or "") if editing else None, opened_from=HOME,
    )  # fmt: skip


async def open_schedule_form(
    services: Services, client: AsyncWebClient, *, trigger_id: str, user_id: str, team_id: str,
    channel_id: str | None = None, schedule_id: str | None = None, opened_from: str = "",
) -> None:  # fmt: skip
    """Open the form: to add a schedule (in `channel_id`, if known) or edit `schedule_id`.

    `opened_from=HOME` for the Home tab, which saving publishes again. Opened first,
    while the trigger is fresh; filled in after.
    """
    opened = await client.views_open(trigger_id=trigger_id, view=loading_view())
    view_id = opened["view"]["id"]
    view = await _form_for(
        services, client, user_id=user_id, team_id=team_id, channel_id=channel_id,
        schedule_id=schedule_id, opened_from=opened_from,
    )  # fmt: skip
    await client.views_update(view_id=view_id, view=view)


async def _form_for(
    services: Services, client: AsyncWebClient, *, user_id: str, team_id: str,
    channel_id: str | None, schedule_id: str | None, opened_from: str,
) -> dict[str, Any]:  # fmt: skip
    all_topics = _topic_names(services.corpus_for(team_id))
    if schedule_id:
        current = await asyncio.to_thread(book.find, services.store, schedule_id, team_id=team_id)
        if current is None:
            return notice_view(f"There is no schedule `{escape(schedule_id)}` any more.")
        sub = current.subscription
        return schedule_form(
            ScheduleFormState(
                zone=sub.timezone, channel=sub.channel, time=sub.time, days=sub.days,
                topics=sub.topics, max_length=sub.max_length, schedule_id=current.id,
                all_topics=all_topics, opened_from=opened_from,
            )
        )  # fmt: skip
    zone = await _viewer_zone(client, user_id) or services.settings.timezone
    return schedule_form(
        ScheduleFormState(
            zone=zone, channel=channel_id, all_topics=all_topics, opened_from=opened_from
        )
    )


async def _viewer_zone(client: AsyncWebClient, user_id: str) -> str | None:
    """The zone the person set in Slack (users.info's `tz`), when Slack says in time."""
    try:
        answer = await asyncio.wait_for(client.users_info(user=user_id), LOOKUP_WITHIN)
    except (SlackApiError, TimeoutError) as error:
        log.info("no time zone for %s: %s", user_id, error)
        return None
    zone = str((answer.get("user") or {}).get("tz") or "")
    try:
        return check_zone(zone) if zone else None
    except ValueError:
        return None


# ----- the menus ---------------------------------------------------------------------------


async def zones(ack: AsyncAck, body: dict[str, Any], services: Services) -> None:
    viewer = read_metadata((body.get("view") or {}).get("private_metadata") or "")["tz"]
    await ack(**zone_options(str(body.get("value") or ""), viewer or services.settings.timezone))


async def topics(ack: AsyncAck, body: dict[str, Any], services: Services) -> None:
    names = _topic_names(services.corpus_for(team_of(body)))
    await ack(**topic_options(str(body.get("value") or ""), names))


# ----- saving ------------------------------------------------------------------------------


async def submit(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Services
) -> None:
    view = body.get("view") or {}
    meta = read_metadata(view.get("private_metadata") or "")
    values = (view.get("state") or {}).get("values") or {}
    team, user = team_of(body), str((body.get("user") or {}).get("id") or "")
    store, now = services.store, services.clock()

    current = None
    if meta["id"]:
        current = await asyncio.to_thread(book.find, store, meta["id"], team_id=team)
        if current is None:
            await ack(response_action="update", view=notice_view("That schedule is gone."))
            return
    parsed, errors = _read(values, services, team=team)
    channel = current.subscription.channel if current else parsed.get("channel")
    if not channel:
        errors.setdefault("channel", "Choose the channel for the quote of the day.")
    elif current is None and "channel" not in errors:
        problem = await _channel_problem(client, channel, user=user, typed_in=meta["ch"])
        if problem:
            errors["channel"] = problem
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    sub = Subscription(
        channel=channel, time=parsed["time"], timezone=parsed["zone"], days=parsed["days"],
        topics=parsed["topics"], team_id=team, max_length=parsed["max_length"],
    )  # fmt: skip
    if current is not None:
        change_of: Callable[..., book.Change] = partial(book.edit, store, current, sub, now=now)
    else:
        change_of = partial(book.add, store, sub, now=now, rng=services.rng)
    change, person = await ask_as_asker(services, client, team, user, change_of)
    # The error goes on the channel field in an add, the time field in an edit (no channel).
    where = "time" if current is not None else "channel"
    if not change.decision.allowed:
        reason = change.decision.reason
        if person.directory_incomplete:
            reason += " " + reinstall_line(person.missing_scopes)
        await ack(response_action="errors", errors={where: reason})
        return
    assert change.schedule is not None
    if change.already:
        await ack(
            response_action="errors",
            errors={where: f"That channel already has this schedule: `{change.schedule.id}`."},
        )
        return
    await ack()
    line = describe(change.schedule, now=now).rsplit(" · next ", 1)[0]
    if current is not None:
        text = f"Quote of the day changed in <#{channel}>: {line}."
    else:
        when = change.schedule.next_post(now=now)
        text = (
            f"Quote of the day set in <#{channel}>: {line}. First one {when:%a %d %b at %H:%M %Z}."
        )
    if meta["from"] == HOME:  # the tab the form came from shows the new schedule
        await publish(services, client, user_id=user, team_id=team)
    try:
        await client.chat_postMessage(channel=user, **notice(text))
    except SlackApiError as error:
        log.warning("could not confirm a schedule to %s: %s", user, error.response.get("error"))


def _read(
    values: dict[str, Any], services: Services, *, team: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's fields, checked as `/quote daily` checks its words; errors by block."""

    def field(block: str, action: str = VALUE) -> dict[str, Any]:
        return (values.get(block) or {}).get(action) or {}

    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {"channel": field("channel").get("selected_conversation")}
    try:
        parsed["time"] = parse_time(field("time").get("selected_time") or "")
    except ValueError:
        errors["time"] = "Choose a time."
    zone = str((field("zone", ZONE).get("selected_option") or {}).get("value") or "")
    try:
        parsed["zone"] = check_zone(zone) if zone else ""
        if not zone:
            errors["zone"] = "Choose a time zone."
    except ValueError as error:
        errors["zone"] = str(error)
    days = [str(o.get("value")) for o in field("days").get("selected_options") or []]
    repeat = str((field("repeat").get("selected_option") or {}).get("value") or TICKED)
    try:
        parsed["days"] = parse_days(days_from(days, repeat))
    except ValueError as error:  # not from Slack's own checkboxes
        errors["days"] = str(error)
    picked = field("topics") or field("topics", TOPICS)
    names = [str(o.get("value") or "") for o in picked.get("selected_options") or []]
    corpus = services.corpus_for(team)
    found = [corpus.find_topic(name) for name in names]
    if None in found:
        errors["topics"] = f"No topic “{names[found.index(None)][:100]}” any more."
    # Stored under the topic's own name, as `/quote daily` stores it.
    parsed["topics"] = tuple(dict.fromkeys(t for t in found if t))
    length = field("max_length").get("value")
    parsed["max_length"] = None
    if length not in (None, ""):
        try:
            parsed["max_length"] = check_max_length(length)
        except ValueError as error:
            errors["max_length"] = str(error).capitalize() + "."
    return parsed, errors


async def _channel_problem(
    client: AsyncWebClient, channel: str, *, user: str, typed_in: str
) -> str | None:
    """Why the quote of the day should not go to `channel`; None when it may, or Slack
    cannot say. The bot's problem first: a private channel it is not in reads to
    users.conversations as one the person is not in, and inviting the bot is the fix.

    The person must be in the channel (the form's picker offers every public one), unless
    it is where they typed `/quote daily`: they are in it, and a lookup is spared.
    """
    checks = [_bot_problem(client, channel)]
    if channel != typed_in:
        checks.append(_person_problem(client, channel, user=user))
    problems = await asyncio.gather(*checks)
    return next((problem for problem in problems if problem), None)


async def _bot_problem(client: AsyncWebClient, channel: str) -> str | None:
    """Why the quote could not be posted in `channel`; None when it can, or Slack cannot say.

    A private channel the bot is not in is hidden from it (`channel_not_found`). Without
    the read scopes (`missing_scope`), or when Slack is slow, the first post tells.
    """
    try:
        answer = await asyncio.wait_for(client.conversations_info(channel=channel), LOOKUP_WITHIN)
    except TimeoutError:
        return None
    except SlackApiError as error:
        code = error.response.get("error")
        if code == "channel_not_found":
            return NOT_IN_CHANNEL
        log.info("conversations.info %s answered %s: the first post will tell", channel, code)
        return None
    info = answer.get("channel") or {}
    if info.get("is_archived"):
        return "That channel is archived."
    if info.get("is_private") and not info.get("is_member"):
        return NOT_IN_CHANNEL
    return None


async def _person_problem(client: AsyncWebClient, channel: str, *, user: str) -> str | None:
    """A channel the person is not in; None when they are, or Slack cannot say (logged)."""
    member = await is_member(client, user_id=user, channel_id=channel, within=LOOKUP_WITHIN)
    return NOT_A_MEMBER if member is False else None


def _topic_names(corpus: Any) -> list[str]:
    """The collection's topics, the largest first: the form offers the first 100."""
    return [t.name for t in sorted(corpus.topics(), key=lambda t: (-t.count, t.name.casefold()))]
