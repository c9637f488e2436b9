"""Post every quote of the day that is due and not yet posted: the one code path.

The scheduler calls `run_due` every minute; `quotebot daily run` calls it once. For
each due (subscription, local date) it picks the next quote of the no-repeat walk,
claims the post in the database, sends it, and records the outcome. Subscriptions
are posted concurrently; one channel's trouble only ever costs that channel time.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.corpus import Corpus, Quote
from bot.daily.post import Delivery, Poster
from bot.daily.schedule import Subscription, due_dates, local_date, post_time, weekdays
from bot.daily.walk import next_quote
from bot.render import quote_message
from bot.store import Claim, Store, StoredSubscription

log = logging.getLogger(__name__)

HEADER = "Quote of the day"


@dataclass
class RunReport:
    """What one run did, for logs and for `quotebot daily run`'s exit code."""

    sent: list[str] = field(default_factory=list)  # claim ids
    failed: list[str] = field(default_factory=list)  # "claim id: reason", not retried today
    retry_later: list[str] = field(default_factory=list)
    skipped: int = 0  # already claimed elsewhere

    def add(self, claim: Claim, delivery: Delivery) -> None:
        if delivery.status == "sent":
            self.sent.append(claim.id)
        elif delivery.status == "retry_later":
            self.retry_later.append(f"{claim.id}: {delivery.error}")
        elif delivery.status == "lost":
            self.skipped += 1
        else:
            self.failed.append(f"{claim.id}: {delivery.error}")


def daily_message(quote: Quote) -> dict[str, Any]:
    """The channel post: the usual quote layout, headed, with a private "another" button."""
    return quote_message(quote, header=HEADER, daily_button=True)


class DailyRunner:
    """Finds due posts and sends them; one per process, shared by scheduler and CLI."""

    def __init__(
        self,
        *,
        store: Store,
        corpus: Corpus,
        client_for: Callable[[str], AsyncWebClient | Awaitable[AsyncWebClient | None] | None],
        owner: str,
        lease: timedelta,
        forget: Callable[[str], Awaitable[None]] | None = None,
        poster_options: dict[str, Any] | None = None,
    ) -> None:
        self.store = store
        self.corpus = corpus
        # team id -> a client with that workspace's token (looked up in the
        # installation store in OAuth mode, so it may be a coroutine).
        self._client_for = client_for
        self._forget = forget  # delete a workspace's tokens once Slack refuses them
        self._owner = owner
        self._lease = lease
        self._poster_options = poster_options or {}
        self._posters: dict[str, Poster] = {}
        self._unauthorized: set[tuple[str, str]] = set()  # (team, token) Slack refused
        self._in_flight: set[tuple[str, date]] = set()  # posts an earlier run is still sending
        self._stopping = False

    def stop(self) -> None:
        """Claim nothing more; posts already claimed are finished."""
        self._stopping = True

    def due(
        self, subs: Iterable[StoredSubscription], *, now: datetime, grace: timedelta | None,
        day: date | None = None,
    ) -> list[tuple[Subscription, date]]:  # fmt: skip
        """(subscription, local date) pairs due at `now` and not yet sent or failed.

        With a `grace` window (the scheduler): every date whose post time passed within
        it. Without one (`quotebot daily run`): `day`, or each subscription's local
        today, however long ago its time passed.
        """
        pairs = []
        for stored in subs:
            sub = stored.subscription
            if grace is not None:
                pairs += [
                    (sub, d)
                    for d in due_dates(sub, now=now, grace=grace)
                    if not _before_subscribed(stored, post_time(sub, d))
                ]
                continue
            wanted = day or local_date(sub, now)
            if wanted.weekday() in weekdays(sub.days) and post_time(sub, wanted) <= now:
                pairs.append((sub, wanted))
        done = self.store.finished((sub.key, d) for sub, d in pairs)
        return [(sub, d) for sub, d in pairs if (sub.key, d) not in done]

    async def run_due(
        self, *, now: datetime, grace: timedelta | None = None, day: date | None = None
    ) -> RunReport:
        """Post everything due now (see `due`), concurrently; returns what happened."""
        subs = await asyncio.to_thread(self.store.subscriptions)
        pending = await asyncio.to_thread(self.due, subs, now=now, grace=grace, day=day)
        report = RunReport()
        if pending:
            log.info("quote of the day: %d posts due", len(pending))
        await asyncio.gather(*(self._post(sub, d, now, report) for sub, d in pending))
        return report

    async def _post(self, sub: Subscription, day: date, now: datetime, report: RunReport) -> None:
        # A run that outlasts the lease (a long fan-out) must not have the next tick
        # take over, and send again, the posts it is still sending.
        if (sub.key, day) in self._in_flight:
            report.skipped += 1
            return
        self._in_flight.add((sub.key, day))
        try:
            await self._post_one(sub, day, now, report)
        except Exception:  # one channel's bug must not stop the others
            log.exception("quote of the day for %s on %s failed", sub.channel, day)
            report.failed.append(f"{sub.key}:{day}: unexpected error")
        finally:
            self._in_flight.discard((sub.key, day))

    async def _post_one(
        self, sub: Subscription, day: date, now: datetime, report: RunReport
    ) -> None:
        if self._stopping:
            return
        client = self._client_for(sub.team_id)
        if inspect.isawaitable(client):
            client = await client
        if client is None:
            log.warning("no token for workspace %r: skipping %s", sub.team_id, sub.channel)
            return
        refused = (sub.team_id, client.token or "")  # a reinstall brings a new token
        if refused in self._unauthorized:
            return
        claim = await asyncio.to_thread(self._claim, sub, day, now)
        if claim is None:
            report.skipped += 1
            return
        quote = self.corpus.get(claim.quote_id)
        if quote is None:
            await asyncio.to_thread(
                self.store.mark_failed, claim, error=f"no quotes on {sub.topics}", now=now
            )
            log.warning("no quotes for %s (topics %s): nothing posted", sub.channel, sub.topics)
            report.failed.append(f"{claim.id}: no eligible quotes")
            return
        poster_key = (sub.team_id, client.token or "")  # a reinstall brings a new token
        poster = self._posters.get(poster_key)
        if poster is None:
            poster = self._posters[poster_key] = Poster(client, **self._poster_options)
        oldest = (post_time(sub, day) - timedelta(hours=1)).timestamp()
        started = renewed = time.monotonic()

        async def still_ours() -> bool:
            # Nobody can take the claim over before its lease ends, so the database is
            # asked only once half the lease has gone (a long fan-out, long 429 pauses):
            # a renewal per post would queue every send behind every claim.
            nonlocal renewed
            if time.monotonic() - renewed < self._lease.total_seconds() / 2:
                return True
            renewed = time.monotonic()
            later = now + timedelta(seconds=renewed - started)
            return await asyncio.to_thread(
                self.store.renew, claim, owner=self._owner, now=later, lease=self._lease
            )

        delivery = await poster.deliver(
            sub.channel,
            daily_message(quote),
            claim_id=claim.id,
            oldest=min(oldest, now.timestamp() - 3600),
            check_first=claim.taken_over,
            still_ours=still_ours,
        )
        await asyncio.to_thread(self._record, sub, claim, delivery, now)
        report.add(claim, delivery)
        if delivery.status == "unauthorized" and refused not in self._unauthorized:
            # Here on the event loop, not in _record's worker thread: said once, for sure.
            self._unauthorized.add(refused)
            log.critical(
                "Slack refused the bot token (%s) for workspace %r: quote of the day is "
                "stopped there until the app is reinstalled (or SLACK_BOT_TOKEN fixed and "
                "quotebot restarted)",
                delivery.error,
                sub.team_id or "(single workspace)",
            )
        if delivery.status == "unauthorized" and self._forget is not None:
            await self._forget(sub.team_id)

    def _claim(self, sub: Subscription, day: date, now: datetime) -> Claim | None:
        """Choose the walk's next quote and claim the post; None if someone else has it."""
        if self.store.taken(subscription_key=sub.key, local_date=day, now=now):
            return None  # skip the walk: it hashes every eligible quote
        quote_id, cycle = choose_quote(self.store, self.corpus, sub)
        return self.store.claim(
            subscription_key=sub.key,
            local_date=day,
            quote_id=quote_id,
            cycle=cycle,
            owner=self._owner,
            now=now,
            lease=self._lease,
        )

    def _record(self, sub: Subscription, claim: Claim, delivery: Delivery, now: datetime) -> None:
        where = f"quote of the day in {sub.channel} ({sub.describe()}) for {claim.local_date}"
        if delivery.status == "sent":
            self.store.mark_sent(claim, ts=delivery.ts or "", now=now)
            log.info("posted %s: ts %s", where, delivery.ts)
        elif delivery.status == "lost":
            log.info("%s: another process took it over after our lease ran out", where)
        elif delivery.status == "retry_later":
            self.store.release(claim)
            log.warning("%s not posted yet, will retry: %s", where, delivery.error)
        elif delivery.status == "unauthorized":
            self.store.release(claim)
        elif delivery.status == "disabled":
            self.store.mark_failed(claim, error=delivery.error or "", now=now)
            reason = (
                f"Slack said {delivery.error}: the channel is archived or deleted, or is "
                "private and the bot was never invited (/invite @quotebot, then /quote daily)"
            )
            self.store.disable(sub.key, reason)
            log.error("%s: %s; subscription disabled", where, reason)
        else:
            self.store.mark_failed(claim, error=delivery.error or "", now=now)
            hint = ""
            if delivery.error == "private_channel_not_invited":
                hint = " (a private channel: invite the bot with /invite @quotebot)"
            log.error("%s failed: %s%s", where, delivery.error, hint)


def _before_subscribed(stored: StoredSubscription, instant: datetime) -> bool:
    """A post time before a subscription made in Slack existed: it was never promised.

    (`/quote daily` answers with the next post time; a post at the next minute for a
    time that passed before the command would contradict it.) Subscriptions from the
    settings file catch up from their first start, as the operator expects.
    """
    return (
        stored.origin == "slack" and stored.created_at is not None and instant < stored.created_at
    )


def choose_quote(store: Store, corpus: Corpus, sub: Subscription) -> tuple[str, int]:
    """The next quote of the subscription's no-repeat walk and its cycle ("" if none)."""
    cycle, used = store.walk(sub.key)
    eligible = [quote.id for quote in corpus.in_topics(sub.topics)]
    chosen = next_quote(eligible, used, seed=sub.key, cycle=cycle)
    return chosen if chosen else ("", cycle)
