"""Who may do what: one notion of roles for schedules now and the quote book next.

Pure rules over plain values. Finding out who a person is (a workspace admin, in a
user group) is the directory's job at the Slack edge (`bot.directory`); this module
only decides, so every rule is testable without Slack and every refusal says, in
plain words, who *can* do it. The words never hold a live `<@U…>` mention: naming
someone in a refusal must not ping them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.mrkdwn import escape

CHANNEL_CAP = 10  # schedules per channel: enough for a daily and a few weekly ones

# Where a schedule came from: the settings file ("config") or `/quote daily` ("slack").
ORIGINS = ("config", "slack")

# The scopes the directory needs; a workspace installed before they were added lacks them.
USERS_SCOPE = "users:read"
USERGROUPS_SCOPE = "usergroups:read"
DEFAULT_INSTALL_HINT = "the app's page at https://api.slack.com/apps (Install App)"


class Role(enum.Enum):
    """What a person may be trusted with beyond what everyone may do."""

    MANAGE_SCHEDULES = "manage_schedules"
    APPROVE_QUOTES = "approve_quotes"


@dataclass(frozen=True, slots=True)
class Person:
    """What the directory found out about one user, as far as roles care.

    `is_owner` covers the primary owner too. `in_manager_group` / `in_approver_group`:
    a member of a user group the policy names for that role. `directory_incomplete`:
    Slack would not tell (the token lacks `missing_scopes`), so the flags above may be
    false for an admin; a refusal should then also show `reinstall_line()`.
    """

    user_id: str
    is_admin: bool = False
    is_owner: bool = False
    in_manager_group: bool = False
    in_approver_group: bool = False
    directory_incomplete: bool = False
    missing_scopes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Policy:
    """Who holds each role besides workspace admins and owners, from the settings file.

    `approvers` and `approver_groups` left as None mean "the same as the managers"
    (filled in at construction, so they are always sets afterwards); naming either
    one makes approval its own list.
    """

    managers: frozenset[str] = frozenset()
    manager_groups: frozenset[str] = frozenset()
    approvers: frozenset[str] | None = None
    approver_groups: frozenset[str] | None = None
    schedules_added_by: Literal["everyone", "managers"] = "everyone"
    # "reviewed": a quote added in Slack waits until an approver accepts it; "open": it
    # joins the collection at once.
    adding: Literal["open", "reviewed"] = "reviewed"

    def __post_init__(self) -> None:
        if self.schedules_added_by not in ("everyone", "managers"):
            raise ValueError(
                f"schedules_added_by must be everyone or managers, got {self.schedules_added_by!r}"
            )
        if self.adding not in ("open", "reviewed"):
            raise ValueError(f"adding must be open or reviewed, got {self.adding!r}")
        if self.approvers is None and self.approver_groups is None:
            object.__setattr__(self, "approvers", self.managers)
            object.__setattr__(self, "approver_groups", self.manager_groups)
        else:
            object.__setattr__(self, "approvers", self.approvers or frozenset())
            object.__setattr__(self, "approver_groups", self.approver_groups or frozenset())

    def groups(self) -> frozenset[str]:
        """Every user group the policy names: the ones the directory must look into."""
        return self.manager_groups | (self.approver_groups or frozenset())

    def names_anyone(self, role: Role) -> bool:
        """Whether the settings name people or groups for `role` (it shapes the wording)."""
        if role is Role.APPROVE_QUOTES:
            return bool(self.approvers or self.approver_groups)
        return bool(self.managers or self.manager_groups)


@dataclass(frozen=True, slots=True)
class Decision:
    """Allowed or not; when not, `reason` is the line to show the person.

    `reason` is mrkdwn, already escaped (names from Slack included): send it as is.
    """

    allowed: bool
    reason: str = ""


ALLOWED = Decision(True)


def has_role(person: Person, role: Role, policy: Policy) -> bool:
    """Workspace admins and owners hold every role; others only when the settings name them."""
    if person.is_admin or person.is_owner:
        return True
    if role is Role.MANAGE_SCHEDULES:
        return person.user_id in policy.managers or person.in_manager_group
    if role is Role.APPROVE_QUOTES:
        return person.user_id in (policy.approvers or ()) or person.in_approver_group
    raise ValueError(f"unknown role {role!r}")


def holders(role: Role, policy: Policy) -> str:
    """Who holds `role`, in words: "workspace admins and the people named in …"."""
    if policy.names_anyone(role):
        return "workspace admins and the people named in quotebot's settings"
    return "workspace admins"


def _one_holder(role: Role, policy: Policy) -> str:
    if policy.names_anyone(role):
        return "a workspace admin or someone named in quotebot's settings"
    return "a workspace admin"


def may_add_schedule(person: Person, policy: Policy) -> Decision:
    """Anyone may add a schedule in a channel, unless the settings keep it to managers."""
    if policy.schedules_added_by == "everyone" or has_role(person, Role.MANAGE_SCHEDULES, policy):
        return ALLOWED
    return Decision(
        False,
        f"Only {holders(Role.MANAGE_SCHEDULES, policy)} can add quote-of-the-day schedules.",
    )


def may_change_schedule(
    person: Person,
    *,
    origin: str,
    created_by: str | None,
    policy: Policy,
    creator_name: str | None = None,
) -> Decision:
    """Change or stop one schedule: its creator or a manager; the settings file's, managers.

    A schedule from the settings file is the operator's baseline, so a channel member
    cannot switch it off. `created_by` is the Slack user ID stored with a schedule made
    in Slack (None for rows from before it was recorded: then only managers);
    `creator_name` is that person's name for the refusal, never a mention.
    """
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}, got {origin!r}")
    if has_role(person, Role.MANAGE_SCHEDULES, policy):
        return ALLOWED
    if origin == "config":
        return Decision(
            False,
            f"Only {holders(Role.MANAGE_SCHEDULES, policy)} can change the schedules "
            "from the settings file.",
        )
    if created_by is not None and person.user_id == created_by:
        return ALLOWED
    if created_by is None:
        return Decision(
            False, f"Only {holders(Role.MANAGE_SCHEDULES, policy)} can change this schedule."
        )
    creator = escape(creator_name.strip()) if creator_name and creator_name.strip() else ""
    return Decision(
        False,
        f"Only {creator or 'the person who set it'} or "
        f"{_one_holder(Role.MANAGE_SCHEDULES, policy)} can change this schedule.",
    )


CAPPED = Decision(
    False,
    f"This channel already has {CHANNEL_CAP} schedules: remove one first (`/quote daily off ID`).",
)


def may_add_in_channel(count: int) -> Decision:
    """At most CHANNEL_CAP schedules in one channel, for everyone: a cap on mistakes and spam."""
    return ALLOWED if count < CHANNEL_CAP else CAPPED


def reinstall_line(
    missing: Iterable[str] = (USERS_SCOPE,), *, install_url: str | None = None
) -> str:
    """The line asking for a reinstall when the token lacks the directory's scopes.

    Scopes added to the manifest reach a workspace only when it reinstalls the app;
    until then quotebot cannot see who the admins are, and says so instead of
    refusing without a reason. `install_url`: the install page in many-workspace mode
    (`https://HOST/slack/install`); without it, the app's page on api.slack.com.
    """
    scopes = sorted(set(missing) or {USERS_SCOPE}, key=lambda s: (s != USERS_SCOPE, s))
    purposes = []
    if USERS_SCOPE in scopes:
        purposes.append("who the admins are")
    if USERGROUPS_SCOPE in scopes:
        purposes.append("who is in the user groups named in its settings")
    noun = "scope" if len(scopes) == 1 else "scopes"
    why = " and ".join(purposes) or "who may do this"
    where = escape(install_url) if install_url else DEFAULT_INSTALL_HINT
    return (
        f"quotebot needs the {' and '.join(scopes)} {noun} to know {why}: "
        f"ask an admin to reinstall it from {where}."
    )


# ----- the quote book ----------------------------------------------------------------------


def needs_review(person: Person, policy: Policy) -> bool:
    """Whether a quote this person adds waits for an approver (an approver's never does)."""
    return policy.adding == "reviewed" and not has_role(person, Role.APPROVE_QUOTES, policy)


def may_approve(person: Person, policy: Policy) -> Decision:
    """Approve or reject quotes waiting for review, and hide quotes from files."""
    if has_role(person, Role.APPROVE_QUOTES, policy):
        return ALLOWED
    return Decision(False, f"Only {holders(Role.APPROVE_QUOTES, policy)} can approve quotes.")


def may_decide_report(person: Person, policy: Policy) -> Decision:
    """Apply or dismiss someone's report of a problem with a quote (anyone may report)."""
    if has_role(person, Role.APPROVE_QUOTES, policy):
        return ALLOWED
    return Decision(
        False, f"Only {holders(Role.APPROVE_QUOTES, policy)} can apply or dismiss a report."
    )


def may_hide(person: Person, policy: Policy) -> Decision:
    """Hide a quote from the files in Slack: the files are the operator's, so approvers."""
    if has_role(person, Role.APPROVE_QUOTES, policy):
        return ALLOWED
    return Decision(
        False,
        f"Only {holders(Role.APPROVE_QUOTES, policy)} can hide a quote from the files; "
        "to change it, change its file.",
    )


def may_change_quote(
    person: Person,
    *,
    added_by: str,
    speaker_user: str | None,
    policy: Policy,
    adder_name: str | None = None,
) -> Decision:
    """Edit or remove a quote added in Slack: who added it, who is quoted, or an approver."""
    if person.user_id in (added_by, speaker_user) or has_role(person, Role.APPROVE_QUOTES, policy):
        return ALLOWED
    adder = escape(adder_name.strip()) if adder_name and adder_name.strip() else ""
    return Decision(
        False,
        f"Only {adder or 'the person who added it'}, the person quoted or "
        f"{_one_holder(Role.APPROVE_QUOTES, policy)} can change this quote.",
    )
