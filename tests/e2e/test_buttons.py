"""The preview's buttons over signed HTTP: Share, Another and Cancel answer through response_url."""

from __future__ import annotations

import json
import time

from bot.corpus import load_corpus, shipped_corpus
from bot.corpus.model import legacy_id
from tests.harness import (
    USER_ID,
    BotProcess,
    Reply,
    button_labels,
    check_message,
    context_text,
    find_button,
    section_texts,
    visible_text,
)
from tests.slack_standin import Call, SlackStandIn


def preview(bot: BotProcess, text: str = "robotics", **fields: str) -> dict:
    status, body = bot.command(text, **fields)
    assert status == 200 and isinstance(body, dict), f"{status} {body}\n{bot.log()}"
    return body


def clicked(reply: Reply, bot: BotProcess) -> None:
    """A click is acknowledged at once with an empty 200; the answer goes to response_url."""
    status, body = reply
    assert (status, body) == (200, ""), f"{status} {body!r}\n{bot.log()}"


def response_posts(slack: SlackStandIn, name: str, count: int) -> list[Call]:
    """Wait for `count` posts to the response_url called `name`, and return them."""
    slack.wait_for(
        lambda calls: len([c for c in calls if c.args.get("name") == name]) >= count, timeout=10
    )
    return [c for c in slack.calls_to("response_url") if c.args.get("name") == name]


def quote_text(message: dict) -> str:
    return "\n".join(section_texts(message))


def test_share_posts_the_quote_for_everyone_crediting_the_sharer_then_removes_the_preview(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    shown = preview(bot)
    url = slack.response_url("share")

    clicked(bot.click(shown, "quote_share", response_url=url), bot)

    shared, removed = (call.args for call in response_posts(slack, "share", 2))
    check_message(shared)
    assert shared["response_type"] == "in_channel"
    assert shared.get("replace_original") is False
    assert shared["unfurl_links"] is False and shared["unfurl_media"] is False
    assert quote_text(shared) == quote_text(shown)
    assert f"Shared by <@{USER_ID}>" in context_text(shared)
    assert "Andrej Karpathy" in context_text(shared)
    assert button_labels(shared) == []  # the shared quote has no preview buttons
    assert removed.get("delete_original") is True
    assert not [c for c in slack.calls if c.method.startswith("chat.")], slack.dump_calls()


def test_share_works_in_a_channel_the_bot_has_not_joined_and_in_a_dm(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    slack.add_channel("C0NOTJOINED", "random", is_member=False)
    for channel in ("C0NOTJOINED", "D0ALICE"):
        shown = preview(bot, channel_id=channel)
        url = slack.response_url(f"share-{channel}")
        clicked(bot.click(shown, "quote_share", response_url=url, channel_id=channel), bot)
        shared, removed = (call.args for call in response_posts(slack, f"share-{channel}", 2))
        assert shared["response_type"] == "in_channel"
        assert removed.get("delete_original") is True
    assert not [c for c in slack.calls if c.method.startswith("chat.")], slack.dump_calls()


def test_a_failed_share_keeps_the_preview_and_says_so(bot: BotProcess, slack: SlackStandIn) -> None:
    shown = preview(bot)
    url = slack.response_url("share")
    slack.fail("response_url", status=500, times=1)  # Slack refuses the in_channel post

    clicked(bot.click(shown, "quote_share", response_url=url), bot)

    refused, notice = response_posts(slack, "share", 2)
    assert refused.status == 500 and refused.args["response_type"] == "in_channel"
    assert not notice.args.get("delete_original"), "the preview was removed; nothing was shared"
    check_message(notice.args)
    assert notice.args["response_type"] == "ephemeral"
    assert notice.args["replace_original"] is False  # the preview stays, Share still works
    assert "Share" in visible_text(notice.args)


def test_a_share_slack_refuses_with_ok_false_and_http_200_keeps_the_preview_and_says_so(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    shown = preview(bot)
    url = slack.response_url("share")
    # Slack refuses a bad message on a response_url with HTTP 200 and ok: false.
    slack.fail("response_url", "invalid_blocks", times=1)

    clicked(bot.click(shown, "quote_share", response_url=url), bot)

    refused, notice = response_posts(slack, "share", 2)
    assert (refused.status, refused.response) == (200, {"ok": False, "error": "invalid_blocks"})
    assert refused.args["response_type"] == "in_channel"
    assert not notice.args.get("delete_original"), "the preview was removed; nothing was shared"
    check_message(notice.args)
    assert notice.args["response_type"] == "ephemeral"
    assert notice.args["replace_original"] is False  # the preview stays, Share still works
    assert "did not take the shared quote" in visible_text(notice.args)
    time.sleep(0.3)  # long enough for a delete_original sent after the notice to arrive
    posts = [c.args for c in slack.calls_to("response_url") if c.args.get("name") == "share"]
    assert len(posts) == 2 and not any(p.get("delete_original") for p in posts), posts


def test_share_of_a_quote_no_longer_in_the_collection_says_so(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    shown = preview(bot)
    _, button = find_button(shown, "quote_share")
    button["value"] = json.dumps({"q": "robotics", "i": 0, "id": "000000000000"})
    url = slack.response_url("stale")

    clicked(bot.click(shown, "quote_share", response_url=url), bot)

    (answer,) = (call.args for call in response_posts(slack, "stale", 1))
    check_message(answer)
    assert answer["replace_original"] is True
    assert "no longer in the collection" in visible_text(answer)


def test_another_replaces_the_preview_with_the_next_result_of_the_same_query(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    first = preview(bot, "robotics")
    seen = [quote_text(first)]
    message = first
    for step in (1, 2):
        url = slack.response_url(f"another-{step}")
        clicked(bot.click(message, "quote_another", response_url=url), bot)
        (message,) = (call.args for call in response_posts(slack, f"another-{step}", 1))
        check_message(message)
        assert message["replace_original"] is True
        assert message["unfurl_links"] is False
        assert "· Robotics" in context_text(message)  # still an answer to "robotics"
        assert button_labels(message) == ["Share", "Another", "Cancel"]
        seen.append(quote_text(message))
    assert len(set(seen)) == 3, seen  # three different robotics quotes, in turn


def test_another_after_a_random_quote_shows_a_different_random_quote(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    first = preview(bot, "")
    url = slack.response_url("another")

    clicked(bot.click(first, "quote_another", response_url=url), bot)

    (message,) = (call.args for call in response_posts(slack, "another", 1))
    check_message(message)
    assert message["replace_original"] is True
    assert quote_text(message) != quote_text(first)


def test_share_after_another_shares_the_quote_now_shown(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    first = preview(bot, "robotics")
    clicked(bot.click(first, "quote_another", response_url=slack.response_url("another")), bot)
    (second,) = (call.args for call in response_posts(slack, "another", 1))

    clicked(bot.click(second, "quote_share", response_url=slack.response_url("share")), bot)

    shared, _ = (call.args for call in response_posts(slack, "share", 2))
    assert quote_text(shared) == quote_text(second) != quote_text(first)


def test_cancel_removes_the_preview_and_posts_nothing(bot: BotProcess, slack: SlackStandIn) -> None:
    shown = preview(bot)
    url = slack.response_url("cancel")

    clicked(bot.click(shown, "quote_cancel", response_url=url), bot)

    (removed,) = (call.args for call in response_posts(slack, "cancel", 1))
    assert removed == {"text": "", "delete_original": True, "name": "cancel"}
    assert not [c for c in slack.calls if c.method.startswith("chat.")], slack.dump_calls()


def test_a_button_from_before_short_ids_still_shares_its_quote(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    """Buttons posted by earlier versions carry the 12-character ID: it still works."""
    shown = preview(bot)
    _, share = find_button(shown, "quote_share")
    state = json.loads(share["value"])
    quote = next(q for q in load_corpus(shipped_corpus()).corpus if q.id == state["id"])
    old = json.loads(json.dumps(shown))
    for element in old["blocks"][-1]["elements"]:
        if element.get("type") == "button":
            element["value"] = json.dumps({**state, "id": legacy_id(quote.text)})
    url = slack.response_url("old-share")

    clicked(bot.click(old, "quote_share", response_url=url), bot)

    shared, removed = (call.args for call in response_posts(slack, "old-share", 2))
    assert quote_text(shared) == quote_text(shown)
    assert removed.get("delete_original") is True
