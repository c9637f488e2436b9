"""The search index reads a quote's words as `plain` does, without parsing it at load."""

from __future__ import annotations

import pytest

from bot.corpus.inline import index_text, plain
from bot.corpus.search import words

REAL_MARKUP = [
    "**Abstracted simplicity:** the *best* tools hide [their parts](https://e.x/p)[[1]](https://e.x/1).",
    "Models got cheaper[[1]](https://example.com/one) and faster [2](https://e.x/2).",
    'Read [the **whole** post](https://example.com/a?b=1&c=2 "a title") now.',
    "See ![a chart of costs](https://example.com/chart.png) here, E = mc<sup>2</sup>.",
    "A link [with (parentheses)](https://en.wikipedia.org/wiki/Foo_(bar)) and <https://x.y/z>.",
    r"Not \*bold\*, a \[bracket\] and `code` <!here>.",
    "Three rules:\n\n- small [models](https://m.x)\n- *fast* loops",
]


@pytest.mark.parametrize("text", REAL_MARKUP)
def test_the_index_sees_the_words_a_reader_sees_and_no_link_address(text: str) -> None:
    indexed = words(index_text(text))

    assert indexed == words(plain(text))
    assert not {"example", "com", "wikipedia", "sup", "png", "title"} & set(indexed)


def test_text_without_links_or_tags_is_indexed_as_it_is() -> None:
    text = "Plain **bold** words, *italics* too."

    assert index_text(text) is text
