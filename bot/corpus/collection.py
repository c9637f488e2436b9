"""The in-memory corpus: every quote, its topics, and lookups by topic and by words.

The corpus changes in place (`add`, `replace`, `remove`), so a quote saved in Slack is
found at once, without building an index of 100,000 quotes again. Each quote has a
slot, a number given once in the order quotes arrive: the corpus's order, the rowid
of the full-text index, and what topics and speakers list.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.corpus.groups import Groups
from bot.corpus.model import Quote, Topic
from bot.corpus.names import NameIndex
from bot.corpus.search import SearchIndex
from bot.ids import normalize

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


def _topics_of(quote: Quote) -> dict[str, str]:
    """The quote's topic keys, each with the first name the quote gives it."""
    return _topics_named(quote.topic, quote.tags)


@functools.lru_cache(maxsize=4096)  # the quotes under one heading of a page share them
def _topics_named(topic: str | None, tags: tuple[str, ...]) -> dict[str, str]:
    names = [topic] if topic else []
    names += [tag for tag in tags if tag.casefold() not in _NOT_TOPICS]
    found: dict[str, str] = {}
    for name in names:
        if key := topic_key(name):
            found.setdefault(key, name)
    return found  # shared between calls: never changed


def _speaker_of(quote: Quote) -> dict[str, str]:
    key = speaker_key(quote.speaker) if quote.speaker else ""
    return {key: quote.speaker} if key and quote.speaker else {}


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
    """A collection of quotes, searchable by topic, speaker and words, changed in place.

    Readers on the event loop and in worker threads may run while a change is applied:
    every read and every change holds the corpus's lock for the short time it takes
    (a lookup asks the index, it never copies the quotes), so a read sees the corpus
    before a change or after it, never half of one. `quotes` is a tuple made once per
    change, when first asked for.
    """

    def __init__(self, quotes: Iterable[Quote]) -> None:
        """Raises ValueError if two quotes have the same ID."""
        quotes = tuple(quotes)
        self._lock = threading.RLock()
        self._slots: dict[int, Quote] = {}  # slot -> quote, slots ascending (corpus order)
        self._by_id: dict[str, int] = {}  # ID as `ids.normalize` writes it -> slot
        self._by_alias: dict[str, int] = {}  # alias -> slot of the first quote with it
        self._alias_more: dict[str, list[int]] = {}  # alias -> the others' slots (rare)
        self._topics = Groups()
        self._speakers = Groups()
        self._word_counts: Counter[str] = Counter()  # word of a speaker key -> keys with it
        self._speaker_words = NameIndex(())
        # Every word of every name, sorted: the names with a word starting so, by bisect.
        self._name_words: list[tuple[str, str]] = []
        self._bulk = True  # loading: words are sorted once at the end
        self._slots = dict(enumerate(quotes))
        topic_slots = self._topics.slots
        for slot, quote in enumerate(quotes):  # `_take`, made quicker for 100,000 quotes
            if (key := normalize(quote.id)) in self._by_id:
                raise ValueError(f"two quotes with the ID {key}")
            self._by_id[key] = slot
            if quote.alias and self._by_alias.setdefault(quote.alias.lower(), slot) != slot:
                self._note_alias(quote.alias, slot)  # the same text twice: the slow path
            for key, name in _topics_of(quote).items():
                if (slots := topic_slots.get(key)) is not None:
                    slots.append(slot)  # slots only grow here: the list stays sorted
                else:
                    self._topics.add(key, slot, name)
            speaker = quote.speaker
            key = speaker_key(speaker) if speaker else ""
            if speaker and key and self._speakers.add(key, slot, speaker):
                self._note_name_words(key)
        self._name_words.sort()
        self._bulk = False
        self._next_slot = len(quotes)
        self._index = SearchIndex(quotes)
        self._quotes: tuple[Quote, ...] | None = quotes
        self._sorted_topics: tuple[Topic, ...] | None = None

    # ----- changes ---------------------------------------------------------------------

    def add(self, quote: Quote) -> None:
        """Add a quote after the others; ValueError if a quote with its ID is here."""
        with self._lock:
            if (wanted := normalize(quote.id)) in self._by_id:
                raise ValueError(f"a quote with the ID {wanted} is in the corpus already")
            slot = self._next_slot
            self._index.add(slot, quote)
            self._next_slot += 1
            self._take(slot, quote)
            self._changed()

    def replace(self, quote: Quote) -> None:
        """Put `quote` in the place of the quote with its ID (an edit); KeyError if none."""
        with self._lock:
            slot = self._by_id.get(normalize(quote.id))
            if slot is None:
                raise KeyError(f"no quote with the ID {quote.id} in the corpus")
            old = self._slots[slot]
            self._index.replace(slot, old, quote)
            self._slots[slot] = quote
            self._by_id[normalize(quote.id)] = slot
            if old.alias != quote.alias:
                self._forget_alias(old.alias, slot)
                self._note_alias(quote.alias, slot)
            self._refile(slot, old, quote)
            self._changed()

    def remove(self, quote_id: str) -> Quote | None:
        """Take out the quote with this ID (or alias); what was removed, or None."""
        with self._lock:
            slot = self._slot_of(quote_id)
            if slot is None:
                return None
            quote = self._slots[slot]
            self._index.delete(slot, quote)
            self._refile(slot, quote, None)
            del self._slots[slot], self._by_id[normalize(quote.id)]
            self._forget_alias(quote.alias, slot)
            self._changed()
            return quote

    def _take(self, slot: int, quote: Quote) -> None:
        key = normalize(quote.id)
        if key in self._by_id:
            raise ValueError(f"two quotes with the ID {quote.id}")
        self._slots[slot], self._by_id[key] = quote, slot
        self._note_alias(quote.alias, slot)
        self._refile(slot, None, quote)

    def _changed(self) -> None:
        self._quotes = None
        self._sorted_topics = None

    def _refile(self, slot: int, old: Quote | None, new: Quote | None) -> None:
        """Move the quote at `slot` from the topics and speaker of `old` to those of `new`."""
        before = _topics_of(old) if old else {}
        after = _topics_of(new) if new else {}
        for key in before.keys() - after.keys():
            self._topics.discard(key, slot, lambda first, key=key: self._topic_name(first, key))
        for key, name in after.items():
            if key in before:
                self._topics.rename(key, slot, name)
            else:
                self._topics.add(key, slot, name)

        before = _speaker_of(old) if old else {}
        after = _speaker_of(new) if new else {}
        for key in before.keys() - after.keys():
            if self._speakers.discard(key, slot, lambda first: self._slots[first].speaker or ""):
                self._forget_name_words(key)
        for key, name in after.items():
            if key in before:
                self._speakers.rename(key, slot, name)
            elif self._speakers.add(key, slot, name):
                self._note_name_words(key)

    def _topic_name(self, slot: int, key: str) -> str:
        return _topics_of(self._slots[slot])[key]

    def _note_name_words(self, key: str) -> None:
        for word in key.split():
            self._word_counts[word] += 1
            if self._word_counts[word] == 1:
                self._speaker_words.add(word)
            if self._bulk:
                self._name_words.append((word, key))
            else:
                bisect.insort(self._name_words, (word, key))

    def _forget_name_words(self, key: str) -> None:
        for word in key.split():
            self._word_counts[word] -= 1
            if not self._word_counts[word]:
                del self._word_counts[word]
                self._speaker_words.discard(word)
            del self._name_words[bisect.bisect_left(self._name_words, (word, key))]

    def _note_alias(self, alias: str, slot: int) -> None:
        if not alias:
            return
        alias = alias.lower()
        first = self._by_alias.setdefault(alias, slot)
        if first != slot:  # the same text twice (a file and the quote book, say)
            if slot < first:
                self._by_alias[alias], slot = slot, first
            bisect.insort(self._alias_more.setdefault(alias, []), slot)

    def _forget_alias(self, alias: str, slot: int) -> None:
        alias = alias.lower()
        more = self._alias_more.get(alias)
        if self._by_alias.get(alias) == slot:
            if more:
                self._by_alias[alias] = more.pop(0)
            else:
                del self._by_alias[alias]
        elif more and slot in more:
            more.remove(slot)
        if more == []:
            del self._alias_more[alias]

    # ----- reads -----------------------------------------------------------------------

    def _slot_of(self, quote_id: str) -> int | None:
        wanted = normalize(quote_id).strip()  # `#7kq2m`, ` 7KQ2M `, `# 7KQ2M`
        slot = self._by_id.get(wanted)
        return self._by_alias.get(wanted.lower()) if slot is None else slot

    def __len__(self) -> int:
        return len(self._slots)

    def __iter__(self) -> Iterator[Quote]:
        return iter(self.quotes)

    @property
    def quotes(self) -> tuple[Quote, ...]:
        """Every quote, in the corpus's order (an added quote comes last)."""
        with self._lock:
            if self._quotes is None:
                self._quotes = tuple(self._slots.values())
            return self._quotes

    def get(self, quote_id: str) -> Quote | None:
        """The quote with this ID (`7KQ2M`, any case, with `#` or not) or 12-hex alias.

        None if it is not, or no longer, in the corpus.
        """
        with self._lock:
            slot = self._slot_of(quote_id)
            return None if slot is None else self._slots[slot]

    def topics(self) -> list[Topic]:
        """Every topic with its number of quotes, in alphabetical order."""
        with self._lock:
            if self._sorted_topics is None:  # sorted once per change
                groups = self._topics
                topics = [Topic(groups.names[k], len(s)) for k, s in groups.slots.items()]
                self._sorted_topics = tuple(sorted(topics, key=lambda t: t.name.casefold()))
            return list(self._sorted_topics)

    def find_topic(self, text: str) -> str | None:
        """The topic `text` names, forgiving case, plurals and small typos."""
        key = topic_key(text)
        if not key:
            return None
        with self._lock:
            if key not in self._topics.slots:
                close = self._topics.index.close(key, n=1, cutoff=_TYPO_CUTOFF)
                if not close:
                    return None
                key = close[0]
            return self._topics.names[key]

    def closest_topics(self, text: str, n: int = 3) -> list[str]:
        """Topics that look most like `text`, for a "did you mean" answer."""
        with self._lock:
            close = self._topics.index.close(topic_key(text), n=n, cutoff=0.5)
            return [self._topics.names[k] for k in close]

    def in_topics(self, names: Sequence[str]) -> tuple[Quote, ...]:
        """Quotes under any of these topics (all quotes when `names` is empty)."""
        if not names:
            return self.quotes
        with self._lock:
            slots: set[int] = set()
            for name in names:
                slots.update(self._topics.slots.get(topic_key(name), ()))
            return tuple(self._slots[slot] for slot in sorted(slots))

    def lookup(self, text: str, *, limit: int = 50) -> Lookup:
        """Quotes for free text: the named topic's quotes first, then full-text matches.

        No match is an empty result, never a random quote: the caller decides what
        to tell the user.
        """
        text = text.strip()
        with self._lock:
            topic = self.find_topic(text)
            slots = list(self._topics.slots[topic_key(topic)][:limit]) if topic else []
            if len(slots) < limit:  # a big topic fills the answer alone: skip the search
                seen = set(slots)
                for slot in self._index.search(text, limit=limit):
                    if slot not in seen:
                        slots.append(slot)
                        seen.add(slot)
            quotes = tuple(self._slots[slot] for slot in slots[:limit])
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
        with self._lock:
            keys = self._speakers_for(speaker_key(name))
            slots = [slot for key in keys for slot in self._speakers.slots[key]]
            names = tuple(self._speakers.names[key] for key in keys)
            return names, tuple(self._slots[slot] for slot in slots)

    def closest_speakers(self, name: str, n: int = 3) -> list[str]:
        """Speakers whose names look most like `name`, for a "did you mean" answer."""
        with self._lock:
            close = self._speakers.index.close(speaker_key(name), n=n, cutoff=0.4)
            return [self._speakers.names[key] for key in close]

    def _speakers_for(self, wanted: str) -> list[str]:
        if not wanted:
            return []
        speakers = self._speakers.slots
        if wanted in speakers:
            return [wanted]
        # Each word of the query starts a word of the name: `karpathy`, `andrej k`.
        words = wanted.split()
        partial = set.intersection(*(self._with_a_word_starting(word) for word in words))
        if partial:
            return sorted(partial, key=lambda key: (-len(speakers[key]), key))
        # A typo: of the whole name, or of each word (a surname, say: `karpaty`).
        close = self._speakers.index.close(wanted, n=3, cutoff=_TYPO_CUTOFF)
        if close:
            return close
        matches = []
        for word in words:
            alike = self._speaker_words.close(word, n=10, cutoff=_TYPO_CUTOFF)
            matches.append(set().union(*(self._with_a_word_starting(w) for w in alike)))
        by_word = set.intersection(*matches) if matches else set()
        return sorted(by_word, key=lambda key: (-len(speakers[key]), key))

    def _with_a_word_starting(self, prefix: str) -> set[str]:
        start = bisect.bisect_left(self._name_words, (prefix, ""))
        found = set()
        for word, key in itertools.islice(self._name_words, start, None):
            if not word.startswith(prefix):
                break
            found.add(key)
        return found

    def random(self, rng: random.Random, within: Sequence[Quote] | None = None) -> Quote | None:
        """A random quote, from `within` if given; None when there is nothing to choose."""
        pool = self.quotes if within is None else within
        return rng.choice(pool) if pool else None
