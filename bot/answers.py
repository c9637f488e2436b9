"""What the bot answers to a piece of text, whichever way it arrived.

`/quote robotics`, `@quotebot robotics` and a DM saying "robotics" all come here and
get the same answer. Pure: the corpus and the random source are passed in.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Literal

from bot.corpus import Corpus, Quote, Topic
from bot.ids import ALPHABET

MAX_QUERY = 500  # characters; longer text gets a clear reply, not a search
HELP_WORDS = frozenset({"help", "?", "-h", "--help", "usage"})
TOPIC_WORDS = frozenset({"topics", "list", "topic"})

BY_WORD = "by"  # `/quote by karpathy`: the quotes of a speaker
# `#7KQ2`: a quote's ID (letters and digits people can type, or an old 12-hex one);
# another `#word` (`#robotics`) is searched for like any words.
_ID = re.compile(rf"#(?:[{ALPHABET}{ALPHABET.lower()}]{{4,12}}|[0-9a-f]{{12}})")

Kind = Literal["quote", "topics", "help", "not_found", "no_speaker", "no_id", "too_long", "empty"]


@dataclass(frozen=True, slots=True)
class Answer:
    kind: Kind
    query: str = ""
    quote: Quote | None = None
    position: int = 0  # which result of the query is shown, for "Another"
    topics: tuple[Topic, ...] = ()
    suggestions: tuple[str, ...] = ()


def answer(
    corpus: Corpus,
    text: str,
    *,
    rng: random.Random,
    position: int = 0,
    exclude: str | None = None,
) -> Answer:
    """The answer to `text`: help, the topics, a random quote, or the best match.

    `position` picks a later result of the same query (the "Another" button wraps
    around at the end); `exclude` keeps a random pick from repeating the quote shown.
    """
    query = " ".join(text.split())
    if len(query) > MAX_QUERY:
        return Answer("too_long", query=query[:MAX_QUERY])
    if query.casefold() in HELP_WORDS:
        return Answer("help", query=query)
    if query.casefold() in TOPIC_WORDS:
        return Answer("topics", query=query, topics=tuple(corpus.topics()))
    if not corpus:
        return Answer("empty", query=query)
    if _ID.fullmatch(query):
        # `/quote #7KQ2M`: one quote by its ID (a 12-character ID from before works too).
        found = corpus.get(query)
        if found is not None:
            return Answer("quote", query=query, quote=found)
        if not query[1:].isalpha():
            return Answer("no_id", query=query[1:])
        # `#teams` is a word as much as an ID: with no quote by that ID, search for it.
        return _search(corpus, query, query[1:], position) or Answer("no_id", query=query[1:])
    first, _, name = query.partition(" ")
    if first.casefold() == BY_WORD and name.strip():
        return _by_speaker(corpus, query, name.strip(), position)
    if not query:
        quote = corpus.random(rng)
        shown = corpus.get(exclude) if exclude else None  # an old post's button: its alias
        exclude = shown.id if shown is not None else exclude
        if quote is not None and quote.id == exclude and len(corpus) > 1:
            # Draw again from the others: no list of the whole corpus on every click.
            others = corpus.quotes
            index = rng.randrange(len(others) - 1)
            if others[index].id == exclude:
                index = len(others) - 1
            quote = others[index]
        return Answer("quote", quote=quote)
    found = _search(corpus, query, query, position)
    if found is None:
        suggestions = corpus.closest_topics(query) or [t.name for t in corpus.topics()[:5]]
        return Answer("not_found", query=query, suggestions=tuple(suggestions))
    return found


def _search(corpus: Corpus, query: str, words: str, position: int) -> Answer | None:
    """The `position`-th quote for `words` (wrapping around), or None when none match."""
    results = corpus.lookup(words).quotes
    if not results:
        return None
    position %= len(results)
    return Answer("quote", query=query, quote=results[position], position=position)


def _by_speaker(corpus: Corpus, query: str, name: str, position: int) -> Answer:
    """`by NAME`: the speaker's quotes, one at a time ("Another" walks through them)."""
    _names, quotes = corpus.by_speaker(name)
    if not quotes:
        return Answer("no_speaker", query=name, suggestions=tuple(corpus.closest_speakers(name)))
    position %= len(quotes)
    return Answer("quote", query=query, quote=quotes[position], position=position)
