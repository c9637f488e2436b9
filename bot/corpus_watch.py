"""Keep the running bot's quotes in step with its folder: on SIGHUP, and every few seconds.

`quotebot serve` holds one `CorpusWatcher`. A refresh re-reads only the pages that
changed (`bot.corpus.folder`); when the collection changed, the new corpus replaces
the old one everywhere that reads it (`/quote`, mentions, the quote of the day),
without a restart. A broken page keeps its last good version (logged once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable

from bot.corpus import Corpus
from bot.corpus.folder import CorpusFolder

log = logging.getLogger(__name__)


class CorpusWatcher:
    def __init__(
        self, folder: CorpusFolder, *, on_change: Callable[[Corpus], None], interval: float
    ) -> None:
        self.folder = folder
        self._on_change = on_change
        self._interval = interval  # seconds between looks; 0: only on SIGHUP
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._wake.set)
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a late reload must not end the process
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def refresh(self, *, now_please: bool = False) -> bool:
        """Re-read what changed; True when the bot now shows a different collection."""
        started = time.monotonic()
        parsed_before = self.folder.parsed
        changed = await asyncio.to_thread(self.folder.refresh, now_please=now_please)
        if not changed:
            return False
        result = await asyncio.to_thread(self.folder.result)
        # In a thread: workspaces with quotes of their own rebuild on the new files.
        await asyncio.to_thread(self._on_change, result.corpus)
        log.info(
            "quotes reloaded: %d quotes, %d pages parsed again, in %.2f s",
            len(result.corpus), self.folder.parsed - parsed_before, time.monotonic() - started,
        )  # fmt: skip
        return True

    async def _watch(self) -> None:
        failing = False
        while True:
            timeout = self._interval or None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            asked = self._wake.is_set()  # SIGHUP: the operator has saved; read it all now
            self._wake.clear()
            try:
                await self.refresh(now_please=asked)
            except Exception as error:  # a bad moment on the disk must not stop the next look
                if not failing:  # said once, not at every look, until it works again
                    log.error("cannot read the quote folder (%s); the quotes shown stay as "
                              "they are until it can be read", error)  # fmt: skip
                failing = True
                continue
            if failing:
                log.info("the quote folder can be read again")
                failing = False
