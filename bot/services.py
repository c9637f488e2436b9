"""What the listeners and the scheduler need, built once at start and passed in.

Listeners take their corpus, store, clock and random source from here rather than
from globals, so tests can build one with a fixed clock and a seeded random.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.corpus import Corpus
from bot.directory import Directory
from bot.settings import Settings
from bot.store import Store, utcnow


@dataclass
class Services:
    settings: Settings
    corpus: Corpus
    store: Store
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], datetime] = utcnow
    # Who people are in Slack (admins, user groups), cached briefly: for roles.
    directory: Directory = field(default_factory=Directory)
