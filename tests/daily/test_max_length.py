"""A schedule of short quotes only: `max=N` in /quote daily, `max_length` in the settings.

The no-repeat walk's eligible set is the quotes whose plain words fit N characters;
a schedule without one keeps the ID and walk it had before the option existed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus import Corpus, Quote
from bot.daily.runner import choose_quote
from bot.daily.schedule import Subscription, parse_request
from bot.ids import derived_id
from bot.settings import SettingsError, load_settings
from bot.store import Store

SHORT = "Simplicity is prerequisite for reliability."  # 43 characters
# 61 characters as Markdown, 45 as the words a reader sees.
MARKED = "**Simplicity** is [prerequisite](https://e.x/p) for *reliability*."
LONG = "Premature optimization is the root of all evil, or at least most of it, in programming."


def quote(quote_id: str, text: str) -> Quote:
    return Quote(quote_id, text, "Edsger", None, None, "craft", None, (), "f.md", 1)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store(f"sqlite:///{tmp_path / 'q.db'}")
    yield opened
    opened.close()


def test_max_in_the_command_keeps_only_short_quotes_and_the_topic() -> None:
    sub = parse_request(
        "09:00 UTC mon-fri craft max=60", channel="C1", team_id="T1", default_zone="UTC"
    )

    assert (sub.max_length, sub.topics) == (60, ("craft",))
    assert "quotes up to 60 characters" in sub.describe()


@pytest.mark.parametrize(
    "words",
    ["09:00 max=60 Europe/Berlin sat,sun craft", "09:00 Europe/Berlin max=60 sat,sun craft"],
)
def test_max_may_come_before_the_zone_and_the_days(words: str) -> None:
    sub = parse_request(words, channel="C1", team_id="T1", default_zone="UTC")

    assert (sub.max_length, sub.timezone, sub.days, sub.topics) == (
        60, "Europe/Berlin", "sat,sun", ("craft",),
    )  # fmt: skip


@pytest.mark.parametrize("word", ["max=5", "max=lots", "max=99999"])
def test_a_maximum_that_is_no_sensible_length_is_refused_with_the_range(word: str) -> None:
    with pytest.raises(ValueError, match="maximum length"):
        parse_request(f"09:00 UTC {word}", channel="C1", team_id="T1", default_zone="UTC")


def test_a_schedule_without_a_maximum_keeps_the_id_it_had_before() -> None:
    sub = Subscription("C1", "09:00", "UTC", "mon-fri", ("craft",), "T1")

    assert sub.id == derived_id("T1", "C1", "09:00", "UTC", "mon-fri", "craft")
    assert Subscription("C1", "09:00", "UTC", "mon-fri", ("craft",), "T1", max_length=60).id != (
        sub.id
    )


def test_the_walk_of_a_short_schedule_picks_only_quotes_whose_words_fit(store: Store) -> None:
    corpus = Corpus([quote("SHORT1", SHORT), quote("MARKED", MARKED), quote("LONG01", LONG)])
    sub = Subscription("C1", "09:00", "UTC", "mon-fri", max_length=50, id="SHRT1")

    chosen = {choose_quote(store, corpus, sub)[0] for _ in range(5)}

    assert chosen <= {"SHORT1", "MARKED"} and chosen  # the link's address does not count
    every = Subscription("C1", "09:00", "UTC", "mon-fri", id="EVERY")
    assert choose_quote(store, corpus, every)[0] in {"SHORT1", "MARKED", "LONG01"}


def test_the_settings_file_takes_max_length_and_names_a_bad_one(tmp_path: Path) -> None:
    config = tmp_path / "quotebot.yaml"
    config.write_text("daily:\n  - channel: C1\n    max_length: 280\n", encoding="utf-8")

    (sub,) = load_settings({"QUOTEBOT_CONFIG": str(config)}).subscriptions
    assert sub.max_length == 280

    config.write_text("daily:\n  - channel: C1\n    max_length: short\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"daily\[1\]\.max_length"):
        load_settings({"QUOTEBOT_CONFIG": str(config)})
