"""Report a problem, over signed HTTP: anyone reports from the quote menu, approvers decide.

A real `quotebot serve` and the Slack stand-in: the form opens with the menu click's
trigger, is submitted as Slack submits it, the card reaches the approver by DM, and
Apply or Dismiss come back through the card's response_url.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.store import Store
from tests.e2e.test_quote_book import (
    APPROVER,
    ID,
    OTHER,
    check_view,
    dm_saying,
    fetch,
    open_bot,
    people,
    posted_to,
    review,
    reviewed_bot,
    save,
    saved_id,
)
from tests.harness import BotProcess, check_message, context_text, run_cli, visible_text
from tests.slack_standin import SlackStandIn

__all__ = ["open_bot", "people", "reviewed_bot"]  # the fixtures, shared with those tests


def report_form(bot: BotProcess, slack: SlackStandIn, shown: dict[str, Any], quote_id: str,
                *, user_id: str = OTHER) -> dict[str, Any]:  # fmt: skip
    """Choose Report a problem in the quote's menu; the form Slack opened."""
    earlier = {view["id"] for view in slack.views()}
    status, body = bot.choose(shown, "quote_menu", f"report:{quote_id}", user_id=user_id)
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    form = slack.wait_for_view(
        lambda v: v["id"] not in earlier and v.get("callback_id") == "report_form"
    )
    check_view(form)
    assert slack.view_user(form["id"]) == user_id
    return form


def file_quote(bot: BotProcess) -> tuple[dict[str, Any], str]:
    shown = fetch(bot, "robotics company")
    return shown, ID.search(context_text(shown)).group(1)


def report_on_a_file_quote(bot: BotProcess, slack: SlackStandIn, answers: dict[str, Any]) -> str:
    """Someone reports a problem with a quote from the files, as `answers` say; its ID."""
    shown, quote_id = file_quote(bot)
    send(bot, report_form(bot, slack, shown, quote_id), answers)
    return quote_id


def send(bot: BotProcess, form: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    status, body = bot.submit(form, answers)
    assert status == 200, f"{status} {body}\n{bot.log()}"
    return body


def test_a_wrong_speaker_reported_and_applied_shows_in_slack_and_is_listed_for_its_file(
    reviewed_bot: BotProcess, people: SlackStandIn, tmp_path: Path
) -> None:
    shown, quote_id = file_quote(reviewed_bot)
    form = report_form(reviewed_bot, people, shown, quote_id)
    reply = send(reviewed_bot, form, {"problem": "speaker", "speaker": "Grace Hopper",
                                      "note": "Said at a 1984 talk."})  # fmt: skip
    assert reply["response_action"] == "update", reply
    assert "Thanks" in visible_text(reply["view"])

    card = dm_saying(people, APPROVER, "reports a problem")
    check_message(card)
    said = visible_text(card)
    assert "Otto Other" in said and f"#{quote_id}" in said and "Grace Hopper" in said
    assert "Said at a 1984 talk." in said and "andrej-karpathy-no-priors-80.md" in said
    url = people.response_url("apply")
    reviewed_bot.click(card, "report_apply", user_id=APPROVER, response_url=url, ephemeral=False)
    [decided] = posted_to(people, "apply")
    assert decided.get("replace_original") is True
    assert "Applied" in visible_text(decided) and "Appy Prover" in visible_text(decided)

    assert "Grace Hopper" in context_text(fetch(reviewed_bot, f"#{quote_id}"))
    assert "is corrected" in visible_text(dm_saying(people, OTHER, f"#{quote_id}"))

    listed = run_cli("book", "corrections", env=reviewed_bot.env, cwd=reviewed_bot.cwd)
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if quote_id in x)
    assert "andrej-karpathy-no-priors-80.md:" in line and "→ “Grace Hopper”" in line
    assert "1 to fix in the files" in listed.stdout

    folder = tmp_path / "pages"
    exported = run_cli("export", "--format", "markdown", str(folder), env=reviewed_bot.env,
                       cwd=reviewed_bot.cwd)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    written = "\n".join(p.read_text(encoding="utf-8") for p in folder.rglob("*.md"))
    assert "Grace Hopper" in written


def test_a_report_applied_to_a_quote_saved_in_slack_edits_it_and_keeps_its_id(
    open_bot: BotProcess, people: SlackStandIn
) -> None:
    quote_id = saved_id(open_bot.submit(save(open_bot, people, "Measure twice, cut once."), {}))
    shown = fetch(open_bot, f"#{quote_id}")
    form = report_form(open_bot, people, shown, quote_id)
    send(open_bot, form, {"problem": "typo", "text": "Measure twice, cut once!",
                          "source": "A carpenter"})  # fmt: skip
    card = dm_saying(people, APPROVER, f"#{quote_id}")
    assert "Measure twice, cut once!" in visible_text(card), "the quote as it would be"
    url = people.response_url("apply-slack")
    open_bot.click(card, "report_apply", user_id=APPROVER, response_url=url, ephemeral=False)
    posted_to(people, "apply-slack")

    after = fetch(open_bot, f"#{quote_id}")
    assert "cut once!" in visible_text(after) and "A carpenter" in context_text(after)
    assert f"#{quote_id}" in context_text(after)


def test_a_report_that_changes_nothing_and_says_nothing_is_refused_on_the_note_field(
    reviewed_bot: BotProcess, people: SlackStandIn
) -> None:
    shown, quote_id = file_quote(reviewed_bot)
    form = report_form(reviewed_bot, people, shown, quote_id)
    reply = send(reviewed_bot, form, {"problem": "other"})
    assert reply["response_action"] == "errors", reply
    assert list(reply["errors"]) == ["note"]
    assert "say here what is wrong" in reply["errors"]["note"]


def test_only_an_approver_may_apply_and_a_dismissal_leaves_the_quote_and_is_told(
    reviewed_bot: BotProcess, people: SlackStandIn
) -> None:
    shown, quote_id = file_quote(reviewed_bot)
    before = context_text(fetch(reviewed_bot, f"#{quote_id}"))
    form = report_form(reviewed_bot, people, shown, quote_id)
    send(reviewed_bot, form, {"problem": "source", "source": "Somewhere Else Entirely"})
    card = dm_saying(people, APPROVER, "Somewhere Else Entirely")

    url = people.response_url("not-an-approver")
    reviewed_bot.click(card, "report_apply", user_id=OTHER, response_url=url)
    [refused] = posted_to(people, "not-an-approver")
    assert "can apply or dismiss a report" in visible_text(refused)
    assert refused.get("replace_original") is False, "the card stays for the approvers"

    url = people.response_url("dismiss")
    reviewed_bot.click(card, "report_dismiss", user_id=APPROVER, response_url=url,
                       ephemeral=False)  # fmt: skip
    [decided] = posted_to(people, "dismiss")
    assert "Dismissed" in visible_text(decided)
    assert context_text(fetch(reviewed_bot, f"#{quote_id}")) == before
    assert "left the quote as it is" in visible_text(
        dm_saying(people, OTHER, "left the quote as it is")
    )


def test_quote_review_shows_an_open_report_once_no_quote_waits(
    reviewed_bot: BotProcess, people: SlackStandIn
) -> None:
    report_on_a_file_quote(
        reviewed_bot, people, {"problem": "other", "note": "Is this from 2019 or 2020?"}
    )

    card = review(reviewed_bot, people, user_id=APPROVER)
    assert "reports a problem" in visible_text(card) and "2019 or 2020" in visible_text(card)
    url = people.response_url("review-dismiss")
    reviewed_bot.click(card, "report_dismiss", user_id=APPROVER, response_url=url,
                       ephemeral=False)  # fmt: skip
    assert "Dismissed" in visible_text(posted_to(people, "review-dismiss")[0])


def test_an_approvers_home_tab_counts_the_open_reports_and_a_members_does_not(
    reviewed_bot: BotProcess, people: SlackStandIn
) -> None:
    report_on_a_file_quote(
        reviewed_bot, people, {"problem": "other", "note": "Which podcast episode?"}
    )
    open_now = reviewed_bot_open_reports(reviewed_bot)

    for user in (APPROVER, OTHER):
        before = len(people.home_views(user))
        assert reviewed_bot.open_home(user)[0] == 200
        people.wait_for(
            lambda _calls, user=user, before=before: len(people.home_views(user)) > before
        )
    approver, member = (visible_text(people.home_views(u)[-1]) for u in (APPROVER, OTHER))
    noun = "report" if open_now == 1 else "reports"
    assert f"{open_now:,} {noun} of a problem" in approver and "/quote review" in approver
    assert "of a problem" not in member


def reviewed_bot_open_reports(bot: BotProcess) -> int:
    """How many reports are open in the bot's database (read as the CLI would)."""
    store = Store(bot.env["DATABASE_URL"])
    try:
        return store.reports.count_open("")
    finally:
        store.close()
