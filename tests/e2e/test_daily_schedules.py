"""`/quote daily` over signed HTTP: schedule IDs, and who may change what.

One bot process for the module, whose settings file configures a schedule in
CCONFIG and names a manager (U0MANAGER) and a manager group (S0LEADS). The stand-in
knows the people: an admin, an owner, plain members, a member of the group.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.harness import BOT_TOKEN, BotProcess, bot_environment, check_message
from tests.slack_standin import SlackStandIn

CONFIG = """\
timezone: UTC
managers: [U0MANAGER, S0LEADS]
daily:
  - {channel: CCONFIG, time: "09:00", timezone: Europe/Berlin, days: mon-fri}
"""
ID = re.compile(r"`([2-9A-HJ-NP-TV-Z]{5})`")


@pytest.fixture(scope="module")
def daily_bot(
    tmp_path_factory: pytest.TempPathFactory, slack_server: SlackStandIn
) -> Iterator[BotProcess]:
    folder = tmp_path_factory.mktemp("daily")
    (folder / "quotebot.yaml").write_text(CONFIG, encoding="utf-8")
    slack_server.add_user("U0ADMIN", "ada", is_admin=True)
    slack_server.add_user("U0OWNER", "olga", is_owner=True)
    slack_server.add_user("U0ALICE", "alice")
    slack_server.add_user("U0BOB", "bob")
    slack_server.add_user("U0MANAGER", "mona")
    slack_server.add_user("U0LEAD", "lee")
    slack_server.add_usergroup("S0LEADS", ["U0LEAD"])
    env = bot_environment(folder, slack_server)
    with BotProcess(env, cwd=folder, slack=slack_server) as process:
        yield process


@pytest.fixture
def bot(daily_bot: BotProcess, slack: SlackStandIn) -> BotProcess:
    assert daily_bot.running, daily_bot.log()
    daily_bot.mark_log()
    return daily_bot


def daily(bot: BotProcess, text: str, *, user: str, channel: str) -> dict:
    status, body = bot.command(f"daily {text}".strip(), user_id=user, channel_id=channel)
    assert status == 200 and isinstance(body, dict), f"{status} {body}\n{bot.log()}"
    check_message(body)
    return body


def ids_in(body: dict) -> list[str]:
    return ID.findall(body["text"])


def test_a_member_adds_a_schedule_with_an_id_and_only_they_or_an_admin_may_stop_it(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    added = daily(bot, "08:00 UTC mon-fri robotics", user="U0ALICE", channel="CADD")
    assert added["response_type"] == "in_channel", added
    assert slack.calls_to("users.info") == [], "anyone may add: nobody was looked up"
    [schedule_id] = ids_in(added)
    listed = daily(bot, "", user="U0BOB", channel="CADD")
    assert ids_in(listed) == [schedule_id] and "08:00 UTC mon-fri on Robotics" in listed["text"]

    refused = daily(bot, f"off {schedule_id}", user="U0BOB", channel="CADD")
    assert refused.get("response_type", "ephemeral") == "ephemeral"
    assert "Only the person who set it or a workspace admin" in refused["text"], refused
    assert "<@" not in refused["text"], "a refusal pings nobody"
    assert ids_in(daily(bot, "", user="U0BOB", channel="CADD")) == [schedule_id], "still there"

    looked_up = len(slack.calls_to("users.info"))
    stopped = daily(bot, f"off {schedule_id.lower()}", user="U0ALICE", channel="CADD")
    assert f"Stopped the quote of the day `{schedule_id}`" in stopped["text"], stopped
    assert len(slack.calls_to("users.info")) == looked_up, "its creator needs no role"
    assert "No quote of the day here yet" in daily(bot, "", user="U0BOB", channel="CADD")["text"]


def test_the_settings_files_schedule_is_changed_only_by_managers(bot: BotProcess) -> None:
    [config_id] = ids_in(daily(bot, "", user="U0ALICE", channel="CCONFIG"))
    for member in ("U0ALICE", "U0BOB"):
        for words in ("off", f"off {config_id}", f"edit {config_id} 10:00"):
            refused = daily(bot, words, user=member, channel="CCONFIG")
            assert (
                "Only workspace admins and the people named in quotebot's settings"
                in (refused["text"])
            ), (words, refused)
    assert (
        "09:00 Europe/Berlin mon-fri · from the settings file · next"
        in (daily(bot, "", user="U0ALICE", channel="CCONFIG")["text"])
    )
    for manager in ("U0ADMIN", "U0OWNER", "U0MANAGER", "U0LEAD"):
        off = daily(bot, f"off {config_id}", user=manager, channel="CCONFIG")
        assert off["response_type"] == "in_channel", (manager, off)
        listed = daily(bot, "", user="U0ALICE", channel="CCONFIG")["text"]
        assert f"`{config_id}`" in listed and "· off" in listed, "kept, switched off"
        on = daily(bot, f"on {config_id}", user=manager, channel="CCONFIG")
        assert "Quote of the day back on" in on["text"] and f"`{config_id}`" in on["text"], on


def test_an_edit_keeps_the_schedules_id(bot: BotProcess) -> None:
    [made] = ids_in(daily(bot, "07:00 UTC daily", user="U0ALICE", channel="CEDIT"))
    edited = daily(bot, f"edit {made} 10:30 Asia/Tokyo sat,sun robotics", user="U0ALICE",
                   channel="CEDIT")  # fmt: skip
    assert "Quote of the day changed" in edited["text"], edited
    listed = daily(bot, "", user="U0BOB", channel="CEDIT")
    assert ids_in(listed) == [made]
    assert "10:30 Asia/Tokyo sat,sun on Robotics" in listed["text"], listed


def test_the_same_schedule_twice_in_a_channel_is_set_once(bot: BotProcess) -> None:
    again = daily(bot, "09:00 Europe/Berlin mon-fri", user="U0ALICE", channel="CCONFIG")
    assert "already has that schedule" in again["text"], again
    assert len(ids_in(daily(bot, "", user="U0ALICE", channel="CCONFIG"))) == 1


def test_a_channel_holds_at_most_ten_schedules(bot: BotProcess, slack: SlackStandIn) -> None:
    for hour in range(10):
        body = daily(bot, f"{hour:02d}:15 UTC", user="U0ALICE", channel="CFULL")
        assert "Quote of the day set" in body["text"], body
    refused = daily(bot, "11:15 UTC", user="U0ALICE", channel="CFULL")
    assert "already has 10 schedules" in refused["text"], refused
    assert slack.calls_to("users.info") == [], "the cap holds for everyone: nobody looked up"
    assert len(ids_in(daily(bot, "", user="U0ALICE", channel="CFULL"))) == 10


def test_an_unknown_id_says_how_to_find_the_ids(bot: BotProcess) -> None:
    body = daily(bot, "off ZZZZZ", user="U0ADMIN", channel="CADD")
    assert "No schedule `ZZZZZ` in this channel" in body["text"], body


def test_a_workspace_whose_token_lacks_users_read_is_asked_to_reinstall(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    [config_id] = ids_in(daily(bot, "", user="U0ALICE", channel="CCONFIG"))
    slack.set_scopes(BOT_TOKEN, [s for s in slack.scopes_of(BOT_TOKEN) if s != "users:read"])
    try:
        refused = daily(bot, f"off {config_id}", user="U0NEWADMIN", channel="CCONFIG")
    finally:
        slack.set_scopes(BOT_TOKEN, [*slack.scopes_of(BOT_TOKEN), "users:read"])
    assert "Only workspace admins" in refused["text"], refused
    assert "needs the users:read scope" in refused["text"] and "reinstall" in refused["text"]
    assert [c.response.get("error") for c in slack.calls_to("users.info")] == ["missing_scope"]


def test_a_schedule_is_reached_by_its_id_only_from_its_own_channel(bot: BotProcess) -> None:
    [made] = ids_in(daily(bot, "06:45 UTC", user="U0ALICE", channel="CHOME"))
    for words in (f"off {made}", f"on {made}", f"edit {made} 07:00"):
        elsewhere = daily(bot, words, user="U0ALICE", channel="CELSEWHERE")
        assert f"No schedule `{made}` in this channel" in elsewhere["text"], (words, elsewhere)
    assert ids_in(daily(bot, "", user="U0ALICE", channel="CHOME")) == [made]
    assert "06:45 UTC" in daily(bot, "", user="U0ALICE", channel="CHOME")["text"]


def test_an_admin_may_stop_a_members_schedule(bot: BotProcess) -> None:
    [made] = ids_in(daily(bot, "05:30 UTC", user="U0BOB", channel="CADMINSTOP"))
    stopped = daily(bot, f"off {made}", user="U0ADMIN", channel="CADMINSTOP")
    assert f"Stopped the quote of the day `{made}`" in stopped["text"], stopped
    assert (
        "No quote of the day here yet"
        in (daily(bot, "", user="U0BOB", channel="CADMINSTOP")["text"])
    )


def test_a_member_cannot_turn_a_paused_settings_file_schedule_back_on(bot: BotProcess) -> None:
    [config_id] = ids_in(daily(bot, "", user="U0ALICE", channel="CCONFIG"))
    assert daily(bot, f"off {config_id}", user="U0ADMIN", channel="CCONFIG")["response_type"] == (
        "in_channel"
    )
    try:
        for words in (f"on {config_id}", "09:00 Europe/Berlin mon-fri"):
            refused = daily(bot, words, user="U0ALICE", channel="CCONFIG")
            assert "Only workspace admins" in refused["text"], (words, refused)
        assert "· off" in daily(bot, "", user="U0ALICE", channel="CCONFIG")["text"]
    finally:
        daily(bot, f"on {config_id}", user="U0ADMIN", channel="CCONFIG")


def test_the_same_days_written_another_way_are_the_same_schedule(bot: BotProcess) -> None:
    first = daily(bot, "08:20 UTC mon-sun", user="U0ALICE", channel="CDAYS")
    assert "Quote of the day set" in first["text"], first
    again = daily(bot, "08:20 UTC sun,sat,fri,thu,wed,tue,mon", user="U0BOB", channel="CDAYS")
    assert "already has that schedule" in again["text"], again
    assert len(ids_in(daily(bot, "", user="U0BOB", channel="CDAYS"))) == 1
