"""Close matches among many names (topics, speakers), without comparing against each one.

`difflib.get_close_matches` compares the query with every name: fine for a few
hundred topics, 20 ms and more a query at ten thousand. `NameIndex` first picks the
names that share character trigrams with the query (a name at least 0.5 alike
shares some), then lets difflib rank only those.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable

CANDIDATES = 50  # names difflib looks at, the most trigrams in common first
RAREST = 8  # of the query's trigrams, the ones shared by fewest names lead the way


def trigrams(text: str) -> set[str]:
    padded = f"  {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class NameIndex:
    """Names (already normalised keys) and the trigrams that lead to them."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(dict.fromkeys(names))
        self._by_trigram: dict[str, list[int]] = {}
        for number, name in enumerate(self.names):
            for gram in trigrams(name):
                self._by_trigram.setdefault(gram, []).append(number)

    def close(self, query: str, *, n: int, cutoff: float) -> list[str]:
        """Like `difflib.get_close_matches(query, names, n, cutoff)`, best first."""
        shared: Counter[int] = Counter()
        # A name alike enough shares most of the query's trigrams, so the rarest few
        # find it; the common ones (" th", "ing") would only add thousands to count.
        postings = [self._by_trigram[gram] for gram in trigrams(query) if gram in self._by_trigram]
        for names in sorted(postings, key=len)[:RAREST]:
            shared.update(names)
        candidates = [self.names[number] for number, _ in shared.most_common(CANDIDATES)]
        return difflib.get_close_matches(query, candidates, n=n, cutoff=cutoff)
