"""`/quote daily …`: add, list, edit, stop or resume the current channel's schedules.

Thin: parse the words, find out who is asking (`bot.directory`), let the domain
(`bot.daily.schedules`, with `bot.roles`) decide, render the answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.daily import schedules as book
from bot.daily.schedule import Subscription, parse_request
from bot.ids import normalize
from bot.mrkdwn import escape
from bot.render_schedules import describe, notice, schedule_list_message
from bot.roles import CAPPED, Person, reinstall_line
from bot.services import Services

OFF_WORDS = frozenset({"off", "stop", "cancel", "unsubscribe", "remove"})
ON_WORDS = frozenset({"on", "resume", "start"})


async def handle(
    services: Services, command: dict[str, Any], text: str, client: AsyncWebClient
) -> dict[str, Any]:
    """The reply to a `/quote daily` command, as keyword arguments for `ack()`."""
    channel, team = command["channel_id"], command.get("team_id") or ""
    user = command.get("user_id") or ""
    store, now = services.store, services.clock()
    first, _, rest = text.strip().partition(" ")
    verb, rest = first.lower(), rest.strip()

    async def as_asker(change: Callable[..., book.Change]) -> tuple[book.Change, Person]:
        return await ask_as_asker(services, client, team, user, change)

    if not first:
        subs = await asyncio.to_thread(
            book.schedules, store, team_id=team, channel=channel, enabled_only=False
        )
        # A DM has no schedules of its own to add to: the button only in channels.
        here = None if channel.startswith("D") else channel
        return schedule_list_message(
            subs, now=now, command=command.get("command", "/quote"), channel=here
        )

    reason = f"turned off in Slack by {user or 'someone'}"
    if verb in OFF_WORDS and not rest:
        change, person = await as_asker(
            partial(book.stop_channel, store, team_id=team, channel=channel, reason=reason)
        )
        if not change.decision.allowed:
            return _refused(change.decision.reason, person)
        if not change.count:
            return notice("This channel had no schedule.")
        return _public("No more quotes of the day here.")

    if verb in OFF_WORDS | ON_WORDS | {"edit", "change"}:
        schedule_id, _, spec = rest.partition(" ")
        current = await asyncio.to_thread(book.find, store, normalize(schedule_id), team_id=team)
        if current is None or current.subscription.channel != channel:
            return notice(
                f"No schedule `{escape(normalize(schedule_id))}` in this channel: "
                "`/quote daily` lists them with their IDs."
            )
        if verb in OFF_WORDS:
            change, person = await as_asker(partial(book.stop, store, current, reason=reason))
        elif verb in ON_WORDS:
            change, person = await as_asker(partial(book.resume, store, current, now=now))
        else:
            parsed = _parse(spec, services, channel=channel, team=team)
            if isinstance(parsed, dict):
                return parsed
            change, person = await as_asker(partial(book.edit, store, current, parsed, now=now))
        if not change.decision.allowed:
            return _refused(change.decision.reason, person)
        if change.already:
            return notice(f"This channel already has that schedule: {_describe(change, now)}.")
        if verb in OFF_WORDS:
            return _public(f"Stopped the quote of the day `{current.id}` here.")
        if verb in ON_WORDS:
            return _public(f"Quote of the day back on: {_describe(change, now)}.")
        return _public(f"Quote of the day changed: {_describe(change, now)}.")

    parsed = _parse(text, services, channel=channel, team=team)
    if isinstance(parsed, dict):
        return parsed
    change, person = await as_asker(partial(book.add, store, parsed, now=now, rng=services.rng))
    if not change.decision.allowed:
        return _refused(change.decision.reason, person)
    if change.already:
        return notice(f"This channel already has that schedule: {_describe(change, now)}.")
    assert change.schedule is not None
    when = change.schedule.next_post(now=now)
    return _public(
        f"Quote of the day set: {_describe(change, now, with_next=False)}. "
        f"First one {when:%a %d %b at %H:%M %Z}."
    )


async def ask_as_asker(
    services: Services, client: AsyncWebClient, team: str, user: str,
    change: Callable[..., book.Change],
) -> tuple[book.Change, Person]:  # fmt: skip
    """Try a change as a person with no role, then, if refused, as who they are.

    Most changes need no role (anyone may add; a creator may change their own), so
    Slack is asked who someone is only when a rule depends on it: fewer calls before
    the 3-second ack. The form (`bot.listeners.schedule_form`) asks the same way.
    """
    policy = services.settings.policy
    nobody = Person(user)
    made = await asyncio.to_thread(change, person=nobody, policy=policy)
    if made.decision.allowed or made.decision is CAPPED:
        return made, nobody  # the cap holds for everyone: no need to ask who they are
    person = await services.directory.person(client, team_id=team, user_id=user, policy=policy)
    if person == nobody:
        return made, person
    return await asyncio.to_thread(change, person=person, policy=policy), person


def _parse(
    words: str, services: Services, *, channel: str, team: str
) -> Subscription | dict[str, Any]:
    """The schedule the words describe, with its topic under its real name; or the reply."""
    try:
        sub = parse_request(
            words, channel=channel, team_id=team, default_zone=services.settings.timezone
        )
    except ValueError as error:
        return notice(escape(str(error)))
    corpus = services.corpus_for(team)
    topics = [corpus.find_topic(name) for name in sub.topics]
    if None in topics:
        unknown = sub.topics[topics.index(None)]
        close = corpus.closest_topics(unknown)
        hint = f" Try {', '.join(f'`{escape(t)}`' for t in close)}." if close else ""
        shown = unknown if len(unknown) <= 200 else unknown[:199] + "…"
        return notice(
            f"No topic “{escape(shown)}”, so nothing was set.{hint} `/quote topics` lists them all."
        )
    # Stored under the topic's own name: `robots`, `Robotics` and `robtics` are one.
    return replace(sub, topics=tuple(t for t in topics if t))


def _describe(change: book.Change, now: Any, *, with_next: bool = True) -> str:
    assert change.schedule is not None
    line = describe(change.schedule, now=now)
    return line if with_next else line.rsplit(" · next ", 1)[0]


def _refused(reason: str, person: Person) -> dict[str, Any]:
    if person.directory_incomplete:
        reason += " " + reinstall_line(person.missing_scopes)
    return notice(reason)


def _public(text: str) -> dict[str, Any]:
    return {"response_type": "in_channel", **notice(text)}
