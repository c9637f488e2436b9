"""Run the daily posts on time: APScheduler calls the runner at the top of every minute.

Subscription times are whole minutes, so one job that runs at second 0 of every
minute posts each quote on time, picks up subscriptions added in Slack (or by
another instance) without rescheduling anything, and catches up after a restart.
Which days and hours are due is decided by our own code from day names, never by
cron day numbers (APScheduler counts Monday as 0, crontab Sunday).

Several processes may run this by mistake: each post is still sent once, because
the database claim, not the scheduler, decides who sends it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.daily.runner import DailyRunner
from bot.daily.schedule import due_dates, post_time
from bot.daily.schedules import schedules
from bot.metrics import record_daily_run

log = logging.getLogger(__name__)

JOB_ID = "quotebot-daily"


class DailyScheduler:
    def __init__(
        self,
        runner: DailyRunner,
        *,
        clock: Callable[[], datetime],
        grace: timedelta,
        follow_up: timedelta,
        keep_history: timedelta = timedelta(days=60),
    ) -> None:
        self.runner = runner
        self._clock = clock
        self._grace = grace
        # When a run left posts behind (claimed by a process that may have died, or
        # to retry), look again once their lease has run out, not a minute later.
        self._follow_up = follow_up
        self._keep_history = keep_history
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = False

    async def start(self) -> None:
        """Catch up on what was missed while down, then post every minute."""
        await asyncio.to_thread(self._log_missed)
        self._scheduler.add_job(
            self._tick,
            CronTrigger(second=0, timezone=UTC),
            id=JOB_ID,
            replace_existing=True,
            # A tick late by a few seconds (a busy loop) still runs; folded into one.
            misfire_grace_time=50,
            coalesce=True,
            # A tick stuck on one channel's retries must not hold back the next minute.
            max_instances=3,
        )
        # Old claims are pruned hourly, so the per-minute lookups never grow with history
        # (the walk is kept apart from them: pruning never resets it).
        self._scheduler.add_job(
            self._prune, "interval", hours=1, id=f"{JOB_ID}-prune", replace_existing=True,
            next_run_time=self._clock(), misfire_grace_time=None, coalesce=True,
        )  # fmt: skip
        self._scheduler.start()
        self._spawn()  # the catch-up run, right now
        log.info("quote of the day scheduler started (catch-up window %s)", self._grace)

    async def stop(self) -> None:
        """Take no new work; wait for posts in flight (the caller bounds the wait)."""
        self._stopping = True
        self.runner.stop()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        await self.runner.sender.settle(2)  # joins under way in the background

    async def _tick(self) -> None:
        if not self._stopping:
            await self._run()

    def _spawn(self) -> None:
        task = asyncio.create_task(self._run())
        self._running.add(task)  # a strong reference, and something for stop() to await

    async def _run(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)  # ticks started by APScheduler are awaited on stop too
        try:
            report = await self.runner.run_due(now=self._clock(), grace=self._grace)
            record_daily_run(report)
            log.debug(
                "quote of the day run finished: %d sent, %d failed, %d to retry, %d unverified, "
                "%d skipped", len(report.sent), len(report.failed), len(report.retry_later),
                len(report.unverified), report.skipped,
            )  # fmt: skip
            follow_up = f"{JOB_ID}-follow-up"
            if (
                (report.skipped or report.retry_later)
                and not self._stopping
                and self._scheduler.get_job(follow_up) is None  # never pushed back
            ):
                self._scheduler.add_job(
                    self._tick,
                    "date",
                    run_date=self._clock() + self._follow_up,
                    id=follow_up,
                    misfire_grace_time=None,  # late is fine: it only looks again
                )
        except Exception:
            log.exception("quote of the day run failed; the next minute tries again")
        finally:
            if task is not None:
                self._running.discard(task)

    async def _prune(self) -> None:
        before = (self._clock() - self._keep_history).date()
        try:
            gone = await asyncio.to_thread(self.runner.store.claims.prune, before=before)
        except Exception:
            log.exception("pruning old quote-of-the-day records failed; next hour tries again")
            return
        if gone:
            log.info("pruned %d quote-of-the-day records from before %s", gone, before)

    def _log_missed(self) -> None:
        """Say which posts were missed by more than the catch-up window (and are skipped)."""
        now = self._clock()
        for stored in schedules(self.runner.store):
            sub = stored.subscription
            week = due_dates(sub, now=now, grace=timedelta(days=7))
            born = stored.starts_at or stored.created_at or now
            missed = [d for d in week if born <= post_time(sub, d) < now - self._grace]
            done = self.runner.store.claims.finished((sub.id, d) for d in missed)
            for day in missed:
                if (sub.id, day) not in done and day == max(missed):
                    log.warning(
                        "skipped the quote of the day in %s for %s: its time (%s) passed "
                        "more than %s ago, while quotebot was down",
                        sub.channel, day, post_time(sub, day).isoformat(), self._grace,
                    )  # fmt: skip
