"""The in-memory corpus: every quote, its topics, and lookups by topic and by words."""

from __future__ import annotations

import bisect
import functools
import itertools
import random
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.corpus.model import Quote, Topic
from bot.corpus.names import NameIndex
from bot.corpus.search import SearchIndex

# A bare `quote` tag marks a page as a quote page; it says nothing about the topic.
_NOT_TOPICS = frozenset({"quote", "quotes"})
_NON_WORD = re.compile(r"[\W_]+")
# How alike a query and a topic name must be to count as a typo of it (difflib ratio).
_TYPO_CUTOFF = 0.8


@functools.lru_cache(maxsize=4096)  # a corpus has a few hundred names, each seen many times
def topic_key(name: str) -> str:
    """Normalise a topic name so that case, punctuation and plurals do not matter."""
    return " ".join(_singular(word) for word in _NON_WORD.sub(" ", name.casefold()).split())


@functools.lru_cache(maxsize=4096)
def speaker_key(name: str) -> str:
    """A name as compared: case, accents and punctuation do not matter."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return " ".join(_NON_WORD.sub(" ", plain).split())


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class Lookup:
    """The answer to a lookup: ranked quotes, and how they were found."""

    query: str
    quotes: tuple[Quote, ...]
    topic: str | None = None  # the topic the query named, if it named one
    kind: Literal["topic", "words", "none"] = "none"

    def __bool__(self) -> bool:
        return bool(self.quotes)


class Corpus:
    """An immutable collection of quotes, searchable by topic and by words."""

    def __init__(self, quotes: Sequence[Quote]) -> None:
        self._quotes = tuple(quotes)
        self._by_id = {quote.id: quote for quote in self._quotes}
        self._topics: dict[str, list[int]] = {}  # topic key -> quote positions
        self._topic_names: dict[str, str] = {}  # topic key -> name as first written
        for position, quote in enumerate(self._quotes):
            names = [quote.topic] if quote.topic else []
            names += [tag for tag in quote.tags if tag.casefold() not in _NOT_TOPICS]
            for name in names:
                key = topic_key(name)
                if not key:
                    continue
                self._topic_names.setdefault(key, name)
                positions = self._topics.setdefault(key, [])
                if not positions or positions[-1] != position:
                    positions.append(position)
        self._index = SearchIndex(self._quotes)
        self._sorted_topics: tuple[Topic, ...] | None = None
        self._speakers: dict[str, list[int]] = {}  # speaker key -> quote positions
        self._speaker_names: dict[str, str] = {}  # speaker key -> name as first written
        for position, quote in enumerate(self._quotes):
            if quote.speaker and (key := speaker_key(quote.speaker)):
                self._speaker_names.setdefault(key, quote.speaker)
                self._speakers.setdefault(key, []).append(position)
        # Built here, off the event loop (a reload builds the corpus in a thread).
        self._topic_index = NameIndex(self._topics)
        self._speaker_index = NameIndex(self._speakers)
        self._speaker_words = NameIndex(part for key in self._speakers for part in key.split())
        # Every word of every name, sorted: the names with a word starting so, by bisect.
        self._name_words = sorted((part, key) for key in self._speakers for part in key.split())

    def _topics_like(self, key: str, *, n: int, cutoff: float) -> list[str]:
        return self._topic_index.close(key, n=n, cutoff=cutoff)

    def _with_a_word_starting(self, prefix: str) -> set[str]:
        start = bisect.bisect_left(self._name_words, (prefix, ""))
        found = set()
        for word, key in itertools.islice(self._name_words, start, None):
            if not word.startswith(prefix):
                break
            found.add(key)
        return found

    def __len__(self) -> int:
        return len(self._quotes)

    def __iter__(self) -> Iterator[Quote]:
        return iter(self._quotes)

    @property
    def quotes(self) -> tuple[Quote, ...]:
        return self._quotes

    def get(self, quote_id: str) -> Quote | None:
        """The quote with this id, or None if it is no longer in the corpus."""
        return self._by_id.get(quote_id)

    def topics(self) -> list[Topic]:
        """Every topic with its number of quotes, in alphabetical order."""
        if self._sorted_topics is None:  # the corpus never changes: sort once
            topics = [Topic(self._topic_names[k], len(p)) for k, p in self._topics.items()]
            self._sorted_topics = tuple(sorted(topics, key=lambda t: t.name.casefold()))
        return list(self._sorted_topics)

    def find_topic(self, text: str) -> str | None:
        """The topic `text` names, forgiving case, plurals and small typos."""
        key = topic_key(text)
        if not key:
            return None
        if key not in self._topics:
            close = self._topics_like(key, n=1, cutoff=_TYPO_CUTOFF)
            if not close:
                return None
            key = close[0]
        return self._topic_names[key]

    def closest_topics(self, text: str, n: int = 3) -> list[str]:
        """Topics that look most like `text`, for a "did you mean" answer."""
        close = self._topics_like(topic_key(text), n=n, cutoff=0.5)
        return [self._topic_names[k] for k in close]

    def in_topics(self, names: Sequence[str]) -> tuple[Quote, ...]:
        """Quotes under any of these topics (all quotes when `names` is empty)."""
        if not names:
            return self._quotes
        positions: set[int] = set()
        for name in names:
            positions.update(self._topics.get(topic_key(name), ()))
        return tuple(self._quotes[position] for position in sorted(positions))

    def lookup(self, text: str, *, limit: int = 50) -> Lookup:
        """Quotes for free text: the named topic's quotes first, then full-text matches.

        No match is an empty result, never a random quote: the caller decides what
        to tell the user.
        """
        text = text.strip()
        topic = self.find_topic(text)
        positions = list(self._topics[topic_key(topic)]) if topic else []
        if len(positions) < limit:  # a big topic fills the answer alone: skip the search
            seen = set(positions)
            for position in self._index.search(text, limit=limit):
                if position not in seen:
                    positions.append(position)
                    seen.add(position)
        quotes = tuple(self._quotes[position] for position in positions[:limit])
        kind: Literal["topic", "words", "none"] = (
            "topic" if topic else "words" if quotes else "none"
        )
        return Lookup(query=text, quotes=quotes, topic=topic, kind=kind)

    def by_speaker(self, name: str) -> tuple[tuple[str, ...], tuple[Quote, ...]]:
        """The speakers `name` means and their quotes, best match first.

        Forgiving as people type names: case and accents aside, a whole name
        (`Andrej Karpathy`), part of one (`karpathy`, `andrej k`), or a small typo
        (`karpaty`). No match is empty: the caller says so.
        """
        keys = self._speakers_for(speaker_key(name))
        positions = [position for key in keys for position in self._speakers[key]]
        names = tuple(self._speaker_names[key] for key in keys)
        return names, tuple(self._quotes[position] for position in positions)

    def closest_speakers(self, name: str, n: int = 3) -> list[str]:
        """Speakers whose names look most like `name`, for a "did you mean" answer."""
        close = self._speaker_index.close(speaker_key(name), n=n, cutoff=0.4)
        return [self._speaker_names[key] for key in close]

    def _speakers_for(self, wanted: str) -> list[str]:
        if not wanted:
            return []
        if wanted in self._speakers:
            return [wanted]
        # Each word of the query starts a word of the name: `karpathy`, `andrej k`.
        words = wanted.split()
        partial = set.intersection(*(self._with_a_word_starting(word) for word in words))
        if partial:
            return sorted(partial, key=lambda key: (-len(self._speakers[key]), key))
        # A typo: of the whole name, or of each word (a surname, say: `karpaty`).
        close = self._speaker_index.close(wanted, n=3, cutoff=_TYPO_CUTOFF)
        if close:
            return close
        matches = []
        for word in words:
            alike = self._speaker_words.close(word, n=10, cutoff=_TYPO_CUTOFF)
            matches.append(set().union(*(self._with_a_word_starting(w) for w in alike)))
        by_word = set.intersection(*matches) if matches else set()
        return sorted(by_word, key=lambda key: (-len(self._speakers[key]), key))

    def random(self, rng: random.Random, within: Sequence[Quote] | None = None) -> Quote | None:
        """A random quote, from `within` if given; None when there is nothing to choose."""
        pool = self._quotes if within is None else within
        return rng.choice(pool) if pool else None
