"""A channel's quote-of-the-day schedules: add, edit, pause, resume, stop, list.

The one code path behind `/quote daily` (and, later, the schedule modal), with the
rules that make it safe to hand to a whole workspace: who may change what
(`bot.roles`), at most `CHANNEL_CAP` per channel, the same schedule never twice in a
channel, and a schedule made, resumed or edited in Slack starting at its next time,
as the reply promises. Pure but for the store, which is passed in.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.daily.schedule import Subscription, next_post
from bot.ids import random_id
from bot.roles import (
    ALLOWED,
    Decision,
    Person,
    Policy,
    may_add_in_channel,
    may_add_schedule,
    may_change_schedule,
)
from bot.store import ScheduleRow, Store


@dataclass(frozen=True, slots=True)
class StoredSubscription:
    """A schedule with what the store knows about it: where it came from, on or off."""

    subscription: Subscription
    origin: str  # "config" (the settings file) or "slack"
    enabled: bool
    disabled_reason: str | None
    created_by: str | None
    created_at: datetime | None = None  # UTC
    starts_at: datetime | None = None  # no post time before this is due (UTC)

    @property
    def id(self) -> str:
        return self.subscription.id

    def next_post(self, *, now: datetime) -> datetime:
        """The next post instant after `now`, in the schedule's zone: never before it starts."""
        after = now
        if self.starts_at is not None and self.starts_at > now:
            after = self.starts_at - timedelta(microseconds=1)  # a post at starts_at is due
        return next_post(self.subscription, now=after)


@dataclass(frozen=True, slots=True)
class Change:
    """What a change did, for the reply: the schedule, or why nothing changed."""

    decision: Decision
    schedule: StoredSubscription | None = None
    count: int = 0  # how many schedules a stop turned off
    already: bool = False  # the same schedule was already on: nothing added


def from_row(row: ScheduleRow) -> StoredSubscription:
    sub = Subscription(
        channel=row.channel, time=row.time, timezone=row.timezone, days=row.days,
        topics=row.topics, team_id=row.team_id, id=row.id, max_length=row.max_length,
    )  # fmt: skip
    return StoredSubscription(
        sub, row.origin, row.enabled, row.disabled_reason, row.created_by, row.created_at,
        row.starts_at,
    )  # fmt: skip


def to_row(
    sub: Subscription, *, origin: str, user: str | None, now: datetime,
    starts_at: datetime | None,
) -> ScheduleRow:  # fmt: skip
    return ScheduleRow(
        id=sub.id, team_id=sub.team_id, channel=sub.channel, time=sub.time,
        timezone=sub.timezone, days=sub.days, topics=sub.topics, origin=origin,
        created_by=user, enabled=True, disabled_reason=None, created_at=now,
        starts_at=starts_at, max_length=sub.max_length,
    )  # fmt: skip


def sync_config(store: Store, configured: Iterable[Subscription], *, now: datetime) -> None:
    """The settings file's schedules, under the IDs they derive (they catch up after a start)."""
    rows = [to_row(sub, origin="config", user=None, now=now, starts_at=None) for sub in configured]
    store.schedules.sync_config(rows)


def schedules(
    store: Store, *, team_id: str | None = None, channel: str | None = None,
    enabled_only: bool = True,
) -> list[StoredSubscription]:  # fmt: skip
    rows = store.schedules.list(team_id=team_id, channel=channel, enabled_only=enabled_only)
    return [from_row(row) for row in rows]


def find(store: Store, schedule_id: str, *, team_id: str) -> StoredSubscription | None:
    """A schedule by ID, only within the asker's workspace (or the settings file's)."""
    row = store.schedules.get(schedule_id)
    if row is None or row.team_id not in (team_id, ""):
        return None
    return from_row(row)


def add(
    store: Store, sub: Subscription, *, person: Person, policy: Policy, now: datetime,
    rng: random.Random,
) -> Change:  # fmt: skip
    """Add a schedule made in Slack; an identical one is not added twice, a stopped one resumes."""
    allowed = may_add_schedule(person, policy)
    if not allowed.allowed:
        return Change(allowed)
    same = _same_schedule(store, sub)
    if same is not None and same.enabled:
        return Change(ALLOWED, same, already=True)
    if same is not None:
        return resume(store, same, person=person, policy=policy, now=now)
    capped = may_add_in_channel(store.schedules.count(team_id=sub.team_id, channel=sub.channel))
    if not capped.allowed:
        return Change(capped)
    while True:  # a random short ID; the store refuses one already taken
        fresh = replace(sub, id=random_id(rng))
        row = to_row(fresh, origin="slack", user=person.user_id, now=now, starts_at=now)
        if store.schedules.add(row):
            return Change(ALLOWED, from_row(row))


def edit(
    store: Store, current: StoredSubscription, new: Subscription, *, person: Person,
    policy: Policy, now: datetime, creator_name: str | None = None,
) -> Change:  # fmt: skip
    """Change a schedule's time, zone, days, topics or length; its ID, walk and claims stay.

    Today's post is claimed under (ID, date), so a schedule edited after it posted
    today does not post again today; one edited to a time already past starts at its
    next time. A new zone counts "today" from the last post: a schedule that posted at
    09:00 in Los Angeles and moves to Tokyo, where that post was already tomorrow,
    next posts the day after (`_edited_start`).
    """
    allowed = _may_change(current, person, policy, creator_name)
    if not allowed.allowed:
        return Change(allowed)
    same = _same_schedule(store, replace(new, channel=current.subscription.channel))
    if same is not None and same.id != current.id:
        return Change(ALLOWED, same, already=True)
    starts = _edited_start(store, current.id, new.timezone, now=now)
    store.schedules.update(
        current.id, time=new.time, timezone=new.timezone, days=new.days,
        topics=new.topics, starts_at=starts, max_length=new.max_length,
    )  # fmt: skip
    changed = replace(new, id=current.id, channel=current.subscription.channel,
                      team_id=current.subscription.team_id)  # fmt: skip
    return Change(ALLOWED, replace(current, subscription=changed, starts_at=starts))


def _edited_start(store: Store, schedule_id: str, zone: str, *, now: datetime) -> datetime:
    """When an edited schedule may next post: now, but never on the day (in its new zone)
    of its last post, so that no edit makes a second post in one day."""
    last = store.claims.last_post(schedule_id)
    if last is None:
        return now
    local = last.astimezone(ZoneInfo(zone))
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), local.tzinfo)
    return max(now, midnight.astimezone(ZoneInfo("UTC")))


def pause(
    store: Store, current: StoredSubscription, *, person: Person, policy: Policy, reason: str,
    creator_name: str | None = None,
) -> Change:  # fmt: skip
    """Switch a schedule off, keeping it (the settings file's stay off after a restart)."""
    allowed = _may_change(current, person, policy, creator_name)
    if not allowed.allowed:
        return Change(allowed)
    store.schedules.update(current.id, enabled=False, disabled_reason=reason)
    return Change(ALLOWED, replace(current, enabled=False, disabled_reason=reason), count=1)


def resume(
    store: Store, current: StoredSubscription, *, person: Person, policy: Policy,
    now: datetime, creator_name: str | None = None,
) -> Change:  # fmt: skip
    """Switch a schedule back on, from its next post time (no catching up on the pause).

    A start still to come (an edit's, after a post that day) stays: resuming never makes
    a second post in one day either.
    """
    allowed = _may_change(current, person, policy, creator_name)
    if not allowed.allowed:
        return Change(allowed)
    starts = max(now, current.starts_at) if current.starts_at else now
    store.schedules.update(current.id, enabled=True, disabled_reason=None, starts_at=starts)
    resumed = replace(current, enabled=True, disabled_reason=None, starts_at=starts)
    return Change(ALLOWED, resumed)


def stop(
    store: Store, current: StoredSubscription, *, person: Person, policy: Policy, reason: str,
    creator_name: str | None = None,
) -> Change:  # fmt: skip
    """Stop one schedule: one made in Slack is removed, the settings file's is switched off."""
    if current.origin == "config":
        return pause(store, current, person=person, policy=policy, reason=reason,
                     creator_name=creator_name)  # fmt: skip
    allowed = _may_change(current, person, policy, creator_name)
    if not allowed.allowed:
        return Change(allowed)
    store.schedules.delete(current.id)
    return Change(ALLOWED, current, count=1)


def stop_channel(
    store: Store, *, team_id: str, channel: str, person: Person, policy: Policy, reason: str
) -> Change:
    """Stop every schedule of a channel the person may stop; refused if any is not theirs.

    All or nothing: half a channel stopped is a surprise either way, so the first
    schedule the person may not change refuses the whole request, saying why.
    """
    active = [s for s in schedules(store, team_id=team_id, channel=channel) if s.enabled]
    for current in active:
        allowed = _may_change(current, person, policy, None)
        if not allowed.allowed:
            return Change(allowed)
    for current in active:
        stop(store, current, person=person, policy=policy, reason=reason)
    return Change(ALLOWED, count=len(active))


def _may_change(
    current: StoredSubscription, person: Person, policy: Policy, creator_name: str | None
) -> Decision:
    return may_change_schedule(
        person, origin=current.origin, created_by=current.created_by, policy=policy,
        creator_name=creator_name,
    )  # fmt: skip


def _same_schedule(store: Store, sub: Subscription) -> StoredSubscription | None:
    """The channel's schedule posting exactly this (any origin, on or off), if there is one."""
    for existing in schedules(store, team_id=sub.team_id, channel=sub.channel, enabled_only=False):
        if existing.subscription.posts_like == sub.posts_like:
            return existing
    return None
