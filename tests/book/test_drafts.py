"""What the quote form refuses, on the field it concerns."""

from __future__ import annotations

from bot.book.drafts import TEXT_LIMIT, TOPIC_LIMIT, Draft, problems, split_topics


def test_a_quote_needs_text() -> None:
    assert problems(Draft(text="  ").tidy()) == {"text": "Write the quote here."}


def test_too_long_a_quote_says_how_long_it_is() -> None:
    found = problems(Draft(text="x" * (TEXT_LIMIT + 1)).tidy())
    assert found["text"] == "A quote holds at most 3,000 characters; this one has 3,001."


def test_a_link_must_be_a_web_address() -> None:
    found = problems(Draft(text="ok", url="javascript:alert(1)").tidy())
    assert found == {"url": "A link starts with https:// (or http://)."}
    assert problems(Draft(text="ok", url="https://example.com/x").tidy()) == {}


def test_every_problem_is_named_at_once() -> None:
    draft = Draft(text="", speaker="s" * 200, url="nope", topics=("t" * (TOPIC_LIMIT + 1),))
    assert set(problems(draft.tidy(), topics_field="new_topics")) == {
        "text", "speaker", "url", "new_topics",
    }  # fmt: skip


def test_tidy_trims_fields_and_keeps_each_topic_once() -> None:
    draft = Draft(text=" hi \n", speaker="  Ada\n Lovelace ", source="", topics=("a", " a", "b"))
    tidy = draft.tidy()
    assert (tidy.text, tidy.speaker, tidy.source) == ("hi", "Ada Lovelace", None)
    assert tidy.topics == ("a", "b")


def test_topics_typed_with_commas_are_split() -> None:
    assert split_topics(" robots, ,small models ,") == ("robots", "small models")
