"""A corpus changed in place: every read sees an added, edited or removed quote at once."""

from __future__ import annotations

import dataclasses
import random
import threading
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus import Corpus, Quote, Topic, legacy_id, parse_page

PAGE = """
---
title: Ada Lovelace on Machines
tags: [quote, Engineering]
---
## Robotics

On factories:
> Robots will build the robots that build the cars.

> A robotic arm never gets tired.

## Gardening

> Tomatoes need sun, water and patience.
"""


def corpus_of(page: str = PAGE) -> Corpus:
    parsed = parse_page(dedent(page).lstrip("\n"), "page.md")
    assert parsed.problems == ()
    return Corpus(parsed.quotes)


def saved(
    quote_id: str, text: str, *, speaker: str | None = "Grace Hopper", topic: str | None = None,
    tags: tuple[str, ...] = (),
) -> Quote:  # fmt: skip
    """A quote as saved in Slack."""
    return Quote(
        quote_id, text, speaker, None, None, topic, None, tags, "", 0, alias=legacy_id(text),
        origin="slack", added_by="U123", added_at="2026-03-27T09:00:00+00:00",
    )  # fmt: skip


def texts(quotes: tuple[Quote, ...] | list[Quote]) -> list[str]:
    return [quote.text for quote in quotes]


def test_an_added_quote_is_seen_by_every_read() -> None:
    corpus = corpus_of()
    quotes_before = corpus.quotes
    new = saved("K7Q2", "Ships are safe in harbour, robots too.", topic="Robotics", tags=("Sea",))
    corpus.add(new)

    assert len(corpus) == 4
    assert corpus.quotes[-1] is new and list(corpus)[-1] is new, "it comes after the others"
    assert quotes_before == corpus.quotes[:3]
    assert corpus.get("#k7q2") is new and corpus.get(new.alias) is new
    assert Topic("Robotics", 3) in corpus.topics() and Topic("Sea", 1) in corpus.topics()
    assert corpus.find_topic("seas") == "Sea" and corpus.find_topic("sae") is None
    assert corpus.closest_topics("se") == ["Sea"]
    assert corpus.in_topics(["robotics"])[-1] is new
    assert corpus.in_topics(["Sea", "Gardening"]) == (corpus.quotes[2], new), "corpus order"
    assert new in corpus.lookup("harbour").quotes
    assert corpus.lookup("robotics").quotes[:3] == corpus.in_topics(["Robotics"])
    assert corpus.by_speaker("hopper") == (("Grace Hopper",), (new,))
    assert corpus.by_speaker("grace hoper") == (("Grace Hopper",), (new,))
    assert corpus.closest_speakers("Grace Hoppr") == ["Grace Hopper"]
    rng = random.Random(3)
    assert new in {corpus.random(rng) for _ in range(100)}


def test_adding_an_id_that_is_there_is_refused() -> None:
    corpus = corpus_of()
    taken = corpus.quotes[0]
    with pytest.raises(ValueError, match=taken.id):
        corpus.add(saved(taken.id.lower(), "Another text."))
    assert len(corpus) == 3 and corpus.get(taken.id) is taken


def test_a_removed_quote_is_never_returned() -> None:
    corpus = corpus_of()
    gone = corpus.lookup("tomatoes").quotes[0]
    assert corpus.remove(gone.alias) is gone  # by alias, or by ID
    assert corpus.remove(gone.id) is None

    assert len(corpus) == 2 and gone not in corpus.quotes and gone not in list(corpus)
    assert corpus.get(gone.id) is None and corpus.get(gone.alias) is None
    assert Topic("Gardening", 1) not in corpus.topics()
    assert corpus.topics() == [Topic("Engineering", 2), Topic("Robotics", 2)]
    assert corpus.find_topic("gardening") is None and corpus.in_topics(["Gardening"]) == ()
    assert corpus.lookup("tomatoes").quotes == () and corpus.lookup("water").kind == "none"
    assert gone not in corpus.by_speaker("Ada Lovelace")[1]
    rng = random.Random(0)
    assert gone not in {corpus.random(rng) for _ in range(200)}


def test_removing_a_speakers_last_quote_forgets_the_speaker() -> None:
    corpus = corpus_of()
    new = saved("K7Q2", "Ships are safe in harbour.")
    corpus.add(new)
    assert corpus.remove("K7Q2") is new
    assert corpus.by_speaker("hopper") == ((), ())
    assert corpus.by_speaker("grace") == ((), ())
    assert corpus.by_speaker("hoppr") == ((), ())
    assert "Grace Hopper" not in corpus.closest_speakers("Grace Hopper")


def test_an_edit_keeps_the_place_and_moves_topics_speaker_and_words() -> None:
    corpus = corpus_of()
    first = corpus.quotes[0]
    edited = dataclasses.replace(
        first, text="Ships are safe in harbour.", topic="Sailing", speaker="Grace Hopper",
        alias="000000000001", tags=(),
    )  # fmt: skip
    corpus.replace(edited)

    assert corpus.quotes[0] is edited and len(corpus) == 3
    assert corpus.get(first.id) is edited and corpus.get("000000000001") is edited
    assert corpus.get(first.alias) is None
    assert corpus.lookup("cars").quotes == ()
    assert corpus.lookup("harbour").quotes == (edited,)
    assert Topic("Robotics", 1) in corpus.topics() and Topic("Sailing", 1) in corpus.topics()
    assert Topic("Engineering", 2) in corpus.topics()
    assert corpus.by_speaker("grace") == (("Grace Hopper",), (edited,))
    assert edited not in corpus.by_speaker("lovelace")[1]


def test_an_edit_of_a_topics_first_quote_renames_the_topic_as_a_fresh_corpus_would() -> None:
    corpus = corpus_of()
    first = corpus.quotes[0]
    corpus.replace(dataclasses.replace(first, topic="ROBOTICS"))
    assert Topic("ROBOTICS", 2) in corpus.topics()
    assert corpus.topics() == Corpus(corpus.quotes).topics()
    corpus.remove(first.id)
    assert Topic("Robotics", 1) in corpus.topics()


def test_replacing_a_quote_that_is_not_there_is_an_error() -> None:
    with pytest.raises(KeyError):
        corpus_of().replace(saved("K7Q2", "Nowhere."))


def test_reads_in_threads_during_changes_see_whole_changes_only() -> None:
    corpus = corpus_of()
    problems: list[str] = []
    done = threading.Event()

    def read() -> None:
        rng = random.Random()
        try:
            while not done.is_set():
                # A quote found by a word has that word: the index and the quotes agree.
                for quote in corpus.lookup("harbour").quotes:
                    if "harbour" not in quote.text.lower():
                        problems.append(f"lookup gave {quote.text!r}")
                for quote in corpus.in_topics(["Sea"]):
                    if "Sea" not in quote.tags:
                        problems.append(f"in_topics gave {quote.text!r}")
                if len(corpus.quotes) not in (3, 4) or corpus.random(rng) is None:
                    problems.append(f"{len(corpus.quotes)} quotes")
                sea = [topic.count for topic in corpus.topics() if topic.name == "Sea"]
                if sea not in ([], [1]):
                    problems.append(f"Sea counts {sea}")
        except Exception as error:  # the test fails on any, with what it was
            problems.append(repr(error))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for number in range(300):
            quote = saved(f"S{number:04d}", f"Harbour number {number}.", tags=("Sea",))
            corpus.add(quote)
            edited = dataclasses.replace(quote, text=f"Harbour edited {number}.")
            corpus.replace(edited)
            assert corpus.lookup(f"harbour edited {number}").quotes[0] is edited
            assert corpus.remove(quote.id) is edited
            assert corpus.get(quote.id) is None
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert problems == []
    assert len(corpus) == 3 and corpus.lookup("harbour").quotes == ()
    assert corpus.topics() == corpus_of().topics()


# Property: any sequence of changes leaves a corpus that answers like one built afresh.

WORDS = ["robots", "harbour", "ships", "tea", "garden", "water", "kettle", "engine", "cars"]
SPEAKERS = [None, "Ada Lovelace", "Ada Lovelace", "Grace Hopper", "ADA LOVELACE", "Alan Kay"]
TOPICS = [None, "Robotics", "robotics", "Sea", "Gardening", "Tea"]
TAGS = [(), ("Sea",), ("quote", "Engineering"), ("engineering", "Robots")]

changes = st.lists(
    st.tuples(
        st.sampled_from(["add", "add", "replace", "remove"]),
        st.integers(min_value=0, max_value=40),  # which quote: an ID number
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=5),
        st.sampled_from(SPEAKERS),
        st.sampled_from(TOPICS),
        st.sampled_from(TAGS),
    ),
    max_size=40,
)


def answers(corpus: Corpus) -> dict[str, object]:
    def ids(quotes: tuple[Quote, ...]) -> list[str]:
        return [quote.id for quote in quotes]

    return {
        "len": len(corpus),
        "quotes": ids(corpus.quotes),
        "iter": [quote.id for quote in corpus],
        "get": {n: corpus.get(f"Q{n:03d}") for n in range(41)},
        "topics": corpus.topics(),
        "in_topics": {t: ids(corpus.in_topics([t])) for t in ("Robotics", "Sea", "Tea", "x")},
        "in_two": ids(corpus.in_topics(["Sea", "engineering"])),
        "find_topic": [corpus.find_topic(t) for t in ("robotic", "Gardenning", "seas", "tae")],
        "by_speaker": [corpus.by_speaker(n) for n in ("ada", "Hopper", "alan kya", "lovelace")],
        "lookup": {w: set(ids(corpus.lookup(w).quotes)) for w in [*WORDS, "robots harbour"]},
        "random": corpus.random(random.Random(7)),
    }


@settings(max_examples=200, deadline=None, database=None)
@given(changes=changes)
def test_changes_leave_the_corpus_answering_like_a_fresh_one(
    changes: list[tuple[str, int, list[str], str | None, str | None, tuple[str, ...]]],
) -> None:
    corpus = corpus_of()
    for action, number, words, speaker, topic, tags in changes:
        quote_id = f"Q{number:03d}"
        text = " ".join(words) + f" {number}."
        quote = saved(quote_id, text, speaker=speaker, topic=topic, tags=tags)
        present = corpus.get(quote_id) is not None
        if action == "add" and not present:
            corpus.add(quote)
        elif action == "replace" and present:
            corpus.replace(quote)
        elif action == "remove":
            removed = corpus.remove(quote_id)
            assert (removed is not None) == present
    assert answers(corpus) == answers(Corpus(corpus.quotes))


def test_the_same_text_twice_is_found_by_its_alias_until_both_are_gone() -> None:
    corpus = corpus_of()
    file_quote = corpus.quotes[2]
    again = saved("K7Q2", file_quote.text)  # saved in Slack, then the same text in a file
    corpus.add(again)
    assert again.alias == file_quote.alias
    assert corpus.get(file_quote.alias) is file_quote, "the first in corpus order"
    corpus.remove(file_quote.id)
    assert corpus.get(file_quote.alias) is again
    corpus.remove(again.alias)
    assert corpus.get(file_quote.alias) is None and len(corpus) == 2
