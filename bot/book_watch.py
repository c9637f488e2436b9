"""Keep this instance's quote book in step with the database, whoever changed it.

Every `interval` seconds (1 by default) one indexed query asks the store for changes
numbered above the last one applied (`Library.catch_up`): nothing to read most of the
time, and a quote saved through another instance sharing the database is shown here
within about a second. Why polling rather than PostgreSQL's LISTEN/NOTIFY: it works
the same on SQLite (a web and a worker process on one file), needs no connection held
open per instance, and a dropped connection can never lose a notification: the feed is
read from where this instance left off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.book.library import Library
from bot.store import Store

log = logging.getLogger(__name__)


class BookWatcher:
    def __init__(self, store: Store, library: Library, *, interval: float) -> None:
        self.store = store
        self.library = library
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.catch_up()  # everything saved so far, before the first request
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def catch_up(self) -> bool:
        """Apply what changed since the last look; also called right after a change here."""
        return await asyncio.to_thread(self.library.catch_up, self.store)

    async def _watch(self) -> None:
        failing = False
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.catch_up()
            except Exception as error:  # a database hiccup must not stop the next look
                if not failing:
                    log.error("cannot read the quote book's changes (%s); retrying", error)
                failing = True
                continue
            if failing:
                log.info("the quote book's changes can be read again")
                failing = False
