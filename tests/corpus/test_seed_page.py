"""The page that ships with the bot, read for real: what a user will see from it."""

from __future__ import annotations

import pytest

from bot.corpus import Corpus, Quote, legacy_id, load_corpus, shipped_corpus
from bot.ids import ALPHABET

PAGE = "andrej-karpathy-no-priors-80.md"
URL = "https://www.youtube.com/watch?v=hM_h0UA7upI"

# Line of every quote on the page, by topic, in page order.
QUOTE_LINES = {
    "Self-Driving Cars": [14, 17, 20],
    "Robotics": [25, 28, 31],
    "Transformers": [36, 39, 42],
    "Humanoid Robots": [47],
    "Augmenting the Human Brain": [54, 56, 59, 62, 65, 67, 70, 72, 74, 76],
    "Education": [81, 84, 87, 90, 93, 96, 99],
    "Culture": [104],
}


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    result = load_corpus(shipped_corpus())
    assert result.problems == ()
    return result.corpus


@pytest.fixture(scope="module")
def by_line(corpus: Corpus) -> dict[int, Quote]:
    return {quote.line: quote for quote in corpus}


def test_the_page_has_28_quotes_at_their_lines(corpus: Corpus) -> None:
    assert len(corpus) == 28
    assert [quote.line for quote in corpus] == sorted(
        line for lines in QUOTE_LINES.values() for line in lines
    )


def test_the_shipped_folder_holds_the_seed_page(corpus: Corpus) -> None:
    assert {quote.file for quote in corpus} == {PAGE}


def test_seven_topics_with_their_counts_and_no_quote_tag(corpus: Corpus) -> None:
    topics = {topic.name: topic.count for topic in corpus.topics()}
    assert topics == {name: len(lines) for name, lines in QUOTE_LINES.items()}
    assert len(topics) == 7
    assert "quote" not in {name.casefold() for name in topics}


def test_every_quote_sits_under_its_heading(by_line: dict[int, Quote]) -> None:
    for topic, lines in QUOTE_LINES.items():
        assert [by_line[line].topic for line in lines] == [topic] * len(lines)


def test_attribution_comes_from_the_intro_line_and_ref(corpus: Corpus) -> None:
    for quote in corpus:
        assert quote.speaker == "Andrej Karpathy"
        assert quote.source == "No Priors #80"  # the intro's link text, not the title's "80"
        assert quote.url == URL
        assert quote.tags == ("quote",)


@pytest.mark.parametrize(
    ("line", "lead_in"),
    [
        (14, "On Tesla vs Waymo"),
        (
            17,
            "Karpathy is bullish on Tesla winning the TAM of self driving. They do use "
            "sophisticated sensors too, but at training time. He thinks the cost savings of "
            "large scale vision only hardware will win",
        ),
        (25, "Tesla is a robotics company"),
        (42, 'Training on "reasoning trajectories" is the path to AGI'),
        (47, "Why the humanoid form factor for robotics"),
        (59, 'AI as the next layer of the brain, the "exocortex"'),
        (62, "Ownership & Control vs Intelligence"),  # no colon in the page: kept whole
        (
            93,
            "In a pre AGI world, education is a tool, in a post AGI world, education is "
            "entertainment - like nobility of the Victorian era",
        ),
        (104, "Cultural aspects are the dominant variable in what people end up doing"),
    ],
)
def test_lead_ins_without_their_trailing_colon(
    by_line: dict[int, Quote], line: int, lead_in: str
) -> None:
    assert by_line[line].lead_in == lead_in


def test_quotes_in_one_run_share_its_lead_in(by_line: dict[int, Quote]) -> None:
    shared = "Transformers are more efficient than the human brain"
    assert [by_line[line].lead_in for line in (54, 56)] == [shared, shared]
    smaller = "Models can be much smaller"
    assert [by_line[line].lead_in for line in (65, 67)] == [smaller, smaller]
    exocortex = "Architecture of the Exocortex"
    assert [by_line[line].lead_in for line in (70, 72, 74, 76)] == [exocortex] * 4


def test_commentary_after_a_quote_belongs_to_no_quote(corpus: Corpus) -> None:
    commentary = "This generalisable platform"
    for quote in corpus:
        assert commentary not in quote.text
        assert commentary not in (quote.lead_in or "")


def test_quote_text_is_verbatim(by_line: dict[int, Quote]) -> None:
    assert by_line[56].text == (
        "Transformers have a lot bigger working memory and will this will continue to be "
        "the case. They're much more efficient learners."
    )
    assert by_line[39].text == (
        "I think it's the only way we can make progress. We have to make it work. "
        "I think with synthetic data you just have to be careful."
    )
    assert "It's not the bottom leg, whereas" in by_line[36].text
    assert by_line[62].text.startswith('If it\'s like "not your weights, not your brain,"')
    assert by_line[104].text.endswith("It's just not a thing you aspire to or care about.")


def test_ids_are_unique_and_derived_from_the_text(corpus: Corpus) -> None:
    ids = [quote.id for quote in corpus]
    assert len(set(ids)) == 28
    assert all(len(quote.id) == 6 and set(quote.id) <= set(ALPHABET) for quote in corpus)
    assert all(quote.alias == legacy_id(quote.text) for quote in corpus)


def test_ids_are_stable_across_restarts(corpus: Corpus, by_line: dict[int, Quote]) -> None:
    again = load_corpus(shipped_corpus()).corpus
    assert [quote.id for quote in again] == [quote.id for quote in corpus]
    # Pinned: ids are stored (posted-quote history, buttons in Slack), so changing how
    # they are made would make every stored id point at nothing. The 12-hex ids from
    # before short IDs still find their quotes.
    assert by_line[14].alias == "faf06384303e"
    assert corpus.get("faf06384303e") == by_line[14]
    assert corpus.get(by_line[14].id) == by_line[14]


def test_robots_gives_the_robotics_topic_first_then_the_humanoid_quote(corpus: Corpus) -> None:
    found = corpus.lookup("robots")
    assert found.kind == "topic"
    assert found.topic == "Robotics"
    lines = [quote.line for quote in found.quotes]
    assert lines[:3] == [25, 28, 31]
    assert 47 in lines


def test_self_driving_names_the_self_driving_topic(corpus: Corpus) -> None:
    found = corpus.lookup("self driving")
    assert found.topic == "Self-Driving Cars"
    assert [quote.line for quote in found.quotes[:3]] == [14, 17, 20]


def test_teacher_finds_the_teacher_quote(corpus: Corpus) -> None:
    found = corpus.lookup("teacher")
    assert found.kind == "words"
    assert found.topic is None
    assert [quote.line for quote in found.quotes] == [84]


def test_toronto_finds_the_culture_quote(corpus: Corpus) -> None:
    found = corpus.lookup("Toronto")
    assert [quote.line for quote in found.quotes] == [104]


@pytest.mark.parametrize(
    ("typo", "topic"),
    [("robtics", "Robotics"), ("educaton", "Education"), ("transfomers", "Transformers")],
)
def test_a_typo_still_names_the_topic(corpus: Corpus, typo: str, topic: str) -> None:
    found = corpus.lookup(typo)
    assert found.topic == topic
    assert [quote.line for quote in found.quotes] == QUOTE_LINES[topic]


def test_a_word_with_no_match_gives_an_empty_answer(corpus: Corpus) -> None:
    found = corpus.lookup("xylophone")
    assert found.quotes == ()
    assert found.kind == "none"
    assert found.topic is None
    assert not found
