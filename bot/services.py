"""What the listeners and the scheduler need, built once at start and passed in.

Listeners take their collection, store, clock and random source from here rather
than from globals, so tests can build one with a fixed clock and a seeded random.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.book.library import Library
from bot.corpus import Corpus
from bot.directory import Directory
from bot.settings import Settings
from bot.store import Store, utcnow


@dataclass
class Services:
    settings: Settings
    store: Store
    # The quote files plus each workspace's quote book: `corpus_for(team_id)`.
    library: Library
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], datetime] = utcnow
    # Who people are in Slack (admins, user groups), cached briefly: for roles.
    directory: Directory = field(default_factory=Directory)

    def corpus_for(self, team_id: str | None) -> Corpus:
        """The collection shown in this workspace: the files and its own quote book."""
        return self.library.corpus(team_id)

    def book_key(self, team_id: str | None) -> str:
        """The key of this workspace's quote book in the store."""
        return self.library.key(team_id)

    async def book_changed(self) -> None:
        """Show a change just made here at once, not at the next look at the feed."""
        await asyncio.to_thread(self.library.catch_up, self.store)
