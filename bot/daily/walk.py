"""The no-repeat walk: each subscription goes through its quotes in a shuffled order.

The order is a hash of (subscription, cycle, quote id), so it needs no stored state
beyond which quotes the current cycle has used. A quote added to the corpus slots
into the current cycle without resetting it; a removed one is simply never chosen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection


def _rank(seed: str, cycle: int, quote_id: str) -> bytes:
    return hashlib.sha256(f"{seed}\x1f{cycle}\x1f{quote_id}".encode()).digest()


def next_quote(
    eligible: Collection[str], used: Collection[str], *, seed: str, cycle: int
) -> tuple[str, int] | None:
    """The next quote id and the cycle it belongs to; None when nothing is eligible.

    When every eligible quote has been used in this cycle, a new cycle starts with a
    fresh shuffle.
    """
    remaining = [quote_id for quote_id in eligible if quote_id not in used]
    if not remaining:
        if not eligible:
            return None
        cycle, remaining = cycle + 1, list(eligible)
    return min(remaining, key=lambda quote_id: _rank(seed, cycle, quote_id)), cycle
