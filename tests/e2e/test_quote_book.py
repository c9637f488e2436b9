"""The quote book over signed HTTP: save a message as a quote, add, review, edit, remove, hide.

A real `quotebot serve` talks to the Slack stand-in: the shortcut's modal is opened
with the payload's trigger (views.open), filled in once users.info and
chat.getPermalink answered (views.update), and submitted as Slack submits it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import (
    CHANNEL_ID,
    USER_ID,
    BotProcess,
    bot_environment,
    check_message,
    context_text,
    run_cli,
    section_texts,
    visible_text,
)
from tests.limits import check_message as check_within_limits
from tests.slack_standin import SlackStandIn

AUTHOR, APPROVER, OTHER = "U0ADA", "U0APPROVER", "U0OTHER"
ID = re.compile(r"#([2-9A-Z]{4,12})")


def check_view(view: dict[str, Any]) -> None:
    """A modal Slack opens: every block valid, within a modal's limits."""
    check_within_limits(view, "modal")


def settings_file(folder: Path, adding: str) -> Path:
    path = folder / "quotebot.yaml"
    path.write_text(
        f"timezone: UTC\nadding: {adding}\napprovers: [{APPROVER}]\ndaily: []\n", encoding="utf-8"
    )
    return path


def start_bot(folder: Path, slack: SlackStandIn, adding: str) -> BotProcess:
    settings_file(folder, adding)
    return BotProcess(bot_environment(folder, slack), cwd=folder, slack=slack)


@pytest.fixture(scope="module")
def reviewed_bot(
    tmp_path_factory: pytest.TempPathFactory, slack_server: SlackStandIn
) -> Iterator[BotProcess]:
    with start_bot(tmp_path_factory.mktemp("reviewed"), slack_server, "reviewed") as process:
        yield process


@pytest.fixture(scope="module")
def open_bot(
    tmp_path_factory: pytest.TempPathFactory, slack_server: SlackStandIn
) -> Iterator[BotProcess]:
    with start_bot(tmp_path_factory.mktemp("open"), slack_server, "open") as process:
        yield process


@pytest.fixture
def people(slack: SlackStandIn) -> SlackStandIn:
    slack.add_user(AUTHOR, "ada", real_name="Ada Lovelace")
    slack.add_user("U0BOB", "bob", real_name="Bob Babbage")
    slack.add_user(USER_ID, "alice", real_name="Alice Saver")
    slack.add_user(APPROVER, "appy", real_name="Appy Prover")
    slack.add_user(OTHER, "otto", real_name="Otto Other")
    slack.add_channel(CHANNEL_ID, "general", is_member=True)
    return slack


def save(bot: BotProcess, slack: SlackStandIn, text: str, **fields: Any) -> dict[str, Any]:
    """Use Save as quote on a message by Ada; return the form once it is filled in."""
    channel = fields.pop("channel_id", CHANNEL_ID)
    message = slack.add_message(channel, text, user=AUTHOR)
    earlier = {view["id"] for view in slack.views()}
    status, body = bot.shortcut_on(message, channel_id=channel, **fields)
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    return slack.wait_for_view(
        lambda v: v["id"] not in earlier and (v.get("submit") is not None or _says(v, "too long"))
    )


def _says(view: dict[str, Any], words: str) -> bool:
    return words in visible_text(view)


def field(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def initial(view: dict[str, Any], block_id: str) -> str | None:
    return field(view, block_id)["element"].get("initial_value")


def saved_id(reply: tuple[int, Any]) -> str:
    status, body = reply
    assert status == 200 and body["response_action"] == "update", body
    check_view(body["view"])
    found = ID.search(visible_text(body["view"]))
    assert found, visible_text(body["view"])
    return found.group(1)


def posted_to(slack: SlackStandIn, name: str, count: int = 1) -> list[dict[str, Any]]:
    """Wait for `count` posts to the response_url called `name`; what was posted."""

    def posts() -> list[dict[str, Any]]:
        return [c.args for c in slack.calls_to("response_url") if c.args.get("name") == name]

    slack.wait_for(lambda _calls: len(posts()) >= count)
    return posts()


def review(bot: BotProcess, slack: SlackStandIn, *, user_id: str) -> dict[str, Any]:
    """`/quote review`: acknowledged at once, answered through the command's response_url."""
    name = f"review-{user_id}-{time.monotonic_ns()}"
    status, body = bot.command("review", user_id=user_id, response_url=slack.response_url(name))
    assert (status, body) == (200, ""), f"{status} {body}"
    [answer] = posted_to(slack, name)
    check_message(answer)
    return answer


def dm_saying(slack: SlackStandIn, user: str, words: str) -> dict[str, Any]:
    """Wait for the bot's DM to `user` that says `words` (the latest such); return it."""

    def found() -> list[dict[str, Any]]:
        return [m for m in slack.dm_messages(user) if words in visible_text(m)]

    slack.wait_for(lambda _calls: found())
    return found()[-1]


def fetch(bot: BotProcess, text: str, **fields: str) -> dict[str, Any]:
    status, body = bot.command(text, **fields)
    assert status == 200 and isinstance(body, dict), f"{status} {body}\n{bot.log()}"
    check_message(body)
    return body


def test_save_as_quote_fills_the_form_from_the_message_and_the_quote_is_found_at_once(
    open_bot: BotProcess, people: SlackStandIn
) -> None:
    form = save(open_bot, people, "*Ship* it _today_ <@U0BOB>, see <https://example.com|notes>")
    check_view(form)
    opened = people.calls_to("views.open")
    assert len(opened) == 1, "the modal is opened at once, then filled in"
    assert (
        initial(form, "text")
        == "**Ship** it *today* @Bob Babbage, see [notes](https://example.com)"
    )
    assert initial(form, "speaker") == "Ada Lovelace"
    assert initial(form, "source") == "#general"
    assert initial(
        form,
        "url",
    ).startswith("https://standin.slack.com/archives/C0GENERAL/p")

    quote_id = saved_id(open_bot.submit(form, {"topics": ["Robotics"]}))

    shown = fetch(open_bot, f"#{quote_id}")
    assert section_texts(shown) == [
        "> *Ship* it _today_ @Bob Babbage, see <https://example.com|notes>"
    ], "bold, italics and the link as Slack shows them"
    assert "Ada Lovelace" in context_text(shown) and f"#{quote_id}" in context_text(shown)
    assert "<@" not in "\n".join(section_texts(shown)) + context_text(shown), "nobody is pinged"
    assert f"#{quote_id}" in context_text(fetch(open_bot, "ship it today"))


def test_export_writes_the_saved_quotes_with_their_id_origin_and_who_added_them_when(
    open_bot: BotProcess, people: SlackStandIn
) -> None:
    quote_id = saved_id(open_bot.submit(save(open_bot, people, "Exported with care."), {}))
    done = run_cli("export", env=open_bot.env, cwd=open_bot.cwd)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    saved = next(r for r in records if r["id"] == quote_id)
    assert (saved["text"], saved["origin"], saved["added_by"]) == (
        "Exported with care.", "slack", USER_ID,
    )  # fmt: skip
    assert saved["speaker"] == "Ada Lovelace" and saved["added_at"].startswith("20")
    from_files = [r for r in records if r["origin"] == "file"]
    assert from_files and all(r["id"] and r["file"] and r["line"] for r in from_files)


def test_the_same_quote_twice_is_refused_on_its_field_naming_the_first(
    open_bot: BotProcess, people: SlackStandIn
) -> None:
    first = saved_id(open_bot.submit(save(open_bot, people, "Measure twice, cut once."), {}))
    again = save(open_bot, people, "measure TWICE cut once")
    status, body = open_bot.submit(again, {})
    assert status == 200 and body["response_action"] == "errors"
    assert body["errors"] == {"text": f"This quote is already in the collection: #{first}."}


def test_a_message_too_long_for_a_quote_is_refused_with_a_clear_line(
    open_bot: BotProcess, people: SlackStandIn
) -> None:
    view = save(open_bot, people, "word " * 800)
    check_view(view)
    assert "too long to save" in visible_text(view)
    assert "this one has 3,999" in visible_text(view)  # 800 words, less the last space
    assert "submit" not in view


def test_saving_from_a_private_channel_says_the_whole_workspace_will_see_it(
    open_bot: BotProcess, people: SlackStandIn
) -> None:
    people.add_channel("C0SECRET", "secret", is_private=True, is_member=True)
    form = save(open_bot, people, "Private words", channel_id="C0SECRET")
    assert "visible" in visible_text(form) or "seen by everyone" in visible_text(form)
    assert initial(form, "source") == "Slack", "a private channel's name is not shown"


def test_quote_add_opens_the_empty_form_and_errors_come_back_on_their_field(
    open_bot: BotProcess, people: SlackStandIn
) -> None:
    status, body = open_bot.command("add")
    assert (status, body) == (200, ""), body
    form = people.wait_for_view(lambda v: v.get("submit") is not None)
    assert initial(form, "text") is None
    status, body = open_bot.submit(
        form, {"text": "The best way out is always through.", "url": "not a link"}
    )
    assert body["response_action"] == "errors" and set(body["errors"]) == {"url"}

    quote_id = saved_id(
        open_bot.submit(
            form,
            {"text": "The best way out is always through.", "speaker": "Robert Frost",
             "source": "A Servant to Servants", "new_topics": "poems, grit"},
        )
    )  # fmt: skip
    shown = fetch(open_bot, f"#{quote_id.lower()}")
    assert "Robert Frost" in context_text(shown) and "A Servant to Servants" in context_text(shown)
    assert f"#{quote_id}" in context_text(fetch(open_bot, "grit"))


def test_the_person_who_added_a_quote_edits_it_and_it_keeps_its_id(
    open_bot: BotProcess, people: SlackStandIn
) -> None:
    quote_id = saved_id(open_bot.submit(save(open_bot, people, "Fast is fine."), {}))
    form = edit_form(open_bot, people, quote_id)
    check_view(form)
    assert initial(form, "text") == "Fast is fine." and initial(form, "speaker") == "Ada Lovelace"
    saved = open_bot.submit(form, {"text": "Fast is fine, but accuracy is everything."})
    assert saved_id(saved) == quote_id
    after = fetch(open_bot, f"#{quote_id}")
    assert "accuracy is everything" in "\n".join(section_texts(after))
    assert f"#{quote_id}" in context_text(fetch(open_bot, "accuracy is everything"))


def test_someone_else_cannot_edit_a_quote_and_is_told_who_can(
    open_bot: BotProcess, people: SlackStandIn
) -> None:
    quote_id = saved_id(open_bot.submit(save(open_bot, people, "Not yours to change."), {}))
    shown = fetch(open_bot, f"#{quote_id}")
    status, body = open_bot.choose(shown, "quote_menu", f"edit:{quote_id}", user_id=OTHER)
    assert (status, body) == (200, "")
    told = people.wait_for_view(lambda v: "Only" in visible_text(v))
    check_view(told)
    assert "Only Alice Saver, the person quoted or" in visible_text(told)
    assert "submit" not in told, "no form to fill in"
    assert people.view_user(told["id"]) == OTHER


def test_removing_a_quote_takes_it_out_of_the_collection(
    open_bot: BotProcess, people: SlackStandIn
) -> None:
    quote_id = saved_id(open_bot.submit(save(open_bot, people, "Here today."), {}))
    shown = fetch(open_bot, f"#{quote_id}")
    url = people.response_url("removed")
    open_bot.choose(shown, "quote_menu", f"remove:{quote_id}", response_url=url)
    posted_to(people, "removed")
    assert "No quote has the ID" in visible_text(fetch(open_bot, f"#{quote_id}"))


def test_a_reviewed_quote_waits_then_an_approver_approves_it_and_its_author_hears(
    reviewed_bot: BotProcess, people: SlackStandIn
) -> None:
    reply = reviewed_bot.submit(save(reviewed_bot, people, "Patience is a form of action."), {})
    quote_id = saved_id(reply)
    assert "once an approver" in visible_text(reply[1]["view"])
    assert "No quote has the ID" in visible_text(fetch(reviewed_bot, f"#{quote_id}"))

    card = dm_saying(people, APPROVER, "Patience is a form of action.")
    check_message(card)
    assert "Alice Saver" in visible_text(card) and "Patience" in visible_text(card)
    url = people.response_url("approve")
    reviewed_bot.click(card, "quote_approve", user_id=APPROVER, response_url=url, ephemeral=False)
    [decided] = posted_to(people, "approve")
    assert decided.get("replace_original") is True
    assert "Approved" in visible_text(decided) and "Appy Prover" in visible_text(decided)

    assert "was approved" in visible_text(dm_saying(people, USER_ID, f"#{quote_id}"))
    assert f"#{quote_id}" in context_text(fetch(reviewed_bot, f"#{quote_id}"))


def test_a_rejected_quote_never_joins_and_its_author_hears(
    reviewed_bot: BotProcess, people: SlackStandIn
) -> None:
    quote_id = saved_id(reviewed_bot.submit(save(reviewed_bot, people, "Spam, spam, spam."), {}))
    card = dm_saying(people, APPROVER, "Spam, spam, spam.")
    reviewed_bot.click(card, "quote_reject", user_id=APPROVER, ephemeral=False)
    assert "rejected" in visible_text(dm_saying(people, USER_ID, f"#{quote_id}"))
    assert "No quote has the ID" in visible_text(fetch(reviewed_bot, f"#{quote_id}"))


def test_only_an_approver_may_approve(reviewed_bot: BotProcess, people: SlackStandIn) -> None:
    quote_id = saved_id(reviewed_bot.submit(save(reviewed_bot, people, "Approve me."), {}))
    card = dm_saying(people, APPROVER, "Approve me.")
    url = people.response_url("not-approver")
    reviewed_bot.click(card, "quote_approve", user_id=OTHER, response_url=url, ephemeral=False)
    [told] = posted_to(people, "not-approver")
    assert "Only workspace admins and the people named in quotebot's settings can approve" in (
        visible_text(told)
    )
    assert "No quote has the ID" in visible_text(fetch(reviewed_bot, f"#{quote_id}"))
    body = review(reviewed_bot, people, user_id=APPROVER)
    assert "Approve me." in visible_text(body), "it still waits, and /quote review shows it"


def approved_quote(bot: BotProcess, slack: SlackStandIn, text: str) -> str:
    """Save `text` as Alice and have the approver approve it; its ID."""
    quote_id = saved_id(bot.submit(save(bot, slack, text), {}))
    bot.click(dm_saying(slack, APPROVER, text), "quote_approve", user_id=APPROVER, ephemeral=False)
    dm_saying(slack, USER_ID, f"#{quote_id}")  # approved: its author is told
    return quote_id


def edit_form(bot: BotProcess, slack: SlackStandIn, quote_id: str) -> dict[str, Any]:
    """Alice chooses Edit in the menu of the quote; the form, once filled in."""
    earlier = {view["id"] for view in slack.views()}
    status, body = bot.choose(fetch(bot, f"#{quote_id}"), "quote_menu", f"edit:{quote_id}")
    assert (status, body) == (200, "")
    return slack.wait_for_view(
        lambda v: v["id"] not in earlier and v["title"]["text"] == "Edit quote" and "submit" in v
    )


def propose(bot: BotProcess, slack: SlackStandIn, quote_id: str, text: str) -> dict[str, Any]:
    """Alice edits her approved quote to `text`; the form's answer."""
    status, answer = bot.submit(edit_form(bot, slack, quote_id), {"text": text})
    assert status == 200, answer
    return answer


def test_a_change_to_an_approved_quote_waits_for_review_and_the_quote_stays_meanwhile(
    reviewed_bot: BotProcess, people: SlackStandIn
) -> None:
    quote_id = approved_quote(reviewed_bot, people, "First draft of wisdom.")
    answer = propose(reviewed_bot, people, quote_id, "Second draft, sneakier.")
    assert "waits for an approver; until then the quote stays as it was" in (
        visible_text(answer["view"])
    )
    assert "First draft" in visible_text(fetch(reviewed_bot, f"#{quote_id}"))
    card = dm_saying(people, APPROVER, "Second draft, sneakier.")
    assert f"proposes a change to `#{quote_id}`" in visible_text(card)

    reviewed_bot.click(card, "quote_approve", user_id=APPROVER, ephemeral=False)
    assert "Your change" in visible_text(dm_saying(people, USER_ID, "Your change"))
    assert "Second draft" in visible_text(fetch(reviewed_bot, f"#{quote_id}"))


def test_a_rejected_change_leaves_the_quote_as_it_was(
    reviewed_bot: BotProcess, people: SlackStandIn
) -> None:
    quote_id = approved_quote(reviewed_bot, people, "Keep me as I am.")
    propose(reviewed_bot, people, quote_id, "Vandalised words.")
    card = dm_saying(people, APPROVER, "Vandalised words.")
    reviewed_bot.click(card, "quote_reject", user_id=APPROVER, ephemeral=False)
    told = dm_saying(people, USER_ID, "was not applied")
    assert "The quote stays as it was" in visible_text(told)
    shown = visible_text(fetch(reviewed_bot, f"#{quote_id}"))
    assert "Keep me as I am." in shown and "Vandalised" not in shown


def test_an_approval_of_a_version_changed_since_decides_nothing_and_shows_the_new_one(
    reviewed_bot: BotProcess, people: SlackStandIn
) -> None:
    quote_id = approved_quote(reviewed_bot, people, "Draft one.")
    propose(reviewed_bot, people, quote_id, "Draft two.")
    old_card = dm_saying(people, APPROVER, "Draft two.")
    propose(reviewed_bot, people, quote_id, "Draft three, better.")

    url = people.response_url("stale")
    reviewed_bot.click(old_card, "quote_approve", user_id=APPROVER, response_url=url,
                       ephemeral=False)  # fmt: skip
    posts = posted_to(people, "stale", 2)
    assert any("Draft three" in visible_text(p) and p.get("replace_original") for p in posts)
    assert "Draft one." in visible_text(fetch(reviewed_bot, f"#{quote_id}")), "nothing decided"


def test_only_approvers_see_the_quotes_waiting(
    reviewed_bot: BotProcess, people: SlackStandIn
) -> None:
    reviewed_bot.submit(save(reviewed_bot, people, "For approvers' eyes."), {})
    refused = visible_text(review(reviewed_bot, people, user_id=OTHER))
    assert "Only workspace admins" in refused and "eyes" not in refused


def test_an_approvers_own_quote_needs_no_review(
    reviewed_bot: BotProcess, people: SlackStandIn
) -> None:
    message = people.add_message(CHANNEL_ID, "Approvers trust themselves.", user=AUTHOR)
    reviewed_bot.shortcut_on(message, user_id=APPROVER)
    form = people.wait_for_view(lambda v: v.get("submit") is not None)
    quote_id = saved_id(reviewed_bot.submit(form, {}, user_id=APPROVER))
    assert f"#{quote_id}" in context_text(fetch(reviewed_bot, f"#{quote_id}"))


def test_an_approver_hides_a_file_quote_the_cli_lists_it_and_shows_it_again(
    reviewed_bot: BotProcess, people: SlackStandIn
) -> None:
    shown = fetch(reviewed_bot, "robotics company")
    quote_id = ID.search(context_text(shown)).group(1)
    url = people.response_url("hide")
    reviewed_bot.choose(shown, "quote_menu", f"hide:{quote_id}", user_id=APPROVER, response_url=url)
    posted_to(people, "hide")
    assert "No quote has the ID" in visible_text(fetch(reviewed_bot, f"#{quote_id}"))
    listed = run_cli("book", "hidden", env=reviewed_bot.env, cwd=reviewed_bot.cwd)
    assert listed.returncode == 0, listed.stderr
    assert quote_id in listed.stdout and "andrej-karpathy-no-priors-80.md:" in listed.stdout

    shown_again = run_cli("book", "show", quote_id, env=reviewed_bot.env, cwd=reviewed_bot.cwd)
    assert shown_again.returncode == 0 and "shown again" in shown_again.stdout, shown_again.stderr
    deadline = time.monotonic() + 5  # the bot reads the change at its next look (1 s)
    while "No quote has the ID" in visible_text(fetch(reviewed_bot, f"#{quote_id}")):
        assert time.monotonic() < deadline, "not shown again"
        time.sleep(0.1)


def test_quote_ids_shown_today_come_from_the_quote_text(
    open_bot: BotProcess, people: SlackStandIn, tmp_path: Path
) -> None:
    """A file's quote has the same ID on every machine: a fresh bot shows the same one."""
    shown = fetch(open_bot, "robotics company")
    quote_id = ID.search(context_text(shown)).group(1)
    with BotProcess(bot_environment(tmp_path, people), cwd=tmp_path, slack=people) as fresh:
        assert f"#{quote_id}" in context_text(fetch(fresh, f"#{quote_id}"))


ROBOTICS = "Tesla, I don't think it's a car company."


def cli_quote(env: dict[str, str], cwd: Path, *words: str) -> str:
    done = run_cli("quote", *words, env=env, cwd=cwd)
    return done.stdout + done.stderr


def test_a_page_carrying_its_ids_keeps_them_through_an_edit_even_on_an_empty_database(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    pages = tmp_path / "quotes"
    pages.mkdir()
    page = pages / "karpathy.md"
    page.write_text(
        (Path("bot/data/andrej-karpathy-no-priors-80.md")).read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    env = bot_environment(tmp_path, slack, QUOTEBOT_CORPUS=str(pages))
    quote_id = ID.search(cli_quote(env, tmp_path, "car company robotics")).group(1)

    # Without a marker, an edit of the text is a new quote with a new ID.
    page.write_text(page.read_text().replace(ROBOTICS, "Tesla is no car company."))
    assert "No quote has the ID" in cli_quote(env, tmp_path, f"#{quote_id}")
    page.write_text(page.read_text().replace("Tesla is no car company.", ROBOTICS))

    marked = run_cli("ids", str(pages), env=env, cwd=tmp_path)
    assert marked.returncode == 0 and "markers added" in marked.stdout, marked.stderr
    assert f"<!-- quote {quote_id} -->" in page.read_text()
    again = run_cli("ids", str(pages), env=env, cwd=tmp_path)
    assert "0 markers added" in again.stdout, "a second run adds nothing"

    page.write_text(page.read_text().replace(ROBOTICS, "Tesla is no car company."))
    assert "Tesla is no car company." in cli_quote(env, tmp_path, f"#{quote_id}")
    with BotProcess(env, cwd=tmp_path, slack=slack) as fresh:  # a new, empty database
        text = visible_text(fetch(fresh, f"#{quote_id}"))
        assert "Tesla is no car company." in text and f"#{quote_id}" in text


def test_a_quote_waiting_for_review_survives_a_restart(
    tmp_path: Path, people: SlackStandIn
) -> None:
    with start_bot(tmp_path, people, "reviewed") as before:
        quote_id = saved_id(before.submit(save(before, people, "Still here after a restart."), {}))
    with BotProcess(before.env, cwd=tmp_path, slack=people) as after:
        card = review(after, people, user_id=APPROVER)
        assert "Still here after a restart." in visible_text(card)
        url = people.response_url("after-restart")
        after.click(card, "quote_approve", user_id=APPROVER, response_url=url)
        posted_to(people, "after-restart")
        assert "Still here" in visible_text(fetch(after, f"#{quote_id}"))


def test_a_bots_message_saved_still_names_the_people_it_mentions(
    open_bot: BotProcess, people: SlackStandIn
) -> None:
    message = people.add_message(CHANNEL_ID, "<@U0BOB> ships it", user="UNOBODY")
    del message["user"]  # a bot's message: Slack sends bot_id and no user
    message["bot_id"] = "B0OTHER"
    earlier = {view["id"] for view in people.views()}
    open_bot.shortcut_on(message)
    form = people.wait_for_view(lambda v: v["id"] not in earlier and "submit" in v)
    assert initial(form, "text") == "@Bob Babbage ships it"
    assert initial(form, "speaker") is None, "nobody to name as the speaker"


def test_quote_review_shows_the_oldest_waiting_and_how_many_wait(
    tmp_path: Path, people: SlackStandIn
) -> None:
    with start_bot(tmp_path, people, "reviewed") as bot:
        bot.submit(save(bot, people, "The oldest one waiting."), {})
        bot.submit(save(bot, people, "A newer one waiting."), {})
        card = visible_text(review(bot, people, user_id=APPROVER))
        assert "2 wait for review; the oldest first." in card
        assert "The oldest one waiting." in card and "newer" not in card
