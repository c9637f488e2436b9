"""The App Home tab over signed HTTP: published when opened, with what each person may do.

Opening the tab sends `app_home_opened`; the bot answers with `views.publish`, which the
stand-in checks against Slack's limits and slack-sdk's View model. An admin sees every
control; a member sees the schedules without the controls they may not use. Acting in
the tab (pause, resume, saving the schedule form opened there) changes the schedule and
publishes that person's Home again. Sharing the tab's quote posts it only where the sharer
is a member (users.conversations); elsewhere the sharer hears why, by DM.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.corpus import legacy_id
from bot.store import BookRow, Store
from tests.harness import (
    APP_ID,
    BOT_TOKEN,
    CHANNEL_ID,
    TEAM_ID,
    BotProcess,
    find_element,
    next_ts,
    visible_text,
)
from tests.limits import check_message
from tests.slack_standin import DEFAULT_SCOPE, SlackStandIn

ADMIN, MEMBER = "U0ADMIN", "U0MEMBER"
RANDOM, HIDDEN = "C0RANDOM", "G0HIDDEN"  # the bot is in neither


@pytest.fixture
def bot(bot_env: dict[str, str], slack: SlackStandIn, tmp_path: Path) -> Iterator[BotProcess]:
    config = tmp_path / "home.yaml"
    config.write_text(
        f"timezone: UTC\ndaily:\n  - channel: {CHANNEL_ID}\n    time: '09:00'\n"
        "    timezone: Europe/Berlin\n",
        encoding="utf-8",
    )
    slack.add_channel(CHANNEL_ID, "general", is_member=True)
    slack.add_channel(RANDOM, "random")  # public: chat:write.public would let the bot post
    slack.add_channel(HIDDEN, "hidden", is_private=True)
    slack.add_member(CHANNEL_ID, ADMIN, MEMBER)
    slack.add_member(HIDDEN, MEMBER)
    slack.add_user(ADMIN, "ada", real_name="Ada Admin", is_admin=True, tz="America/New_York")
    slack.add_user(MEMBER, "bob", real_name="Bob Member")
    env = {**bot_env, "QUOTEBOT_CONFIG": str(config)}
    waiting_for_review(env["DATABASE_URL"])
    with BotProcess(env, cwd=tmp_path, slack=slack) as process:
        yield process


WAITING = "Q7WT"  # saved in Slack by the member, waiting for an approver


def waiting_for_review(database_url: str) -> None:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    text = "Robots will review the robots."
    store = Store(database_url)
    try:
        store.book.add(BookRow(
            team_id="", id=WAITING, text=text, alias=legacy_id(text), speaker="Bob Member",
            speaker_user=None, source=None, url=None, topics=(), lead_in=None,
            status="pending", added_by=MEMBER, added_at=now, changed_by=None, changed_at=now,
        ))  # fmt: skip
    finally:
        store.close()


def home_of(bot: BotProcess, slack: SlackStandIn, user: str, *, count: int = 1) -> dict[str, Any]:
    """The `count`-th Home published for `user`, once it is there."""
    deadline = time.monotonic() + 10
    while len(slack.home_views(user)) < count:
        assert time.monotonic() < deadline, f"no Home published for {user}\n{bot.log()}"
        time.sleep(0.05)
    view = slack.home_views(user)[count - 1]
    check_message(view, "home")
    return view


def action_ids(view: dict[str, Any]) -> set[str]:
    return {
        element.get("action_id")
        for block in view["blocks"]
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]
        if isinstance(element, dict) and element.get("action_id")
    }


def test_an_admin_opening_the_tab_gets_a_home_with_every_control(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    assert bot.open_home(ADMIN)[0] == 200, bot.log()

    view = home_of(bot, slack, ADMIN)
    text = visible_text(view)
    assert view["type"] == "home"
    assert "#general" in text and "09:00" in text and "Europe/Berlin" in text
    assert "03:00 your time" in text  # New York, six hours behind Berlin
    assert {"home_share", "home_schedule_pause", "home_schedule_add"} <= action_ids(view)
    assert "home_schedule_remove" not in action_ids(view)  # from the settings file


def test_a_member_sees_the_schedules_without_controls_they_may_not_use(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    assert bot.open_home(MEMBER)[0] == 200, bot.log()

    view = home_of(bot, slack, MEMBER)
    assert "#general" in visible_text(view)
    assert not {"home_schedule_pause", "home_schedule_edit"} & action_ids(view)
    assert not {"home_review_approve", "home_review_reject"} & action_ids(view)


SECRET = "G0SECRET"  # a private channel the bot and the member are in, the admin is not


@pytest.fixture
def private_bot(
    bot_env: dict[str, str], slack: SlackStandIn, tmp_path: Path
) -> Iterator[BotProcess]:
    config = tmp_path / "home.yaml"
    config.write_text(
        f"timezone: UTC\ndaily:\n  - channel: {CHANNEL_ID}\n    time: '09:00'\n"
        f"  - channel: {SECRET}\n    time: '17:45'\n",
        encoding="utf-8",
    )
    slack.add_channel(CHANNEL_ID, "general", is_member=True)
    slack.add_channel(SECRET, "secret-plans", is_private=True, is_member=True)
    slack.add_member(CHANNEL_ID, ADMIN, MEMBER)
    slack.add_member(SECRET, MEMBER)
    slack.add_user(ADMIN, "ada", real_name="Ada Admin", is_admin=True)
    slack.add_user(MEMBER, "bob", real_name="Bob Member")
    with BotProcess({**bot_env, "QUOTEBOT_CONFIG": str(config)}, cwd=tmp_path,
                    slack=slack) as process:  # fmt: skip
        yield process


def test_a_private_channels_schedule_shows_only_to_the_people_in_it_whatever_their_role(
    private_bot: BotProcess, slack: SlackStandIn
) -> None:
    assert private_bot.open_home(MEMBER)[0] == 200, private_bot.log()
    assert private_bot.open_home(ADMIN)[0] == 200, private_bot.log()

    member, admin = (
        visible_text(home_of(private_bot, slack, MEMBER)),
        visible_text(home_of(private_bot, slack, ADMIN)),
    )
    assert "#secret-plans" in member and "17:45" in member, "a member of it sees it"
    assert "#general" in admin
    assert "secret-plans" not in admin and "17:45" not in admin, "an admin not in it does not"


def test_pause_then_resume_in_the_tab_changes_the_schedule_and_publishes_again(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    bot.open_home(ADMIN)
    view = home_of(bot, slack, ADMIN)

    status, _ = bot.click_in_view(view, "home_schedule_pause", user_id=ADMIN)
    assert status == 200, bot.log()
    paused = home_of(bot, slack, ADMIN, count=2)
    assert "*paused*" in visible_text(paused) and "home_schedule_resume" in action_ids(paused)

    bot.click_in_view(paused, "home_schedule_resume", user_id=ADMIN)
    resumed = home_of(bot, slack, ADMIN, count=3)
    assert "*paused*" not in visible_text(resumed)
    assert "home_schedule_pause" in action_ids(resumed)


def test_edit_in_the_tab_opens_the_form_for_that_schedule_and_keeps_its_id(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    bot.open_home(ADMIN)
    view = home_of(bot, slack, ADMIN)
    [schedule_id] = {
        element["value"]
        for block in view["blocks"]
        for element in block.get("elements") or []
        if element.get("action_id") == "home_schedule_edit"
    }
    earlier = {shown["id"] for shown in slack.views()}

    status, _ = bot.click_in_view(view, "home_schedule_edit", user_id=ADMIN)
    assert status == 200, bot.log()
    form = slack.wait_for_view(lambda v: v["id"] not in earlier and v.get("submit") is not None)
    check_message(form, "modal")
    assert schedule_id in visible_text(form)

    zone = {"text": {"type": "plain_text", "text": "Europe/Berlin"}, "value": "Europe/Berlin"}
    status, body = bot.submit(form, {"time": "10:30", "zone": zone, "max_length": "280"},
                              user_id=ADMIN)  # fmt: skip
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    status, listed = bot.command("daily", user_id=ADMIN)
    assert status == 200, bot.log()
    assert f"`{schedule_id}` 10:30 Europe/Berlin" in listed["text"], listed
    assert "quotes up to 280 characters" in listed["text"]


def test_an_approver_approves_in_the_tab_and_the_author_hears_it(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    bot.open_home(ADMIN)
    view = home_of(bot, slack, ADMIN)
    assert "Robots will review the robots." in visible_text(view)

    status, _ = bot.click_in_view(view, "home_review_approve", user_id=ADMIN)
    assert status == 200, bot.log()

    after = home_of(bot, slack, ADMIN, count=2)
    assert "home_review_approve" not in action_ids(after)
    deadline = time.monotonic() + 5
    while not slack.dm_messages(MEMBER):
        assert time.monotonic() < deadline, f"the author heard nothing\n{bot.log()}"
        time.sleep(0.05)
    assert (
        f"Your quote `#{WAITING}` was approved by Ada Admin" in slack.dm_messages(MEMBER)[0]["text"]
    )


ZONE_UTC = {"text": {"type": "plain_text", "text": "UTC"}, "value": "UTC"}


def open_form_from_home(bot: BotProcess, slack: SlackStandIn, action: str) -> dict[str, Any]:
    """The admin's Home, then its `action` button (Add or Edit): the form, once filled in."""
    bot.open_home(ADMIN)
    view = home_of(bot, slack, ADMIN)
    earlier = {shown["id"] for shown in slack.views()}
    status, _ = bot.click_in_view(view, action, user_id=ADMIN)
    assert status == 200, bot.log()
    form = slack.wait_for_view(lambda v: v["id"] not in earlier and v.get("submit") is not None)
    check_message(form, "modal")
    return form


def test_saving_a_schedule_added_in_the_tab_publishes_that_home_again_with_it(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    form = open_form_from_home(bot, slack, "home_schedule_add")
    assert "11:15" not in visible_text(home_of(bot, slack, ADMIN))

    status, body = bot.submit(form, {"channel": CHANNEL_ID, "time": "11:15", "zone": ZONE_UTC},
                              user_id=ADMIN)  # fmt: skip
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    again = home_of(bot, slack, ADMIN, count=2)
    assert "*11:15* UTC" in visible_text(again), visible_text(again)
    assert [c.args["user_id"] for c in slack.calls_to("views.publish")] == [ADMIN, ADMIN]


def test_saving_an_edit_made_in_the_tab_publishes_that_home_again_with_the_new_time(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    form = open_form_from_home(bot, slack, "home_schedule_edit")
    status, body = bot.submit(form, {"time": "10:45", "zone": ZONE_UTC}, user_id=ADMIN)
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    again = home_of(bot, slack, ADMIN, count=2)
    assert "*10:45* UTC" in visible_text(again) and "*09:00*" not in visible_text(again)


def share(bot: BotProcess, slack: SlackStandIn, user: str, channel: str) -> str:
    """`user` opens their Home and picks `channel` in its Share menu: the quote's ID."""
    bot.open_home(user)
    view = home_of(bot, slack, user)
    block, _ = find_element(view, "home_share", "conversations_select")
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": slack.trigger_id(user, team=TEAM_ID),
        "team": {"id": TEAM_ID, "domain": "standin"},
        "view": {**view, "state": {"values": {}}},
        "actions": [{
            "type": "conversations_select", "action_id": "home_share",
            "block_id": block["block_id"], "selected_conversation": channel,
            "action_ts": next_ts(),
        }],
    }  # fmt: skip
    status, _ = bot.post(urlencode({"payload": json.dumps(payload)}),
                         "application/x-www-form-urlencoded")  # fmt: skip
    assert status == 200, bot.log()
    return block["block_id"].partition(":")[2]


def new_dm(bot: BotProcess, slack: SlackStandIn, user: str, *, after: int) -> str:
    """The one DM `user` got after their first `after` (the stand-in keeps messages)."""
    deadline = time.monotonic() + 5
    while len(slack.dm_messages(user)) <= after:
        assert time.monotonic() < deadline, f"{user} heard nothing\n{bot.log()}"
        time.sleep(0.05)
    [dm] = slack.dm_messages(user)[after:]
    return dm["text"]


def test_share_posts_the_quote_in_a_channel_the_sharer_is_in(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    before, dms = len(slack.messages(CHANNEL_ID)), len(slack.dm_messages(MEMBER))
    quote_id = share(bot, slack, MEMBER, CHANNEL_ID)
    deadline = time.monotonic() + 5
    while len(slack.messages(CHANNEL_ID)) == before:
        assert time.monotonic() < deadline, f"nothing shared\n{bot.log()}"
        time.sleep(0.05)
    assert f"#{quote_id}" in visible_text(slack.messages(CHANNEL_ID)[-1])
    assert len(slack.dm_messages(MEMBER)) == dms, "no DM: nothing went wrong"


def test_share_into_a_public_channel_the_sharer_is_not_in_posts_nothing_and_says_so(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    dms, posts = len(slack.dm_messages(MEMBER)), len(slack.messages(RANDOM))
    share(bot, slack, MEMBER, RANDOM)
    text = new_dm(bot, slack, MEMBER, after=dms)
    assert text == "You are not in #random: join it first, then share the quote there."
    assert len(slack.messages(RANDOM)) == posts, "chat:write.public was not used to post there"
    assert [c.args["channel"] for c in slack.calls_to("chat.postMessage")] == [MEMBER]


def test_share_into_a_private_channel_the_bot_is_not_in_says_to_invite_it(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    dms = len(slack.dm_messages(MEMBER))
    share(bot, slack, MEMBER, HIDDEN)
    text = new_dm(bot, slack, MEMBER, after=dms)
    assert text == "The quote was not shared there: invite @quotebot to that channel first."
    assert slack.messages(HIDDEN) == []  # the stand-in refuses every post there


def test_share_into_an_archived_channel_says_it_is_archived(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    slack.add_channel("C0ARCHIVED", "old-news", is_member=True, is_archived=True)
    slack.add_member("C0ARCHIVED", MEMBER)
    dms = len(slack.dm_messages(MEMBER))
    share(bot, slack, MEMBER, "C0ARCHIVED")
    text = new_dm(bot, slack, MEMBER, after=dms)
    assert text == "The quote was not shared: #old-news is archived."
    assert slack.messages("C0ARCHIVED") == []


def test_share_without_the_read_scopes_is_not_blocked_and_it_is_logged(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    older = [s for s in slack.scopes_of(BOT_TOKEN) if s not in ("channels:read", "groups:read")]
    posts = len(slack.messages(RANDOM))
    slack.set_scopes(BOT_TOKEN, older)
    try:
        share(bot, slack, MEMBER, RANDOM)
        deadline = time.monotonic() + 5
        while len(slack.messages(RANDOM)) == posts:
            assert time.monotonic() < deadline, f"nothing shared\n{bot.log()}"
            time.sleep(0.05)
    finally:
        slack.set_scopes(BOT_TOKEN, DEFAULT_SCOPE)
    assert [c.response.get("error") for c in slack.calls_to("users.conversations")] == [
        "missing_scope"
    ]
    assert "answered missing_scope: membership not checked" in bot.log()
