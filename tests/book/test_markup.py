"""A Slack message's text saved as a quote: Markdown kept, nobody mentioned."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.book.markup import mentioned_users, to_markdown
from bot.corpus.inline import plain
from bot.mrkdwn import from_markdown

NAMES = {"U0ADA": "Ada Lovelace", "U0BOB": "Bob"}


def test_bold_italics_strike_and_line_breaks_become_markdown() -> None:
    text = "*Ship* it _today_, not ~tomorrow~.\nSecond line"
    assert to_markdown(text, names={}) == "**Ship** it *today*, not ~~tomorrow~~.\nSecond line"


def test_links_keep_their_label_and_address() -> None:
    text = "Read <https://example.com/a?b=1&amp;c=2|the post> and <https://example.org>"
    assert to_markdown(text, names={}) == (
        "Read [the post](https://example.com/a?b=1&c=2) and https://example.org"
    )


def test_people_are_named_not_mentioned() -> None:
    text = "<@U0ADA> told <@U0BOB|bob> and <@U0NOBODY> the plan"
    saved = to_markdown(text, names=NAMES)
    assert saved == "@Ada Lovelace told @Bob and @someone the plan"
    assert "<@" not in saved


def test_channels_groups_and_specials_become_plain_words() -> None:
    text = "<!here> see <#C0GEN|general>, <#C0X> and <!subteam^S0DEV|@devs> <!channel>"
    assert to_markdown(text, names={}) == "@here see #general, #a-channel and @devs @channel"


def test_escaped_characters_are_unescaped_once_and_read_back_as_typed() -> None:
    saved = to_markdown("a &lt;b&gt; &amp;amp; [x](y) \\ c", names={})

    assert saved == "a \\<b> &amp; \\[x\\](y) \\\\ c"  # `<b>` is no HTML tag, `[x](y)` no link
    assert plain(saved) == "a <b> &amp; [x](y) \\ c"
    assert from_markdown(saved) == "a &lt;b&gt; &amp;amp; [x](y) \\ c"  # what Slack showed


def test_code_is_kept_as_written() -> None:
    text = "Run `rm *.tmp_x_*` then\n```\n*not bold* &lt;tag&gt;\n```"
    saved = to_markdown(text, names={})
    assert saved == "Run `rm *.tmp_x_*` then\n\n```\n*not bold* <tag>\n```"
    assert plain(saved) == "Run rm *.tmp_x_* then\n\n*not bold* <tag>"


def test_a_code_block_keeps_the_line_written_on_its_fence() -> None:
    saved = to_markdown("```SELECT *\nFROM t```", names={})

    assert plain(saved) == "SELECT *\nFROM t"
    assert from_markdown(saved) == "```SELECT *\nFROM t```"


def test_snake_case_and_lone_stars_are_not_emphasis_and_read_back_as_typed() -> None:
    saved = to_markdown("snake_case_name and 2*3*4 or 2 * 3 * 4, *bold* _it_", names={})

    assert plain(saved) == "snake_case_name and 2*3*4 or 2 * 3 * 4, bold it"
    shown = from_markdown(saved).replace("\u200b", "")  # zero-width guards: see mrkdwn
    assert shown == "snake_case_name and 2*3*4 or 2 * 3 * 4, *bold* _it_"


def test_mentioned_users_are_listed_once_in_order() -> None:
    assert mentioned_users("<@U0BOB> <@U0ADA|ada> <@U0BOB>") == ["U0BOB", "U0ADA"]


TOKENS = st.sampled_from(
    ["word", " ", "\n", "*", "_", "~", "`", "&amp;", "&lt;", "&gt;", "<@U0ADA>", "<@U0ZED|zed>",
     "<@W0WIDE>", "<!here>", "<!channel>", "<!subteam^S0DEV|@devs>", "<#C0GEN|general>",
     "<https://x.example/a|label>", "<https://x.example>"]
)  # fmt: skip


@given(st.lists(TOKENS, max_size=40).map("".join))
def test_no_mention_survives_in_any_message(text: str) -> None:
    """Slack's live markup (mentions, channels, specials) always comes out as plain words."""
    saved = to_markdown(text, names=NAMES)
    if "&lt;" not in text:  # else a `<` the person typed comes back, as the text it was
        assert not re.search(r"<[@!#][^<>]*>", saved), (text, saved)
    for user_or_channel in ("U0ADA", "U0ZED", "W0WIDE", "S0DEV", "C0GEN"):
        assert user_or_channel not in saved, (text, saved)
