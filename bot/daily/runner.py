"""Post every quote of the day that is due and not yet posted: the one code path.

The scheduler calls `run_due` every minute; `quotebot daily run` calls it once. For
each due (schedule, local date) it picks the next quote of the no-repeat walk,
claims the post in the database, hands it to the `Sender` (the Slack edge), and
records the outcome. Schedules are posted concurrently; one channel's trouble only
ever costs that channel time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.corpus import Corpus, Quote
from bot.corpus.inline import plain
from bot.daily.delivery import Delivery, Post, Sender
from bot.daily.schedule import Subscription, due_dates, local_date, post_time, weekdays
from bot.daily.schedules import StoredSubscription, schedules
from bot.daily.walk import next_quote
from bot.render import quote_message
from bot.store import Claim, Store
from bot.store.claims import FINISHED

log = logging.getLogger(__name__)

HEADER = "Quote of the day"
Clock = Callable[[], datetime]
# A send whose outcome is unknown is taken over (and looked for) no sooner than this:
# well past the client's 15-second timeout, so a post still landing is there by then.
SETTLE = timedelta(seconds=60)


@dataclass
class RunReport:
    """What one run did, for logs, metrics and `quotebot daily run`'s exit code."""

    sent: list[str] = field(default_factory=list)  # claim ids
    failed: list[str] = field(default_factory=list)  # "claim id: reason", not retried today
    retry_later: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)  # outcome unknown: never re-sent
    skipped: int = 0  # already claimed elsewhere
    taken_over: int = 0  # claims finished for a process whose lease ran out

    def add(self, claim: Claim, delivery: Delivery) -> None:
        if claim.taken_over:
            self.taken_over += 1
        if delivery.status == "sent":
            self.sent.append(claim.id)
        elif delivery.status == "retry_later":
            self.retry_later.append(f"{claim.id}: {delivery.error}")
        elif delivery.status == "unverified":
            self.unverified.append(f"{claim.id}: {delivery.error}")
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
        self, *, store: Store, sender: Sender, owner: str, lease: timedelta,
        corpus: Corpus | None = None, corpus_for: Callable[[str], Corpus] | None = None,
    ) -> None:  # fmt: skip
        """`corpus_for(team_id)`: the collection a workspace sees (files and its quote book);
        or one `corpus` for every workspace."""
        if (corpus is None) == (corpus_for is None):
            raise ValueError("give the runner a corpus or corpus_for, not both")
        self.store = store
        self.corpus = corpus
        self.corpus_for: Callable[[str], Corpus] = corpus_for or (lambda _team: self._one())
        self.sender = sender
        self._owner = owner
        self._lease = lease
        self._in_flight: set[tuple[str, date]] = set()  # posts an earlier run is still sending
        self._stopping = False

    def _one(self) -> Corpus:
        assert self.corpus is not None
        return self.corpus

    def stop(self) -> None:
        """Claim nothing more; posts already claimed are finished."""
        self._stopping = True

    def due(
        self, subs: Iterable[StoredSubscription], *, now: datetime, grace: timedelta | None,
        day: date | None = None,
    ) -> list[tuple[Subscription, date]]:  # fmt: skip
        """(schedule, local date) pairs due at `now` and not yet sent or finished.

        With a `grace` window (the scheduler): every date whose post time passed within
        it. Without one (`quotebot daily run`): `day`, or each schedule's local today,
        however long ago its time passed. Schedules that post the same thing in one
        channel (the settings file's and one made in Slack, say) post it once a day:
        the one already claimed that day, else the settings file's.
        """
        candidates: list[tuple[StoredSubscription, date]] = []
        for stored in subs:
            sub = stored.subscription
            if grace is not None:
                days = [
                    d for d in due_dates(sub, now=now, grace=grace)
                    if not _before_start(stored, post_time(sub, d))
                ]  # fmt: skip
            else:
                wanted = day or local_date(sub, now)
                on = wanted.weekday() in weekdays(sub.days) and post_time(sub, wanted) <= now
                days = [wanted] if on else []
            candidates += [(stored, d) for d in days]
        statuses = self.store.claims.statuses((s.id, d) for s, d in candidates)
        groups: dict[tuple[object, date], list[StoredSubscription]] = {}
        for stored, d in candidates:
            groups.setdefault((stored.subscription.posts_like, d), []).append(stored)
        due = []
        for (_, d), members in groups.items():
            if any(statuses.get((m.id, d)) in FINISHED for m in members):
                continue  # one of them has posted (or finished) that day
            claimed = [m for m in members if (m.id, d) in statuses]
            chosen = (claimed or sorted(members, key=lambda m: m.origin != "config"))[0]
            due.append((chosen.subscription, d))
        return due

    async def run_due(
        self, *, now: datetime, grace: timedelta | None = None, day: date | None = None
    ) -> RunReport:
        """Post everything due now (see `due`), concurrently; returns what happened."""
        subs = await asyncio.to_thread(schedules, self.store)
        pending = await asyncio.to_thread(self.due, subs, now=now, grace=grace, day=day)
        report = RunReport()
        if pending:
            log.info("quote of the day: %d posts due", len(pending))
        started = time.monotonic()

        def clock() -> datetime:
            # `now` moved on by the time this run has taken: a claim's lease counts from
            # the moment it is claimed, not from the start of a long fan-out.
            return now + timedelta(seconds=time.monotonic() - started)

        # One collection per workspace for the whole run, even if a reload swaps it.
        corpora = {team: self.corpus_for(team) for team in {sub.team_id for sub, _ in pending}}
        await asyncio.gather(
            *(self._post(sub, d, now, clock, report, corpora[sub.team_id]) for sub, d in pending)
        )
        return report

    async def _post(
        self, sub: Subscription, day: date, now: datetime, clock: Clock, report: RunReport,
        corpus: Corpus,
    ) -> None:  # fmt: skip
        # A run that outlasts the lease (a long fan-out) must not have the next tick
        # take over, and send again, the posts it is still sending.
        if (sub.id, day) in self._in_flight:
            report.skipped += 1
            return
        self._in_flight.add((sub.id, day))
        try:
            await self._post_one(sub, day, now, clock, report, corpus)
        except Exception:  # one channel's bug must not stop the others
            log.exception("quote of the day for %s on %s failed", sub.channel, day)
            report.failed.append(f"{sub.id}:{day}: unexpected error")
        finally:
            self._in_flight.discard((sub.id, day))

    async def _post_one(
        self, sub: Subscription, day: date, now: datetime, clock: Clock, report: RunReport,
        corpus: Corpus,
    ) -> None:  # fmt: skip
        if self._stopping or not await self.sender.ready(sub.team_id):
            return
        claim = await asyncio.to_thread(self._claim, sub, day, clock, corpus)
        if claim is None:
            report.skipped += 1
            return
        quote = corpus.get(claim.quote_id)
        if quote is None:
            await asyncio.to_thread(
                self.store.claims.mark_failed,
                claim,
                error=f"no quotes on {sub.topics}",
                now=clock(),
            )
            log.warning("no quotes for %s (topics %s): nothing posted", sub.channel, sub.topics)
            report.failed.append(f"{claim.id}: no eligible quotes")
            return
        scheduled = post_time(sub, day)
        renewed = time.monotonic()

        async def still_ours() -> bool:
            # Nobody can take the claim over before its lease ends, so the database is
            # asked only once a third of the lease has gone (a long fan-out, long 429
            # pauses): a renewal per post would queue every send behind every claim. A
            # third leaves two for the send itself (its timeout is 15 s, the lease ≥ 30 s).
            nonlocal renewed
            if time.monotonic() - renewed < self._lease.total_seconds() / 3:
                return True
            renewed = time.monotonic()
            return await asyncio.to_thread(
                self.store.claims.renew, claim, now=clock(), lease=self._lease
            )

        post = Post(
            team_id=sub.team_id,
            channel=sub.channel,
            message=daily_message(quote),
            claim_id=claim.id,
            oldest=min((scheduled - timedelta(hours=1)).timestamp(), now.timestamp() - 3600),
            # Look in the channel first where it may have gone out already: a claim taken
            # over from a sender that stopped, or a post whose time came before this
            # database was made (the one before may have sent it: an ephemeral disk).
            check_first=claim.taken_over or self.store.created_at > scheduled,
        )
        delivery = await self.sender.deliver(post, still_ours=still_ours)
        recorded = await asyncio.to_thread(self._record, sub, claim, delivery, clock())
        report.add(claim, delivery if recorded else Delivery("lost"))

    def _claim(self, sub: Subscription, day: date, clock: Clock, corpus: Corpus) -> Claim | None:
        """Choose the walk's next quote and claim the post; None if someone else has it."""
        if self.store.claims.taken(subscription_id=sub.id, local_date=day, now=clock()):
            return None  # skip the walk: it hashes every eligible quote
        quote_id, cycle = choose_quote(self.store, corpus, sub)
        return self.store.claims.claim(
            subscription_id=sub.id,
            local_date=day,
            quote_id=quote_id,
            cycle=cycle,
            owner=self._owner,
            now=clock,  # read once the claim's transaction has begun
            lease=self._lease,
        )

    def _record(self, sub: Subscription, claim: Claim, delivery: Delivery, now: datetime) -> bool:
        """Store the outcome; False when a sent post could not be recorded as ours."""
        claims = self.store.claims
        where = f"quote of the day in {sub.channel} ({sub.describe()}) for {claim.local_date}"
        if delivery.status == "sent":
            if not claims.mark_sent(claim, ts=delivery.ts or "", now=now):
                log.error(
                    "posted %s (ts %s) after another process took the claim over: it may "
                    "have been posted twice", where, delivery.ts,
                )  # fmt: skip
                return False
            log.info("posted %s: ts %s", where, delivery.ts)
        elif delivery.status == "lost":
            log.info("%s: another process took it over after our lease ran out", where)
        elif delivery.maybe_sent:
            # It may be in the channel: the next run takes the claim over and looks first.
            claims.expire(claim, now=now + SETTLE)
            log.warning("%s: not known whether it was posted (%s); the next run looks in "
                        "the channel first", where, delivery.error)  # fmt: skip
        elif delivery.status in ("retry_later", "unauthorized"):
            claims.release(claim)
            if delivery.status == "retry_later":
                log.warning("%s not posted yet, will retry: %s", where, delivery.error)
        elif delivery.status == "unverified":
            claims.mark_unverified(claim, error=delivery.error or "", now=now)
            log.warning(
                "%s: UNVERIFIED. Slack may or may not have posted it (%s) and the bot cannot "
                "read the channel to check, so it is not sent again (a possible miss rather "
                "than a double post). Add the bot to the channel (/invite @quotebot) so it "
                "can check next time.",
                where, delivery.error,
            )  # fmt: skip
        elif delivery.status == "disabled":
            claims.mark_failed(claim, error=delivery.error or "", now=now)
            reason = (
                f"Slack said {delivery.error}: the channel is archived or deleted, or is "
                "private and the bot was never invited (/invite @quotebot, then "
                f"/quote daily on {sub.id})"
            )
            self.store.schedules.update(sub.id, enabled=False, disabled_reason=reason)
            log.error("%s: %s; schedule %s disabled", where, reason, sub.id)
        else:
            claims.mark_failed(claim, error=delivery.error or "", now=now)
            hint = ""
            if delivery.error == "private_channel_not_invited":
                hint = " (a private channel: invite the bot with /invite @quotebot)"
            log.error("%s failed: %s%s", where, delivery.error, hint)
        return True


def _before_start(stored: StoredSubscription, instant: datetime) -> bool:
    """A post time before the schedule was made, resumed or edited in Slack: never promised.

    (`/quote daily` answers with the next post time; a post at the next minute for a
    time that passed before the command would contradict it.) Schedules from the
    settings file catch up from their first start, as the operator expects.
    """
    return stored.starts_at is not None and instant < stored.starts_at


def choose_quote(store: Store, corpus: Corpus, sub: Subscription) -> tuple[str, int]:
    """The next quote of the schedule's no-repeat walk and its cycle ("" if none)."""
    cycle, used = store.claims.walk(sub.id)
    used = canonical_ids(corpus, used)
    eligible = [
        quote.id
        for quote in corpus.in_topics(sub.topics)
        if sub.max_length is None or len(plain(quote.text)) <= sub.max_length
    ]
    chosen = next_quote(eligible, used, seed=sub.id, cycle=cycle)
    return chosen if chosen else ("", cycle)


def canonical_ids(corpus: Corpus, ids: Iterable[str]) -> set[str]:
    """Quote IDs as the corpus knows them now: walks stored before short IDs hold the
    12-character aliases, which stand for the same quotes."""
    found = set()
    for quote_id in ids:
        quote = corpus.get(quote_id) if len(quote_id) > 8 else None
        found.add(quote.id if quote is not None else quote_id)
    return found
