"""`managers`, `approvers` and `schedules_added_by` in the settings file, into a Policy."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
import yaml

from bot.roles import Policy
from bot.settings import SettingsError, load_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty folder, so the default `config/quotebot.yaml` is not the repo's."""
    monkeypatch.chdir(tmp_path)


def policy_of(tmp_path: Path, text: str) -> Policy:
    path = tmp_path / "quotebot.yaml"
    path.write_text(dedent(text), encoding="utf-8")
    return load_settings({"QUOTEBOT_CONFIG": str(path)}).policy


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(SettingsError) as caught:
        policy_of(tmp_path, text)
    return str(caught.value)


def test_nothing_set_names_nobody_and_lets_everyone_add() -> None:
    policy = load_settings({}).policy
    assert policy == Policy()
    assert (policy.managers, policy.manager_groups) == (frozenset(), frozenset())
    assert (policy.approvers, policy.approver_groups) == (frozenset(), frozenset())
    assert policy.schedules_added_by == "everyone"


def test_managers_split_into_users_and_groups(tmp_path: Path) -> None:
    policy = policy_of(
        tmp_path,
        """
        managers:
          - U0123ABCD
          - " W0GRID99 "
          - S0TEAMLEADS
        schedules_added_by: managers
        """,
    )
    assert policy.managers == {"U0123ABCD", "W0GRID99"}
    assert policy.manager_groups == {"S0TEAMLEADS"}
    assert policy.schedules_added_by == "managers"


def test_approvers_default_to_the_managers(tmp_path: Path) -> None:
    policy = policy_of(tmp_path, "managers: [U0123ABCD, S0TEAMLEADS]\n")
    assert policy.approvers == {"U0123ABCD"}
    assert policy.approver_groups == {"S0TEAMLEADS"}


def test_approvers_of_their_own(tmp_path: Path) -> None:
    policy = policy_of(tmp_path, "managers: [U0123ABCD]\napprovers: [S0EDITORS]\n")
    assert policy.managers == {"U0123ABCD"}
    assert (policy.approvers, policy.approver_groups) == (frozenset(), {"S0EDITORS"})
    nobody = policy_of(tmp_path, "managers: [U0123ABCD]\napprovers: []\n")
    assert (nobody.approvers, nobody.approver_groups) == (frozenset(), frozenset())


def test_one_id_may_be_written_without_a_list(tmp_path: Path) -> None:
    assert policy_of(tmp_path, "managers: U0123ABCD\n").managers == {"U0123ABCD"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("managers: {a: 1}\n", "quotebot.yaml: managers must be a list of Slack user IDs"),
        ("managers: [U0123ABCD, '@ada']\n", "quotebot.yaml: managers[2] must be a Slack user ID"),
        ("managers: [u0123abcd]\n", "got 'u0123abcd'"),
        ("managers: [C0123ABCD]\n", "quotebot.yaml: managers[1] must be"),
        ("managers: [12345]\n", "got 12345"),
        ("approvers: [true]\n", "quotebot.yaml: approvers[1] must be a Slack user ID"),
        ("approvers: 7\n", "quotebot.yaml: approvers must be a list"),
        ("schedules_added_by: admins\n", "schedules_added_by must be everyone or managers"),
        ("schedules_added_by: [everyone]\n", "quotebot.yaml: schedules_added_by must be"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    message = error_for(tmp_path, text)
    assert expected in message, message
    assert message.startswith(str(tmp_path / "quotebot.yaml")), message


def test_the_error_says_where_to_find_an_id(tmp_path: Path) -> None:
    message = error_for(tmp_path, "managers: ['@ada']\n")
    assert "Copy member ID" in message, message
    assert "S0123ABCD" in message, message


def test_the_shipped_settings_file_documents_the_keys_with_their_defaults() -> None:
    text = (REPO / "config" / "quotebot.yaml").read_text(encoding="utf-8")
    shipped = yaml.safe_load(text)
    assert shipped["managers"] == []
    assert shipped["schedules_added_by"] == "everyone"
    assert "# approvers:" in text
    assert load_settings({"QUOTEBOT_CONFIG": str(REPO / "config" / "quotebot.yaml")}).policy == (
        Policy()
    )
