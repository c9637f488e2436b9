"""The schedule form over signed HTTP: `/quote daily` → Add a schedule here → the modal → saved.

A real `quotebot serve` talks to the Slack stand-in: the button's trigger opens the
modal (views.open), users.info's `tz` fills in the zone (views.update), the zone menu
answers block_suggestion, and the submission goes through the same domain calls as
`/quote daily`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.harness import BOT_TOKEN, BotProcess, bot_environment, check_message
from tests.limits import check_message as check_within_limits
from tests.slack_standin import DEFAULT_SCOPE, SlackStandIn

ALICE = "U0ALICE"
PUBLIC, SECRET, INVITED = "C0FORMS", "G0SECRET", "G0INVITED"
ID = re.compile(r"`([2-9A-HJ-NP-TV-Z]{5})`")


@pytest.fixture(scope="module")
def form_bot(
    tmp_path_factory: pytest.TempPathFactory, slack_server: SlackStandIn
) -> Iterator[BotProcess]:
    folder = tmp_path_factory.mktemp("schedule_form")
    (folder / "quotebot.yaml").write_text("timezone: UTC\ndaily: []\n", encoding="utf-8")
    with BotProcess(bot_environment(folder, slack_server), cwd=folder, slack=slack_server) as bot:
        yield bot


@pytest.fixture
def bot(form_bot: BotProcess, slack: SlackStandIn) -> BotProcess:
    assert form_bot.running, form_bot.log()
    slack.add_user(ALICE, "alice", tz="Europe/Berlin")
    slack.add_channel(PUBLIC, "forms", is_member=True)
    slack.add_channel(SECRET, "secret", is_private=True, is_member=False)
    slack.add_channel(INVITED, "invited", is_private=True, is_member=True)
    form_bot.mark_log()
    return form_bot


def daily(bot: BotProcess, text: str = "", *, channel: str = PUBLIC) -> dict[str, Any]:
    status, body = bot.command(f"daily {text}".strip(), user_id=ALICE, channel_id=channel)
    assert status == 200 and isinstance(body, dict), f"{status} {body}\n{bot.log()}"
    check_message(body)
    return body


def open_form(bot: BotProcess, slack: SlackStandIn, *, channel: str = PUBLIC) -> dict[str, Any]:
    """`/quote daily` in `channel`, then its button: the form, once filled in."""
    listed = daily(bot, channel=channel)
    earlier = {view["id"] for view in slack.views()}
    status, body = bot.click(listed, "schedule_form_open", user_id=ALICE, channel_id=channel)
    assert status == 200, f"{status} {body}\n{bot.log()}"
    view = slack.wait_for_view(lambda v: v["id"] not in earlier and v.get("submit") is not None)
    check_within_limits(view, "modal")
    return view


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def zone(name: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": name}, "value": name}


def test_the_button_opens_the_form_and_saving_adds_the_schedule(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    view = open_form(bot, slack)
    assert block(view, "channel")["element"]["initial_conversation"] == PUBLIC
    assert block(view, "zone")["element"]["initial_option"]["value"] == "Europe/Berlin"

    status, body = bot.submit(
        view, {"time": "07:45", "zone": zone("Asia/Tokyo"), "days": ["mon", "wed", "fri"]}
    )
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    listed = daily(bot)
    assert "07:45 Asia/Tokyo mon,wed,fri" in listed["text"], listed
    [schedule_id] = ID.findall(listed["text"])

    def confirmed() -> list[Any]:
        return [c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == ALICE]

    for _ in range(50):
        if confirmed():
            break
        time.sleep(0.1)
    [dm] = confirmed()
    assert "Quote of the day set" in dm.args["text"] and schedule_id in dm.args["text"]

    # The same again is not added twice: said on the channel field.
    again = open_form(bot, slack)
    status, body = bot.submit(
        again, {"time": "07:45", "zone": zone("Asia/Tokyo"), "days": ["mon", "wed", "fri"]}
    )
    assert status == 200 and body["response_action"] == "errors", body
    assert schedule_id in body["errors"]["channel"]


def test_a_bad_zone_and_a_bad_length_are_field_errors(bot: BotProcess, slack: SlackStandIn) -> None:
    before = daily(bot)["text"]
    view = open_form(bot, slack)
    status, body = bot.submit(view, {"zone": zone("Europe/Berlim"), "max_length": "5"})
    assert status == 200 and body["response_action"] == "errors", body
    assert "unknown time zone" in body["errors"]["zone"]
    assert "20 to 3,000" in body["errors"]["max_length"]
    assert daily(bot)["text"] == before, "nothing was added"


def test_a_private_channel_the_bot_is_not_in_is_refused_on_the_channel_field(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    view = open_form(bot, slack)
    status, body = bot.submit(view, {"channel": SECRET})
    assert status == 200 and body["response_action"] == "errors", body
    assert body["errors"] == {
        "channel": "Invite @quotebot to that channel first (/invite @quotebot)"
    }

    status, body = bot.submit(view, {"channel": INVITED, "max_length": "280"})
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    listed = daily(bot, channel=INVITED)
    assert "09:00 Europe/Berlin mon-fri, quotes up to 280 characters" in listed["text"], listed


def test_the_zone_menu_answers_what_is_typed(bot: BotProcess, slack: SlackStandIn) -> None:
    view = open_form(bot, slack)
    status, answer = bot.suggest("schedule_zone", "zone", "berl", view=view)
    assert status == 200, f"{status} {answer}\n{bot.log()}"
    assert answer["options"][0]["value"] == "Europe/Berlin"
    assert all("berl" in option["value"].casefold() for option in answer["options"])


def test_without_the_read_scopes_the_channel_is_not_checked_and_the_post_will_tell(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    """An install from before channels:read: conversations.info answers missing_scope."""
    view = open_form(bot, slack)
    older = [s for s in slack.scopes_of(BOT_TOKEN) if s not in ("channels:read", "groups:read")]
    slack.set_scopes(BOT_TOKEN, older)
    try:
        status, body = bot.submit(view, {"time": "06:15", "zone": zone("UTC")})
    finally:
        slack.set_scopes(BOT_TOKEN, DEFAULT_SCOPE)
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    assert [c.response.get("error") for c in slack.calls_to("conversations.info")] == [
        "missing_scope"
    ]
    assert "06:15 UTC mon-fri" in daily(bot)["text"]
