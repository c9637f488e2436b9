"""Close matches among many names (topics, speakers), without comparing against each one.

`difflib.get_close_matches` compares the query with every name: fine for a few
hundred topics, 5 ms and more a query at ten thousand. For a typo (a cutoff of 0.8)
`NameIndex` first picks the names that share the most of the query's rarer character
trigrams, then lets difflib rank only those: the same answer for names made of words,
as topics and speakers are, though not for strings of a few letters where nearly
everything shares trigrams. Looser lists ("did you mean") ask difflib about all.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Iterable

CANDIDATES = 50  # names difflib looks at, the most trigrams in common first
TRIGRAM_CUTOFF = 0.8  # alike enough that the trigrams find the name
RAREST = 8  # of the query's trigrams, the ones shared by fewest names lead the way


def trigrams(text: str) -> set[str]:
    padded = f"  {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class NameIndex:
    """Names (already normalised keys) and the trigrams that lead to them.

    Names come and go with `add` and `discard`. Each has a number, given once in the
    order names arrive; among names sharing as many trigrams, the earlier ones are the
    candidates difflib sees first.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._numbers: dict[str, int] = {}  # name -> its number, in the order added
        self._names: list[str | None] = []  # number -> name (None once discarded)
        self._by_trigram: dict[str, list[int]] = {}  # trigram -> numbers, ascending
        for name in names:
            self.add(name)

    @property
    def names(self) -> list[str]:
        return list(self._numbers)

    def __contains__(self, name: object) -> bool:
        return name in self._numbers

    def __len__(self) -> int:
        return len(self._numbers)

    def add(self, name: str) -> None:
        """Index `name` (nothing happens if it is there already)."""
        if name in self._numbers:
            return
        number = self._numbers[name] = len(self._names)
        self._names.append(name)
        for gram in trigrams(name):
            self._by_trigram.setdefault(gram, []).append(number)  # the highest number yet

    def discard(self, name: str) -> None:
        """Forget `name` (nothing happens if it is not there)."""
        number = self._numbers.pop(name, None)
        if number is None:
            return
        self._names[number] = None
        for gram in trigrams(name):
            numbers = self._by_trigram[gram]
            del numbers[bisect.bisect_left(numbers, number)]
            if not numbers:
                del self._by_trigram[gram]

    def close(self, query: str, *, n: int, cutoff: float) -> list[str]:
        """Like `difflib.get_close_matches(query, names, n, cutoff)`, best first.

        Below a cutoff of 0.8 (a "did you mean" list, asked only when nothing matched)
        a name may share few trigrams with the query, so difflib sees every name.
        """
        if cutoff < TRIGRAM_CUTOFF:
            return difflib.get_close_matches(query, self._numbers, n=n, cutoff=cutoff)
        shared: Counter[int] = Counter()
        # A name alike enough shares most of the query's trigrams, so the rarest few
        # find it; the common ones (" th", "ing") would only add thousands to count.
        postings = [self._by_trigram[gram] for gram in trigrams(query) if gram in self._by_trigram]
        for numbers in sorted(postings, key=len)[:RAREST]:
            shared.update(numbers)
        candidates = [
            name
            for number, _ in shared.most_common(CANDIDATES)
            if (name := self._names[number]) is not None  # always: postings hold live names
        ]
        return difflib.get_close_matches(query, candidates, n=n, cutoff=cutoff)
