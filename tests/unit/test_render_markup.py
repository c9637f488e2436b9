"""A quote's inline Markdown, as the real pages write it, shown in Slack as the page means it.

Each message is checked against Slack's limits and slack-sdk's Block Kit models
(`check_message`), then by the mrkdwn a reader's client renders.
"""

from __future__ import annotations

from bot.corpus import Quote
from bot.corpus.inline import plain
from bot.render import fallback_text, quote_message
from tests.limits import check_message


def quote(text: str, **fields: object) -> Quote:
    values: dict[str, object] = {
        "id": "7KQ2MX", "text": text, "speaker": "Simon Willison", "source": "Notes",
        "url": "https://example.com/notes", "topic": "LLMs", "lead_in": None, "tags": (),
        "file": "notes.md", "line": 3,
    }  # fmt: skip
    values.update(fields)
    return Quote(**values)  # type: ignore[arg-type]


def quote_lines(item: Quote) -> str:
    """The quote's `>` lines of its message, as mrkdwn, after passing Slack's checks."""
    message = quote_message(item)
    check_message(message)
    return "\n".join(
        line
        for block in message["blocks"]
        if block["type"] == "section"
        for line in block["text"]["text"].split("\n")
        if line.startswith(">")
    )


def test_bold_shows_bold_and_markdown_italics_show_italic_not_bold() -> None:
    shown = quote_lines(quote("**Abstracted simplicity:** it is *not* that __easy__ or _hard_."))

    assert shown == "> *Abstracted simplicity:* it is _not_ that *easy* or _hard_."


def test_a_footnote_link_shows_as_a_small_numbered_link_and_leaves_the_plain_words() -> None:
    item = quote("Models got cheaper[[1]](https://example.com/one) and faster [2](https://e.x/2).")

    assert quote_lines(item) == (
        "> Models got cheaper<https://example.com/one|[1]> and faster <https://e.x/2|2>."
    )
    assert plain(item.text) == "Models got cheaper and faster."
    assert "example.com" not in fallback_text(item)


def test_a_link_shows_its_label_and_keeps_its_emphasis() -> None:
    shown = quote_lines(quote("Read [the **whole** post](https://example.com/a?b=1&c=2) now."))

    assert shown == "> Read <https://example.com/a?b=1&amp;c=2|the *whole* post> now."


def test_a_link_to_a_script_is_no_link_and_shows_as_written() -> None:
    shown = quote_lines(quote("Do [not click](javascript:alert(1)) this."))

    assert shown == "> Do [not click](javascript:alert(1)) this."  # CommonMark refuses it


def test_a_bullet_list_shows_one_bullet_per_line_after_its_paragraph() -> None:
    shown = quote_lines(quote("Three rules:\n\n- small models\n- *fast* loops\n  - nested\n- ship"))

    assert shown == (
        "> Three rules:\n>\n> • small models\n> • _fast_ loops\n>     • nested\n> • ship"
    )


def test_a_numbered_list_keeps_its_numbers() -> None:
    assert quote_lines(quote("Steps:\n\n3. plan\n4. build")) == "> Steps:\n>\n> 3. plan\n> 4. build"


def test_a_line_break_stays_a_line_break_and_paragraphs_stay_apart() -> None:
    shown = quote_lines(quote("Roses are red,\nviolets are blue.\n\nSecond verse."))

    assert shown == "> Roses are red,\n> violets are blue.\n>\n> Second verse."


def test_an_image_shows_its_alt_text_and_not_its_address() -> None:
    shown = quote_lines(quote("See ![a chart of costs](https://example.com/chart.png) here."))

    assert shown == "> See a chart of costs here."


def test_backslash_escapes_show_the_character_itself_never_slack_formatting() -> None:
    shown = quote_lines(quote(r"Not \*bold\*, 2 \* 3, a \[bracket\] and a \\ backslash."))

    # A zero-width space on each side of a `*` of the text's own: Slack cannot pair it.
    star = "\u200b*\u200b"
    assert shown == f"> Not {star}bold{star}, 2 {star} 3, a [bracket] and a \\ backslash."


def test_code_keeps_its_stars_and_strikethrough_shows_struck() -> None:
    shown = quote_lines(quote("Run `rm *.tmp` and ~~never~~ rarely **look back**."))

    assert shown == "> Run `rm *.tmp` and ~never~ rarely *look back*."


def test_html_tags_go_and_their_words_stay_and_slack_markup_stays_escaped() -> None:
    shown = quote_lines(quote("E = mc<sup>2</sup> <!here> <@U123>"))

    assert shown == "> E = mc2 &lt;!here&gt; &lt;@U123&gt;"


def test_plain_words_drop_every_mark_for_search_and_notifications() -> None:
    text = "**Abstracted simplicity:** see [the post](https://x.y) and ![img](https://i.png)"

    assert plain(text) == "Abstracted simplicity: see the post and img"
    assert fallback_text(quote(text)).startswith("“Abstracted simplicity: see the post and img”")


def test_a_lead_in_with_markdown_is_shown_as_it_means() -> None:
    message = quote_message(quote("Robots.", lead_in="As [Ada](https://a.example) *wrote*"))
    check_message(message)

    first = message["blocks"][0]["text"]["text"]
    assert first.startswith("*As <https://a.example|Ada> _wrote_*\n> Robots.")


def test_a_link_whose_label_is_another_address_shows_where_it_really_goes() -> None:
    shown = quote_lines(quote("See [https://good.example](https://evil.example/x) and "
                              "[good.example/a](https://www.good.example/b)."))  # fmt: skip

    assert shown == (
        "> See <https://evil.example/x|https://evil.example/x> and "
        "<https://www.good.example/b|good.example/a>."
    )


def test_underscores_inside_a_word_stay_as_typed() -> None:
    assert quote_lines(quote("Call snake_case_name twice.")) == "> Call snake_case_name twice."
