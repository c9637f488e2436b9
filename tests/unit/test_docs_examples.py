"""The examples in docs/ are what the code builds today, from example data defined once.

Each example file is regenerated here and compared with the one in the repository; when
they differ the test says which command refreshes it (`./scripts/docs-examples`).
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from slack_sdk.models.views import View

from bot.docs_examples import EXAMPLES, example_home_data, home_json, schedule_modal_json
from bot.render_schedule_form import read_metadata
from tests.limits import check_message

REPO = Path(__file__).resolve().parents[2]
HOME_VIEW = REPO / "docs" / "home-view.json"
SCHEDULE_MODAL = REPO / "docs" / "schedule-modal.json"
REFRESH = {  # how each example is written again
    HOME_VIEW: "./scripts/docs-examples "
    "(or: python -m bot.docs_examples home-view > docs/home-view.json)",
    SCHEDULE_MODAL: "./scripts/docs-examples "
    "(or: python -m bot.docs_examples schedule-modal > docs/schedule-modal.json)",
}


def drift(path: Path, expected: str) -> str:
    """What differs, briefly, and how to refresh it: a whole JSON file is too long to read."""
    actual = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = difflib.unified_diff(
        actual.splitlines(), expected.splitlines(), "in the repository", "built now", lineterm=""
    )
    return f"{path.relative_to(REPO)} is out of date; run {REFRESH[path]}\n" + "\n".join(
        list(lines)[:40]
    )


def test_the_home_view_example_is_what_home_view_builds() -> None:
    expected = home_json()
    assert HOME_VIEW.exists() and HOME_VIEW.read_text(encoding="utf-8") == expected, drift(
        HOME_VIEW, expected
    )


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_refresh_command_prints_its_example_and_the_script_writes_them_all(
    name: str,
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bot.docs_examples", name],
        cwd=REPO, capture_output=True, text=True, encoding="utf-8", check=False, timeout=60,
    )  # fmt: skip
    path = REPO / "docs" / f"{name}.json"
    assert run.returncode == 0, run.stderr
    assert run.stdout == EXAMPLES[name](), drift(path, run.stdout)
    script = REPO / "scripts" / "docs-examples"
    assert script.stat().st_mode & 0o111
    assert "for name in " + " ".join(sorted(EXAMPLES)) + "; do" in script.read_text()


def test_the_home_view_example_shows_what_the_docs_promise() -> None:
    data = example_home_data()
    view = json.loads(home_json())

    check_message(view, "home")
    View(**view).validate_json()
    assert view["type"] == "home"
    rows = data.schedules
    assert len(rows) == 3 and len({row.stored.subscription.channel for row in rows}) == 2
    assert [row.stored.origin for row in rows].count("config") == 1
    assert [row.stored.enabled for row in rows].count(False) == 1
    assert all(row.may_change for row in rows) and data.may_add_schedule and data.is_approver
    assert len(data.pending) == 1 and data.loved_month and data.loved_all


def test_the_schedule_modal_example_is_what_the_schedule_form_builds() -> None:
    expected = schedule_modal_json()
    assert SCHEDULE_MODAL.exists() and SCHEDULE_MODAL.read_text(encoding="utf-8") == expected, (
        drift(SCHEDULE_MODAL, expected)
    )


def test_the_schedule_modal_example_is_an_edit_with_topics_and_a_longest_quote() -> None:
    view = json.loads(schedule_modal_json())

    check_message(view, "modal")
    View(**view).validate_json()
    assert view["type"] == "modal" and view["submit"]["text"] == "Save"
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    assert "channel" not in blocks, "an edit keeps its channel"
    assert "`K7Q2M`" in view["blocks"][0]["text"]["text"]
    assert [o["value"] for o in blocks["topics"]["element"]["initial_options"]] == [
        "Robotics", "Future"
    ]  # fmt: skip
    assert blocks["max_length"]["element"]["initial_value"] == "280"
    assert blocks["repeat"]["element"]["type"] == "radio_buttons"
    assert read_metadata(view["private_metadata"])["id"] == "K7Q2M"
