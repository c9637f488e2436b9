"""The quotes people love: those the most different people reacted to, this month and ever.

"This month" starts at midnight on the 1st in the workspace's zone (the settings'
`timezone`), the same for everyone who looks. Quotes no longer in the collection are
left out, so a list is never short because a quote was removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.corpus import Corpus, Quote
from bot.store import Store


@dataclass(frozen=True, slots=True)
class Loved:
    """A quote and how many people reacted to it."""

    quote: Quote
    people: int


def month_start(now: datetime, zone: str) -> datetime:
    """Midnight on the 1st of `now`'s month in `zone`, as UTC."""
    local = now.astimezone(ZoneInfo(zone))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC)


def most_loved(
    store: Store, corpus: Corpus, key: str, *, since: datetime | None, limit: int
) -> list[Loved]:
    """The `limit` quotes of `corpus` most people reacted to since `since` (else ever)."""
    found = store.reactions.most_loved(key, since=since, limit=limit * 2)
    pairs = [(corpus.get(item.quote_id), item.people) for item in found]
    return [Loved(quote, people) for quote, people in pairs if quote is not None][:limit]
