"""Finding quotes: topics, lookups by topic and by words, and random choice."""

from __future__ import annotations

import random
from textwrap import dedent

import pytest

from bot.corpus import Corpus, Quote, Topic, parse_page

ROBOTS = """
---
title: Ada Lovelace on Machines
tags: [quote, Engineering, machines]
---
## Robotics

On factories:
> Robots will build the robots that build the cars.

> A robotic arm never gets tired.

## Gardening

> Tomatoes need sun, water and patience.

Why compost:
> Compost turns kitchen waste into a green garden.
"""

COOKING = """
---
speaker: Charles Babbage
tags: Quote, engineering
---
### Stories

> Every kitchen has a story about a burnt kettle.

#### Cooking

> Green tea needs water that is not quite boiling.

> Black tea forgives boiling water.

> Robots cannot taste the soup.
"""


def corpus_of(*pages: str) -> Corpus:
    quotes: list[Quote] = []
    for number, page in enumerate(pages):
        parsed = parse_page(dedent(page).lstrip("\n"), f"page{number}.md")
        assert parsed.problems == ()
        quotes += parsed.quotes
    return Corpus(quotes)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return corpus_of(ROBOTS, COOKING)


def texts(quotes: tuple[Quote, ...] | list[Quote]) -> list[str]:
    return [quote.text for quote in quotes]


# Topics


def test_topics_are_headings_and_tags_with_counts_without_the_quote_tag(corpus: Corpus) -> None:
    assert corpus.topics() == [
        Topic("Cooking", 3),
        Topic("Engineering", 8),  # tagged on both pages, spelled two ways
        Topic("Gardening", 2),
        Topic("machines", 4),
        Topic("Robotics", 2),
        Topic("Stories", 1),
    ]


def test_a_tag_that_is_also_the_heading_counts_each_quote_once() -> None:
    corpus = corpus_of("---\ntags: [robotics]\n---\n## Robotics\n> One.\n\n> Two.\n")
    assert corpus.topics() == [Topic("Robotics", 2)]


def test_a_page_tagged_only_quote_adds_no_topic() -> None:
    assert corpus_of("---\ntags: quote\n---\n> One.\n").topics() == []


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("Robotics", "Robotics"),
        ("ROBOTICS", "Robotics"),
        ("  robotics ", "Robotics"),
        ("robotic", "Robotics"),
        ("story", "Stories"),
        ("STORIES", "Stories"),
        ("machine", "machines"),
        ("robtics", "Robotics"),
        ("gardenning", "Gardening"),
        ("cookng", "Cooking"),
    ],
)
def test_a_topic_is_found_whatever_the_case_plural_or_small_typo(
    corpus: Corpus, query: str, topic: str
) -> None:
    found = corpus.lookup(query)
    assert (found.kind, found.topic) == ("topic", topic)
    assert found.quotes[: len(corpus.in_topics([topic]))] == corpus.in_topics([topic])


@pytest.mark.parametrize("query", ["cat", "soup", "tea", "garden party"])
def test_words_that_only_look_a_little_like_a_topic_do_not_name_it(
    corpus: Corpus, query: str
) -> None:
    assert corpus.lookup(query).topic is None


def test_a_topic_lookup_gives_the_topic_first_then_other_matching_quotes(corpus: Corpus) -> None:
    found = corpus.lookup("robotics")
    assert texts(found.quotes) == [
        "Robots will build the robots that build the cars.",
        "A robotic arm never gets tired.",
        "Robots cannot taste the soup.",  # under Cooking, found by its words
    ]


# Words


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("robot", {"Robots will build", "A robotic arm", "Robots cannot taste"}),
        ("boil", {"Green tea needs", "Black tea forgives"}),
        ("kettles", {"Every kitchen has"}),
        ("composting", {"Compost turns kitchen"}),
        ("tastes", {"Robots cannot taste"}),
    ],
)
def test_words_match_with_stemming(corpus: Corpus, query: str, expected: set[str]) -> None:
    found = corpus.lookup(query)
    assert {" ".join(text.split()[:3]) for text in texts(found.quotes)} == expected


def test_words_match_the_lead_in_topic_and_speaker_too(corpus: Corpus) -> None:
    assert set(texts(corpus.lookup("factories").quotes)) == {  # the lead-in of both
        "Robots will build the robots that build the cars.",
        "A robotic arm never gets tired.",
    }
    assert len(corpus.lookup("babbage").quotes) == 4
    assert texts(corpus.lookup("compost").quotes) == [
        "Compost turns kitchen waste into a green garden."
    ]


def test_quotes_with_all_the_words_rank_first(corpus: Corpus) -> None:
    found = texts(corpus.lookup("green tea").quotes)
    assert found[0] == "Green tea needs water that is not quite boiling."
    assert set(found[1:]) == {
        "Black tea forgives boiling water.",
        "Compost turns kitchen waste into a green garden.",
    }


def test_a_word_said_more_often_ranks_higher() -> None:
    corpus = corpus_of(
        "> Water the plants and then the lawn early.\n\n> Water, water, water: the lawn needs it.\n"
    )
    assert texts(corpus.lookup("water").quotes)[0] == "Water, water, water: the lawn needs it."


def test_filler_words_in_a_request_are_ignored(corpus: Corpus) -> None:
    found = corpus.lookup("give me something about kettles")
    assert texts(found.quotes) == ["Every kitchen has a story about a burnt kettle."]


def test_the_limit_caps_the_answer(corpus: Corpus) -> None:
    assert len(corpus.lookup("engineering").quotes) == 8
    assert len(corpus.lookup("engineering", limit=3).quotes) == 3


@pytest.mark.parametrize("query", ["xylophone", "", "   ", "?!", "zzzz qqqq"])
def test_no_match_is_an_explicit_empty_answer(corpus: Corpus, query: str) -> None:
    found = corpus.lookup(query)
    assert found.quotes == ()
    assert (found.kind, found.topic) == ("none", None)
    assert not found


def test_quotes_can_be_fetched_by_id(corpus: Corpus) -> None:
    quote = corpus.quotes[3]
    assert corpus.get(quote.id) is quote
    assert corpus.get("000000000000") is None


# Random choice


def test_random_choice_is_repeatable_with_a_seed(corpus: Corpus) -> None:
    first = [corpus.random(random.Random(42)) for _ in range(3)]
    again = [corpus.random(random.Random(42)) for _ in range(3)]
    assert first == again
    rng = random.Random(1)
    picks = {corpus.random(rng) for _ in range(200)}
    assert picks == set(corpus)  # and every quote gets its turn


def test_random_choice_within_a_lookup_stays_in_its_results(corpus: Corpus) -> None:
    found = corpus.lookup("tea")
    rng = random.Random(7)
    picks = [corpus.random(rng, within=found.quotes) for _ in range(100)]
    assert set(picks) == set(found.quotes)
    assert len(found.quotes) == 2


def test_random_choice_from_nothing_is_none(corpus: Corpus) -> None:
    rng = random.Random(0)
    assert corpus.random(rng, within=corpus.lookup("xylophone").quotes) is None
    assert Corpus([]).random(rng) is None
