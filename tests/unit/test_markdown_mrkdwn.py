"""A quote's Markdown (a page's or a saved message's) in Slack as mrkdwn, or as plain words."""

from __future__ import annotations

from bot.corpus.inline import plain
from bot.mrkdwn import cut, from_markdown, split


def shown(markdown: str) -> str:
    return from_markdown(markdown)


def test_emphasis_and_links_become_slack_markup() -> None:
    assert shown("**Ship** it *today*, see [notes](https://example.com?a=1&b=2) ~~no~~") == (
        "*Ship* it _today_, see <https://example.com?a=1&amp;b=2|notes> ~no~"
    )


def test_a_url_and_code_keep_their_stars() -> None:
    assert shown("[a](https://x.com/*p*/~~q~~)") == "<https://x.com/*p*/~~q~~|a>"
    assert shown("run `*x*` and **go**") == "run `*x*` and *go*"


def test_a_label_keeps_its_emphasis_and_cannot_break_the_link() -> None:
    assert shown("[**bold** a|b](https://x.y/a|b)") == "<https://x.y/a%7Cb|*bold* a¦b>"


def test_live_markup_in_a_saved_quote_stays_escaped() -> None:
    assert shown("[<!here>](https://x.y) <@U123> <!channel>") == (
        "<https://x.y|&lt;!here&gt;> &lt;@U123&gt; &lt;!channel&gt;"
    )


def test_plain_words_drop_the_marks_and_keep_link_labels() -> None:
    assert plain("**Ship** it *today*, see [notes](https://x.y) ~~no~~") == (
        "Ship it today, see notes no"
    )


def test_a_long_saved_quote_is_never_cut_inside_one_of_its_links() -> None:
    link = "[a label of several words](https://example.com/page)"
    line = " ".join(["word"] * 592 + [link] + ["tail"] * 10)  # the link across 2,998
    pieces = split(shown(line), 2998)
    assert len(pieces) == 2
    for piece in pieces:
        assert piece.count("<") == piece.count(">"), piece[-80:]
    assert pieces[1].startswith("<https://example.com/page|a label of several words>")
    start = cut(shown(line), 2995)  # the last space that fits is inside the link's label
    assert start.count("<") == start.count(">") and start.rstrip().endswith("word")
