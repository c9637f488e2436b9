"""The role rules, without Slack: who may add, change and stop schedules, and approve quotes."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from bot import roles
from bot.roles import (
    CHANNEL_CAP,
    Decision,
    Person,
    Policy,
    Role,
    has_role,
    may_add_in_channel,
    may_add_schedule,
    may_change_schedule,
    reinstall_line,
)

MEMBER = Person("UMEMBER")
ADMIN = Person("UADMIN", is_admin=True)
OWNER = Person("UOWNER", is_owner=True)
NAMED = Person("UNAMED")
IN_GROUP = Person("UGROUPIE", in_manager_group=True)
IN_APPROVER_GROUP = Person("UAPPROVER", in_approver_group=True)

NAMING = Policy(managers=frozenset({"UNAMED"}), manager_groups=frozenset({"SMANAGERS"}))
NOBODY_NAMED = Policy()


# --- the module stays pure ---------------------------------------------------------


def test_roles_imports_no_slack_or_http_library() -> None:
    tree = ast.parse(Path(roles.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not imported & {"slack_bolt", "slack_sdk", "aiohttp"}, imported


@pytest.mark.parametrize(
    ("value", "field"), [(MEMBER, "is_admin"), (NAMING, "managers"), (Decision(True), "allowed")]
)
def test_values_are_frozen(value: object, field: str) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, None)


# --- who holds a role --------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("policy", [NOBODY_NAMED, NAMING])
def test_admins_and_owners_hold_every_role(role: Role, policy: Policy) -> None:
    assert has_role(ADMIN, role, policy)
    assert has_role(OWNER, role, policy)
    assert not has_role(MEMBER, role, policy)


def test_named_people_and_group_members_manage_schedules() -> None:
    assert has_role(NAMED, Role.MANAGE_SCHEDULES, NAMING)
    assert has_role(IN_GROUP, Role.MANAGE_SCHEDULES, NAMING)
    assert not has_role(NAMED, Role.MANAGE_SCHEDULES, NOBODY_NAMED)


def test_approvers_default_to_the_managers() -> None:
    assert NAMING.approvers == NAMING.managers
    assert NAMING.approver_groups == NAMING.manager_groups
    assert has_role(NAMED, Role.APPROVE_QUOTES, NAMING)
    assert NOBODY_NAMED.approvers == frozenset()


def test_approvers_named_on_their_own() -> None:
    policy = Policy(
        managers=frozenset({"UNAMED"}),
        manager_groups=frozenset({"SMANAGERS"}),
        approvers=frozenset({"UEDITOR"}),
    )
    assert policy.approver_groups == frozenset()
    assert has_role(Person("UEDITOR"), Role.APPROVE_QUOTES, policy)
    assert not has_role(Person("UEDITOR"), Role.MANAGE_SCHEDULES, policy)
    assert not has_role(NAMED, Role.APPROVE_QUOTES, policy)
    assert has_role(NAMED, Role.MANAGE_SCHEDULES, policy)
    assert has_role(IN_APPROVER_GROUP, Role.APPROVE_QUOTES, policy)
    assert not has_role(IN_APPROVER_GROUP, Role.MANAGE_SCHEDULES, policy)
    assert policy.groups() == {"SMANAGERS"}


def test_an_empty_approver_list_leaves_only_admins() -> None:
    policy = Policy(managers=frozenset({"UNAMED"}), approvers=frozenset())
    assert not has_role(NAMED, Role.APPROVE_QUOTES, policy)
    assert has_role(ADMIN, Role.APPROVE_QUOTES, policy)


def test_a_person_slack_could_not_tell_about_holds_no_role_unless_named() -> None:
    unknown = Person("UNAMED", directory_incomplete=True, missing_scopes=frozenset({"users:read"}))
    assert not has_role(unknown, Role.MANAGE_SCHEDULES, NOBODY_NAMED)
    assert has_role(unknown, Role.MANAGE_SCHEDULES, NAMING)  # the settings need no Slack


def test_schedules_added_by_must_be_everyone_or_managers() -> None:
    with pytest.raises(ValueError, match="schedules_added_by"):
        Policy(schedules_added_by="admins")  # type: ignore[arg-type]


# --- adding --------------------------------------------------------------------------


def test_everyone_may_add_by_default() -> None:
    assert may_add_schedule(MEMBER, NOBODY_NAMED) == Decision(True, "")


def test_adding_kept_to_managers() -> None:
    policy = dataclasses.replace(NAMING, schedules_added_by="managers")
    for person in (ADMIN, OWNER, NAMED, IN_GROUP):
        assert may_add_schedule(person, policy).allowed, person
    refused = may_add_schedule(MEMBER, policy)
    assert refused == Decision(
        False,
        "Only workspace admins and the people named in quotebot's settings can add "
        "quote-of-the-day schedules.",
    )
    alone = may_add_schedule(MEMBER, Policy(schedules_added_by="managers"))
    assert alone.reason == "Only workspace admins can add quote-of-the-day schedules."


def test_the_channel_cap() -> None:
    assert CHANNEL_CAP == 10
    assert may_add_in_channel(0).allowed
    assert may_add_in_channel(9).allowed
    for count in (10, 11):
        assert may_add_in_channel(count) == Decision(
            False,
            "This channel already has 10 schedules: remove one first (`/quote daily off ID`).",
        )


# --- changing and stopping -----------------------------------------------------------


def test_schedules_from_the_settings_file_are_for_managers_only() -> None:
    for person in (ADMIN, OWNER, NAMED, IN_GROUP):
        decision = may_change_schedule(person, origin="config", created_by=None, policy=NAMING)
        assert decision.allowed, person
    refused = may_change_schedule(MEMBER, origin="config", created_by=None, policy=NAMING)
    assert refused == Decision(
        False,
        "Only workspace admins and the people named in quotebot's settings can change the "
        "schedules from the settings file.",
    )
    alone = may_change_schedule(MEMBER, origin="config", created_by=None, policy=NOBODY_NAMED)
    assert alone.reason == "Only workspace admins can change the schedules from the settings file."


def test_even_a_matching_creator_cannot_change_a_settings_file_schedule() -> None:
    decision = may_change_schedule(
        MEMBER, origin="config", created_by=MEMBER.user_id, policy=NOBODY_NAMED
    )
    assert not decision.allowed


def test_a_slack_schedule_is_its_creators_or_a_managers() -> None:
    for person in (MEMBER, ADMIN, OWNER, NAMED, IN_GROUP):
        decision = may_change_schedule(
            person, origin="slack", created_by=MEMBER.user_id, policy=NAMING
        )
        assert decision.allowed, person
    other = Person("UOTHER")
    refused = may_change_schedule(other, origin="slack", created_by="UMEMBER", policy=NAMING)
    assert refused == Decision(
        False,
        "Only the person who set it or a workspace admin or someone named in quotebot's "
        "settings can change this schedule.",
    )


def test_the_refusal_names_the_creator_in_words_never_a_mention() -> None:
    refused = may_change_schedule(
        Person("UOTHER"),
        origin="slack",
        created_by="UMEMBER",
        policy=NOBODY_NAMED,
        creator_name="Ada Lovelace",
    )
    assert refused.reason == "Only Ada Lovelace or a workspace admin can change this schedule."
    assert "<@" not in refused.reason
    assert "UMEMBER" not in refused.reason


def test_a_creator_name_is_escaped_and_a_blank_one_ignored() -> None:
    def reason(name: str) -> str:
        return may_change_schedule(
            Person("UOTHER"),
            origin="slack",
            created_by="UMEMBER",
            policy=NOBODY_NAMED,
            creator_name=name,
        ).reason

    assert reason("<!channel> & co") == (
        "Only &lt;!channel&gt; &amp; co or a workspace admin can change this schedule."
    )
    assert (
        reason("  ") == "Only the person who set it or a workspace admin can change this schedule."
    )


def test_a_slack_schedule_with_no_recorded_creator_is_for_managers() -> None:
    refused = may_change_schedule(MEMBER, origin="slack", created_by=None, policy=NAMING)
    assert refused.reason == (
        "Only workspace admins and the people named in quotebot's settings can change "
        "this schedule."
    )
    assert may_change_schedule(NAMED, origin="slack", created_by=None, policy=NAMING).allowed


def test_an_unknown_origin_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="origin"):
        may_change_schedule(ADMIN, origin="database", created_by=None, policy=NAMING)


# --- the reinstall line --------------------------------------------------------------


def test_reinstall_line() -> None:
    assert reinstall_line() == (
        "quotebot needs the users:read scope to know who the admins are: ask an admin to "
        "reinstall it from the app's page at https://api.slack.com/apps (Install App)."
    )
    assert reinstall_line(
        {"usergroups:read", "users:read"}, install_url="https://q.example/slack/install?a=1&b=2"
    ) == (
        "quotebot needs the users:read and usergroups:read scopes to know who the admins are "
        "and who is in the user groups named in its settings: ask an admin to reinstall it "
        "from https://q.example/slack/install?a=1&amp;b=2."
    )
    assert reinstall_line(["usergroups:read"], install_url="https://q.example/slack/install") == (
        "quotebot needs the usergroups:read scope to know who is in the user groups named in "
        "its settings: ask an admin to reinstall it from https://q.example/slack/install."
    )
