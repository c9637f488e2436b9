"""Close matches among many names: the same answers as difflib, without asking it about all."""

from __future__ import annotations

import difflib
import random
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus import Corpus, Quote
from bot.corpus.names import NameIndex

WORDS = st.text(alphabet=string.ascii_lowercase + " ", min_size=4, max_size=24).map(str.strip)


@settings(max_examples=1000, deadline=None, database=None)
@given(
    names=st.lists(WORDS.filter(lambda w: len(w) >= 4), min_size=1, max_size=40, unique=True),
    pick=st.integers(min_value=0),
    at=st.integers(min_value=0),
    letter=st.sampled_from(string.ascii_lowercase),
)
def test_a_typo_finds_what_difflib_finds_among_few_names(
    names: list[str], pick: int, at: int, letter: str
) -> None:
    name = names[pick % len(names)]
    position = at % len(name)
    typo = name[:position] + letter + name[position + 1 :]

    found = NameIndex(names).close(typo, n=1, cutoff=0.8)

    assert found == difflib.get_close_matches(typo, names, n=1, cutoff=0.8)


@settings(max_examples=40, deadline=None, database=None)
@given(seed=st.integers(min_value=0), count=st.integers(min_value=500, max_value=3000))
def test_a_typo_finds_what_difflib_finds_among_thousands_of_topic_like_names(
    seed: int, count: int
) -> None:
    """Names made of words, as topics and speakers are (among strings of three letters
    nearly everything shares trigrams, and the index is only nearly difflib)."""
    rng = random.Random(seed)
    letters = string.ascii_lowercase
    words = ["".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(400)]
    names = list({" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(count)})
    names = [name for name in names if len(name) >= 4]
    index = NameIndex(names)
    for _ in range(20):
        name = rng.choice(names)
        position = rng.randrange(len(name))
        typo = name[:position] + rng.choice(letters) + name[position + 1 :]
        assert index.close(typo, n=1, cutoff=0.8) == difflib.get_close_matches(
            typo, names, n=1, cutoff=0.8
        ), typo
        assert index.close(typo, n=3, cutoff=0.5) == difflib.get_close_matches(
            typo, names, n=3, cutoff=0.5
        ), "suggestions are difflib's own"


def test_among_ten_thousand_topics_a_typo_still_finds_its_topic() -> None:
    topics = [f"topic {number} {word}" for number, word in enumerate(["alpha", "beta"] * 5000)]
    quotes = [
        Quote(f"q{number:011d}", f"Text {number}.", "Ada", None, None, topic, None, (), "p.md", 1)
        for number, topic in enumerate(topics)
    ]
    corpus = Corpus(quotes)

    assert corpus.find_topic("topic 4242 alpah") == "topic 4242 alpha"
    assert corpus.find_topic("topc 7777 beta") == "topic 7777 beta"
    assert corpus.find_topic("nothing like it at all") is None


@settings(max_examples=300, deadline=None, database=None)
@given(
    changes=st.lists(st.tuples(st.booleans(), WORDS.filter(lambda w: len(w) >= 4)), max_size=60),
    query=WORDS,
)
def test_names_added_and_discarded_answer_like_an_index_built_from_those_left(
    changes: list[tuple[bool, str]], query: str
) -> None:
    index, left = NameIndex([]), []
    for adding, name in changes:
        if adding:
            index.add(name)
            left += [] if name in left else [name]
        else:
            index.discard(name)
            left = [n for n in left if n != name]
    assert sorted(index.names) == sorted(left) and len(index) == len(left)
    for cutoff in (0.8, 0.5):
        found = index.close(query, n=3, cutoff=cutoff)
        assert found == difflib.get_close_matches(query, left, n=3, cutoff=cutoff)
