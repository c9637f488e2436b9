"""The App Home tab over signed HTTP: published when opened, with what each person may do.

Opening the tab sends `app_home_opened`; the bot answers with `views.publish`, which the
stand-in checks against Slack's limits and slack-sdk's View model. An admin sees every
control; a member sees the schedules without the controls they may not use. Acting in
the tab (pause, resume) changes the schedule and publishes that person's Home again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.corpus import legacy_id
from bot.store import BookRow, Store
from tests.harness import CHANNEL_ID, BotProcess, visible_text
from tests.limits import check_message
from tests.slack_standin import SlackStandIn

ADMIN, MEMBER = "U0ADMIN", "U0MEMBER"


@pytest.fixture
def bot(bot_env: dict[str, str], slack: SlackStandIn, tmp_path: Path) -> Iterator[BotProcess]:
    config = tmp_path / "home.yaml"
    config.write_text(
        f"timezone: UTC\ndaily:\n  - channel: {CHANNEL_ID}\n    time: '09:00'\n"
        "    timezone: Europe/Berlin\n",
        encoding="utf-8",
    )
    slack.add_channel(CHANNEL_ID, "general", is_member=True)
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
