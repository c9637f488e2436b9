"""What the bot answers to a piece of text, on the quotes that ship with quotebot."""

from __future__ import annotations

import random

import pytest

from bot.answers import HELP_WORDS, MAX_QUERY, TOPIC_WORDS, answer
from bot.corpus import Corpus, Quote, load_corpus, shipped_corpus
from bot.corpus.model import quote_id


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(shipped_corpus()).corpus


def rng(seed: int = 7) -> random.Random:
    return random.Random(seed)


@pytest.mark.parametrize("text", [*sorted(HELP_WORDS), "HELP", "  Usage  "])
def test_help_words_get_the_help(corpus: Corpus, text: str) -> None:
    reply = answer(corpus, text, rng=rng())
    assert reply.kind == "help", reply
    assert reply.quote is None


@pytest.mark.parametrize("text", [*sorted(TOPIC_WORDS), "Topics", " list "])
def test_topic_words_list_every_topic(corpus: Corpus, text: str) -> None:
    reply = answer(corpus, text, rng=rng())
    assert reply.kind == "topics", reply
    assert reply.topics == tuple(corpus.topics())
    assert "Robotics" in [topic.name for topic in reply.topics]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_no_text_gets_a_random_quote(corpus: Corpus, text: str) -> None:
    reply = answer(corpus, text, rng=rng())
    assert reply.kind == "quote"
    assert reply.quote in corpus.quotes
    assert reply.query == ""


def test_random_quote_depends_only_on_the_seed(corpus: Corpus) -> None:
    picks = {answer(corpus, "", rng=rng(seed)).quote for seed in range(40)}
    assert answer(corpus, "", rng=rng(3)).quote == answer(corpus, "", rng=rng(3)).quote
    assert len(picks) > 1, "different seeds should not all pick the same quote"


def test_random_with_exclude_never_repeats_the_quote_shown(corpus: Corpus) -> None:
    for seed in range(200):
        shown = answer(corpus, "", rng=rng(seed)).quote
        assert shown is not None
        again = answer(corpus, "", rng=rng(seed), exclude=shown.id)
        assert again.quote is not None
        assert again.quote.id != shown.id, f"seed {seed} repeated {shown.id}"


@pytest.mark.parametrize("excluded", [0, -1])
def test_random_with_exclude_can_still_pick_every_other_quote(
    corpus: Corpus, excluded: int
) -> None:
    shown = corpus.quotes[excluded]
    picks = {answer(corpus, "", rng=rng(seed), exclude=shown.id).quote for seed in range(3000)}
    assert picks == set(corpus.quotes) - {shown}


def test_exclude_falls_back_to_the_only_quote(corpus: Corpus) -> None:
    only = corpus.quotes[0]
    single = Corpus([only])
    reply = answer(single, "", rng=rng(), exclude=only.id)
    assert reply.kind == "quote"
    assert reply.quote == only


def test_a_topic_query_returns_the_first_result(corpus: Corpus) -> None:
    results = corpus.lookup("robotics").quotes
    reply = answer(corpus, "robotics", rng=rng())
    assert reply.kind == "quote"
    assert reply.query == "robotics"
    assert reply.position == 0
    assert reply.quote == results[0]
    assert reply.quote.topic == "Robotics"


def test_a_query_is_the_same_however_it_is_spaced(corpus: Corpus) -> None:
    reply = answer(corpus, "  self \n  driving ", rng=rng())
    assert reply.query == "self driving"
    assert reply.quote == answer(corpus, "self driving", rng=rng()).quote


def test_position_walks_through_the_results_and_wraps_around(corpus: Corpus) -> None:
    results = corpus.lookup("robotics").quotes
    assert len(results) > 2, "the walk needs several results to mean something"
    for position, expected in enumerate(results):
        reply = answer(corpus, "robotics", rng=rng(), position=position)
        assert (reply.quote, reply.position) == (expected, position)
    wrapped = answer(corpus, "robotics", rng=rng(), position=len(results))
    assert (wrapped.quote, wrapped.position) == (results[0], 0)
    past = answer(corpus, "robotics", rng=rng(), position=len(results) + 1)
    assert (past.quote, past.position) == (results[1], 1)


def test_pressing_another_shows_every_result_once_then_starts_again(corpus: Corpus) -> None:
    results = corpus.lookup("robotics").quotes
    shown = []
    position = 0
    for _ in range(len(results) + 1):
        reply = answer(corpus, "robotics", rng=rng(), position=position)
        shown.append(reply.quote)
        position = reply.position + 1
    assert shown[:-1] == list(results)
    assert shown[-1] == results[0]


def test_not_found_suggests_the_closest_topics(corpus: Corpus) -> None:
    reply = answer(corpus, "robotz", rng=rng())
    assert reply.kind == "not_found"
    assert reply.quote is None
    assert reply.query == "robotz"
    assert reply.suggestions == tuple(corpus.closest_topics("robotz"))
    assert "Robotics" in reply.suggestions


def test_not_found_without_a_close_topic_suggests_the_first_topics(corpus: Corpus) -> None:
    reply = answer(corpus, "xylophone", rng=rng())
    assert reply.kind == "not_found"
    assert reply.suggestions == tuple(topic.name for topic in corpus.topics()[:5])
    assert len(reply.suggestions) == 5


def test_text_over_the_limit_is_too_long(corpus: Corpus) -> None:
    reply = answer(corpus, "robot " * 100, rng=rng())
    assert reply.kind == "too_long"
    assert reply.quote is None
    assert len(reply.query) == MAX_QUERY == 500


def test_text_at_the_limit_is_still_searched(corpus: Corpus) -> None:
    text = ("robotics " * 60)[:MAX_QUERY]
    assert len(text) == MAX_QUERY
    assert answer(corpus, text, rng=rng()).kind == "quote"


def test_white_space_does_not_count_towards_the_limit(corpus: Corpus) -> None:
    reply = answer(corpus, "robotics" + " " * 1000, rng=rng())
    assert reply.kind == "quote"
    assert reply.query == "robotics"


@pytest.mark.parametrize("text", ["", "robotics", "anything at all"])
def test_an_empty_corpus_says_so(text: str) -> None:
    reply = answer(Corpus([]), text, rng=rng())
    assert reply.kind == "empty"
    assert reply.quote is None


def test_an_empty_corpus_still_answers_help_and_topics() -> None:
    assert answer(Corpus([]), "help", rng=rng()).kind == "help"
    topics = answer(Corpus([]), "topics", rng=rng())
    assert (topics.kind, topics.topics) == ("topics", ())


# --- by speaker ----------------------------------------------------------------------------


def said(text: str, speaker: str) -> Quote:
    return Quote(quote_id(text), text, speaker, "A talk", None, None, None, (), "page.md", 1)


@pytest.fixture(scope="module")
def people() -> Corpus:
    return Corpus([
        said("Small models will win.", "Andrej Karpathy"),
        said("Software 2.0 is eating software.", "Andrej Karpathy"),
        said("Move fast.", "Andrej Novak"),
        said("Simplicity is prerequisite for reliability.", "Edsger W. Dijkstra"),
        said("Programs must be written for people to read.", "Hal Abelson"),
        said("Ça marche.", "José Müller"),
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("by Andrej Karpathy", "Andrej Karpathy"),
        ("by karpathy", "Andrej Karpathy"),
        ("BY KARPATHY", "Andrej Karpathy"),
        ("by andrej k", "Andrej Karpathy"),
        ("by karpaty", "Andrej Karpathy"),  # a typo
        ("by dijkstra", "Edsger W. Dijkstra"),
        ("by edsger dijkstra", "Edsger W. Dijkstra"),
        ("by jose muller", "José Müller"),  # without the accents
        ("by  abelson ", "Hal Abelson"),
    ],
)
def test_by_finds_the_speaker_however_the_name_is_typed(
    people: Corpus, text: str, speaker: str
) -> None:
    reply = answer(people, text, rng=rng())
    assert reply.kind == "quote", reply
    assert reply.quote is not None and reply.quote.speaker == speaker


def test_by_walks_through_every_quote_of_the_speaker_with_another(people: Corpus) -> None:
    first = answer(people, "by karpathy", rng=rng())
    second = answer(people, first.query, rng=rng(), position=first.position + 1)
    third = answer(people, first.query, rng=rng(), position=second.position + 1)
    texts = [reply.quote.text for reply in (first, second, third) if reply.quote]
    assert sorted(texts[:2]) == ["Small models will win.", "Software 2.0 is eating software."]
    assert texts[2] == texts[0], "wraps around"


def test_a_first_name_two_speakers_share_finds_both(people: Corpus) -> None:
    speakers = {
        reply.quote.speaker
        for position in range(3)
        if (reply := answer(people, "by andrej", rng=rng(), position=position)).quote
    }
    assert speakers == {"Andrej Karpathy", "Andrej Novak"}


def test_by_a_name_nobody_has_says_so_and_suggests_the_closest(people: Corpus) -> None:
    reply = answer(people, "by Hal Abelsen Smith", rng=rng())
    nobody = answer(people, "by Zyx", rng=rng())
    assert reply.kind == nobody.kind == "no_speaker"
    assert reply.query == "Hal Abelsen Smith" and "Hal Abelson" in reply.suggestions
    assert nobody.quote is None


def test_by_alone_is_a_word_search_not_a_speaker(people: Corpus) -> None:
    reply = answer(people, "by", rng=rng())
    assert (reply.kind, reply.query) == ("not_found", "by")


def test_a_quote_is_fetched_by_its_id_in_any_case_and_by_its_old_long_id(corpus: Corpus) -> None:
    quote = corpus.quotes[3]
    for typed in (f"#{quote.id}", f"#{quote.id.lower()}", f"  #{quote.id} ", f"#{quote.alias}"):
        reply = answer(corpus, typed, rng=random.Random(1))
        assert (reply.kind, reply.quote) == ("quote", quote), typed


def test_an_id_no_quote_has_says_so_and_a_hashtag_word_is_searched(corpus: Corpus) -> None:
    assert answer(corpus, "#ZZ99", rng=random.Random(1)).kind == "no_id"
    reply = answer(corpus, "#data", rng=random.Random(1))  # letters an ID could have
    assert reply.kind == "quote" and "data" in reply.quote.text.lower()
