"""The directory asks the Slack stand-in (real slack-sdk client, real HTTP) who someone is."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from slack_sdk.web.async_client import AsyncWebClient

from bot.directory import CACHE_SECONDS, Directory
from bot.installations import BOT_SCOPES
from bot.roles import Person, Policy, Role, has_role
from tests.slack_standin import SlackStandIn

REPO = Path(__file__).resolve().parents[2]
TOKEN, OTHER_TOKEN = "xoxb-one", "xoxb-two"
LEGACY = "commands,app_mentions:read,chat:write,chat:write.public,channels:join,im:history"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(tokens={TOKEN: "T1", OTHER_TOKEN: "T2"}) as standin:
        standin.add_user("UADMIN", "ada", is_admin=True, team="T1")
        standin.add_user("UOWNER", "olive", is_owner=True, team="T1")
        standin.add_user("UPRIMARY", "pat", is_primary_owner=True, team="T1")
        standin.add_user("UMEMBER", "mo", team="T1")
        standin.add_user("UNAMED", "nell", team="T1")
        standin.add_user("UGROUPIE", "gus", team="T1")
        standin.add_user("UGONE", "gone", is_admin=True, deleted=True, team="T1")
        standin.add_usergroup("SLEADS", ["UGROUPIE", "UNAMED"], team="T1")
        standin.add_usergroup("SEDITORS", ["UMEMBER"], team="T1")
        yield standin


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def directory(clock: Clock) -> Directory:
    return Directory(clock=clock)


def client(slack: SlackStandIn, token: str = TOKEN) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=slack.api_url, timeout=5)


POLICY = Policy(managers=frozenset({"UNAMED"}), manager_groups=frozenset({"SLEADS"}))


async def test_admins_and_owners_are_managers(slack: SlackStandIn, directory: Directory) -> None:
    web = client(slack)
    for user_id, flags in [
        ("UADMIN", (True, False)),
        ("UOWNER", (False, True)),
        ("UPRIMARY", (False, True)),
        ("UMEMBER", (False, False)),
    ]:
        person = await directory.person(web, team_id="T1", user_id=user_id, policy=Policy())
        assert (person.is_admin, person.is_owner) == flags, user_id
        assert not person.directory_incomplete
        assert has_role(person, Role.MANAGE_SCHEDULES, Policy()) == any(flags), user_id
    assert not slack.calls_to("usergroups.users.list"), "no groups named: none looked up"


async def test_a_deactivated_admin_holds_no_role(slack: SlackStandIn, directory: Directory) -> None:
    person = await directory.person(client(slack), team_id="T1", user_id="UGONE", policy=Policy())
    assert (person.is_admin, person.is_owner) == (False, False)


async def test_a_user_named_in_the_settings(slack: SlackStandIn, directory: Directory) -> None:
    policy = Policy(managers=frozenset({"UNAMED"}))
    person = await directory.person(client(slack), team_id="T1", user_id="UNAMED", policy=policy)
    assert person == Person("UNAMED")
    assert has_role(person, Role.MANAGE_SCHEDULES, policy)


async def test_a_member_of_a_named_group(slack: SlackStandIn, directory: Directory) -> None:
    web = client(slack)
    groupie = await directory.person(web, team_id="T1", user_id="UGROUPIE", policy=POLICY)
    assert groupie.in_manager_group and groupie.in_approver_group  # approvers: the managers
    assert has_role(groupie, Role.MANAGE_SCHEDULES, POLICY)
    member = await directory.person(web, team_id="T1", user_id="UMEMBER", policy=POLICY)
    assert not member.in_manager_group
    assert not has_role(member, Role.MANAGE_SCHEDULES, POLICY)
    assert [c.args for c in slack.calls_to("usergroups.users.list")] == [{"usergroup": "SLEADS"}]


async def test_approver_groups_are_looked_up_on_their_own(
    slack: SlackStandIn, directory: Directory
) -> None:
    policy = Policy(manager_groups=frozenset({"SLEADS"}), approver_groups=frozenset({"SEDITORS"}))
    web = client(slack)
    member = await directory.person(web, team_id="T1", user_id="UMEMBER", policy=policy)
    assert (member.in_manager_group, member.in_approver_group) == (False, True)
    assert has_role(member, Role.APPROVE_QUOTES, policy)
    assert not has_role(member, Role.MANAGE_SCHEDULES, policy)


async def test_answers_are_cached_within_the_expiry(
    slack: SlackStandIn, directory: Directory, clock: Clock
) -> None:
    web = client(slack)
    for _ in range(3):
        person = await directory.person(web, team_id="T1", user_id="UGROUPIE", policy=POLICY)
        assert person.in_manager_group
        clock.now += CACHE_SECONDS / 4
    await directory.person(web, team_id="T1", user_id="UMEMBER", policy=POLICY)
    assert len(slack.calls_to("users.info")) == 2, slack.dump_calls()  # UGROUPIE, UMEMBER
    assert len(slack.calls_to("usergroups.users.list")) == 1, slack.dump_calls()


async def test_answers_are_fetched_again_after_the_expiry(
    slack: SlackStandIn, directory: Directory, clock: Clock
) -> None:
    web = client(slack)
    first = await directory.person(web, team_id="T1", user_id="UMEMBER", policy=POLICY)
    assert not first.is_admin
    slack.add_user("UMEMBER", "mo", is_admin=True, team="T1")  # promoted in Slack
    slack.add_usergroup("SLEADS", ["UMEMBER"], team="T1")
    clock.now += CACHE_SECONDS - 1
    cached = await directory.person(web, team_id="T1", user_id="UMEMBER", policy=POLICY)
    assert cached == first
    clock.now += 1
    fresh = await directory.person(web, team_id="T1", user_id="UMEMBER", policy=POLICY)
    assert fresh.is_admin and fresh.in_manager_group
    assert len(slack.calls_to("users.info")) == 2
    assert len(slack.calls_to("usergroups.users.list")) == 2


async def test_the_cache_is_per_workspace(slack: SlackStandIn, directory: Directory) -> None:
    slack.add_user("USAME", is_admin=True, team="T1")
    one = await directory.person(client(slack), team_id="T1", user_id="USAME", policy=Policy())
    slack.add_user("USAME", team="T2")  # the same ID elsewhere: not an admin there
    two = await directory.person(
        client(slack, OTHER_TOKEN), team_id="T2", user_id="USAME", policy=Policy()
    )
    assert (one.is_admin, two.is_admin) == (True, False)
    assert len(slack.calls_to("users.info")) == 2


async def test_missing_scope_means_no_admin_incomplete_and_one_warning_per_workspace(
    slack: SlackStandIn, directory: Directory, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    slack.set_scopes(TOKEN, LEGACY)  # installed before users:read and usergroups:read
    slack.set_scopes(OTHER_TOKEN, LEGACY)
    caplog.set_level(logging.WARNING, logger="bot.directory")
    web = client(slack)
    for user_id in ("UADMIN", "UADMIN", "UGROUPIE"):
        person = await directory.person(web, team_id="T1", user_id=user_id, policy=POLICY)
        assert (person.is_admin, person.in_manager_group) == (False, False)
        assert person.directory_incomplete
        assert person.missing_scopes == {"users:read", "usergroups:read"}
        assert not has_role(person, Role.MANAGE_SCHEDULES, POLICY)
        clock.now += CACHE_SECONDS  # failures are not cached: each request asks again
    named = await directory.person(web, team_id="T1", user_id="UNAMED", policy=POLICY)
    assert named.directory_incomplete and has_role(named, Role.MANAGE_SCHEDULES, POLICY)
    assert len(slack.calls_to("users.info")) == 4
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2, warnings  # users:read and usergroups:read, once each for T1
    assert all("T1" in w and "reinstall" in w for w in warnings), warnings
    assert any("users:read" in w for w in warnings), warnings
    assert any("usergroups:read" in w for w in warnings), warnings
    await directory.person(
        client(slack, OTHER_TOKEN), team_id="T2", user_id="UADMIN", policy=POLICY
    )
    await directory.person(
        client(slack, OTHER_TOKEN), team_id="T2", user_id="UADMIN", policy=POLICY
    )
    assert len(caplog.records) == 4, [r.getMessage() for r in caplog.records]
    assert all("T2" in r.getMessage() for r in caplog.records[2:])


async def test_only_the_group_scope_missing(slack: SlackStandIn, directory: Directory) -> None:
    slack.set_scopes(TOKEN, LEGACY + ",users:read")
    web = client(slack)
    admin = await directory.person(web, team_id="T1", user_id="UADMIN", policy=POLICY)
    assert admin.is_admin and admin.directory_incomplete
    assert admin.missing_scopes == {"usergroups:read"}
    assert has_role(admin, Role.MANAGE_SCHEDULES, POLICY)


async def test_other_slack_errors_mean_no_admin_logged_once(
    slack: SlackStandIn, directory: Directory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.directory")
    web = client(slack)
    for _ in range(2):
        nobody = await directory.person(web, team_id="T1", user_id="UNOBODY", policy=Policy())
        assert nobody == Person("UNOBODY")  # user_not_found: no role, not a reinstall case
    slack.fail("users.info", "internal_error", status=500, times=None)
    broken = await directory.person(web, team_id="T1", user_id="UADMIN", policy=Policy())
    assert not broken.is_admin and not broken.directory_incomplete
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert "user_not_found" in messages[0], messages
    assert "internal_error" in messages[1], messages


async def test_a_timeout_means_no_admin_and_is_not_cached(
    slack: SlackStandIn, directory: Directory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.directory")
    slack.fail("users.info", delay=1.0)
    impatient = AsyncWebClient(token=TOKEN, base_url=slack.api_url, timeout=0.2)
    late = await directory.person(impatient, team_id="T1", user_id="UADMIN", policy=Policy())
    assert not late.is_admin and not late.directory_incomplete
    assert len(caplog.records) == 1 and "users.info failed" in caplog.records[0].getMessage()
    again = await directory.person(impatient, team_id="T1", user_id="UADMIN", policy=Policy())
    assert again.is_admin


async def test_a_group_that_does_not_exist_has_no_members(
    slack: SlackStandIn, directory: Directory
) -> None:
    policy = Policy(manager_groups=frozenset({"SGONE"}))
    person = await directory.person(client(slack), team_id="T1", user_id="UMEMBER", policy=policy)
    assert not person.in_manager_group and not person.directory_incomplete


def test_the_directorys_scopes_are_in_the_manifest_and_the_oauth_scopes() -> None:
    manifest = yaml.safe_load((REPO / "config" / "manifest.yaml").read_text(encoding="utf-8"))
    granted = manifest["oauth_config"]["scopes"]["bot"]
    assert {"users:read", "usergroups:read"} <= set(granted)
    assert list(BOT_SCOPES) == granted
