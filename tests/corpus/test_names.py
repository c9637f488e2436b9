"""Close matches among many names: the same answers as difflib, without asking it about all."""

from __future__ import annotations

import difflib
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


def test_among_ten_thousand_topics_a_typo_still_finds_its_topic() -> None:
    topics = [f"topic {number} {word}" for number, word in enumerate(["alpha", "beta"] * 5000)]
    quotes = [
        Quote(f"q{number:011d}", f"Text {number}.", "Ada", None, None, topic, None, (), "p.md", 1)
        for number, topic in enumerate(topics)
    ]
    corpus = Corpus(quotes)

    assert corpus.find_topic("topic 4242 alpah") == "topic 4242 alpha"
    assert corpus.find_topic("Topic 7777 Beta") == "topic 7777 beta"
    assert corpus.find_topic("nothing like it at all") is None
