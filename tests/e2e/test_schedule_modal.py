"""The schedule form over signed HTTP: `/quote daily` → Add a schedule here → the modal → saved.

A real `quotebot serve` talks to the Slack stand-in: the button's trigger opens the
modal (views.open), users.info's `tz` fills in the zone (views.update), the zone menu
answers block_suggestion, and the submission goes through the same domain calls as
`/quote daily`. The person saving must be in the channel they chose (users.conversations),
unless it is the one they typed `/quote daily` in.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.harness import BOT_TOKEN, BotProcess, bot_environment, check_message, run_cli
from tests.limits import check_message as check_within_limits
from tests.slack_standin import DEFAULT_SCOPE, SlackStandIn

ALICE = "U0ALICE"
PUBLIC, SECRET, INVITED = "C0FORMS", "G0SECRET", "G0INVITED"
OTHERS = "C0OTHERS"  # public, the bot is in it, Alice is not
NOT_A_MEMBER = "You are not in that channel: join it first, or choose one you are in."
ID = re.compile(r"`([2-9A-HJ-NP-TV-Z]{5})`")


@pytest.fixture(scope="module")
def form_bot(
    tmp_path_factory: pytest.TempPathFactory, slack_server: SlackStandIn
) -> Iterator[BotProcess]:
    folder = tmp_path_factory.mktemp("schedule_form")
    (folder / "quotebot.yaml").write_text("timezone: UTC\ndaily: []\n", encoding="utf-8")
    with BotProcess(bot_environment(folder, slack_server), cwd=folder, slack=slack_server) as bot:
        yield bot


@pytest.fixture
def bot(form_bot: BotProcess, slack: SlackStandIn) -> BotProcess:
    assert form_bot.running, form_bot.log()
    slack.add_user(ALICE, "alice", tz="Europe/Berlin")
    slack.add_channel(PUBLIC, "forms", is_member=True)
    slack.add_channel(SECRET, "secret", is_private=True, is_member=False)
    slack.add_channel(INVITED, "invited", is_private=True, is_member=True)
    slack.add_channel(OTHERS, "others", is_member=True)
    for channel in (PUBLIC, SECRET, INVITED):
        slack.add_member(channel, ALICE)
    form_bot.mark_log()
    return form_bot


def daily(bot: BotProcess, text: str = "", *, channel: str = PUBLIC) -> dict[str, Any]:
    status, body = bot.command(f"daily {text}".strip(), user_id=ALICE, channel_id=channel)
    assert status == 200 and isinstance(body, dict), f"{status} {body}\n{bot.log()}"
    check_message(body)
    return body


def open_form(bot: BotProcess, slack: SlackStandIn, *, channel: str = PUBLIC) -> dict[str, Any]:
    """`/quote daily` in `channel`, then its button: the form, once filled in."""
    listed = daily(bot, channel=channel)
    earlier = {view["id"] for view in slack.views()}
    status, body = bot.click(listed, "schedule_form_open", user_id=ALICE, channel_id=channel)
    assert status == 200, f"{status} {body}\n{bot.log()}"
    view = slack.wait_for_view(lambda v: v["id"] not in earlier and v.get("submit") is not None)
    check_within_limits(view, "modal")
    return view


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def zone(name: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": name}, "value": name}


def test_the_button_opens_the_form_and_saving_adds_the_schedule(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    view = open_form(bot, slack)
    assert block(view, "channel")["element"]["initial_conversation"] == PUBLIC
    assert block(view, "zone")["element"]["initial_option"]["value"] == "Europe/Berlin"

    status, body = bot.submit(
        view, {"time": "07:45", "zone": zone("Asia/Tokyo"), "days": ["mon", "wed", "fri"]}
    )
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    listed = daily(bot)
    assert "07:45 Asia/Tokyo mon,wed,fri" in listed["text"], listed
    [schedule_id] = ID.findall(listed["text"])

    def confirmed() -> list[Any]:
        return [c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == ALICE]

    for _ in range(50):
        if confirmed():
            break
        time.sleep(0.1)
    [dm] = confirmed()
    assert "Quote of the day set" in dm.args["text"] and schedule_id in dm.args["text"]

    # The same again is not added twice: said on the channel field.
    again = open_form(bot, slack)
    status, body = bot.submit(
        again, {"time": "07:45", "zone": zone("Asia/Tokyo"), "days": ["mon", "wed", "fri"]}
    )
    assert status == 200 and body["response_action"] == "errors", body
    assert schedule_id in body["errors"]["channel"]


def test_a_bad_zone_and_a_bad_length_are_field_errors(bot: BotProcess, slack: SlackStandIn) -> None:
    before = daily(bot)["text"]
    view = open_form(bot, slack)
    status, body = bot.submit(view, {"zone": zone("Europe/Berlim"), "max_length": "5"})
    assert status == 200 and body["response_action"] == "errors", body
    assert "unknown time zone" in body["errors"]["zone"]
    assert "20 to 3,000" in body["errors"]["max_length"]
    assert daily(bot)["text"] == before, "nothing was added"


def test_a_private_channel_the_bot_is_not_in_is_refused_on_the_channel_field(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    view = open_form(bot, slack)
    status, body = bot.submit(view, {"channel": SECRET})
    assert status == 200 and body["response_action"] == "errors", body
    assert body["errors"] == {
        "channel": "Invite @quotebot to that channel first (/invite @quotebot)"
    }

    status, body = bot.submit(view, {"channel": INVITED, "max_length": "280"})
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    listed = daily(bot, channel=INVITED)
    assert "09:00 Europe/Berlin mon-fri, quotes up to 280 characters" in listed["text"], listed


def test_the_zone_menu_answers_what_is_typed(bot: BotProcess, slack: SlackStandIn) -> None:
    view = open_form(bot, slack)
    status, answer = bot.suggest("schedule_zone", "zone", "berl", view=view)
    assert status == 200, f"{status} {answer}\n{bot.log()}"
    assert answer["options"][0]["value"] == "Europe/Berlin"
    assert all("berl" in option["value"].casefold() for option in answer["options"])


def test_without_the_read_scopes_the_channel_is_not_checked_and_the_post_will_tell(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    """An install from before channels:read: conversations.info answers missing_scope."""
    view = open_form(bot, slack)
    older = [s for s in slack.scopes_of(BOT_TOKEN) if s not in ("channels:read", "groups:read")]
    slack.set_scopes(BOT_TOKEN, older)
    try:
        status, body = bot.submit(view, {"time": "06:15", "zone": zone("UTC")})
    finally:
        slack.set_scopes(BOT_TOKEN, DEFAULT_SCOPE)
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    assert [c.response.get("error") for c in slack.calls_to("conversations.info")] == [
        "missing_scope"
    ]
    assert "06:15 UTC mon-fri" in daily(bot)["text"]


def confirmations(slack: SlackStandIn) -> list[Any]:
    """The DMs to Alice confirming a saved schedule: sent last, after any Home publish."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = [c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == ALICE]
        if found:
            return found
        time.sleep(0.05)
    return []


def member_channel(slack: SlackStandIn, channel: str, name: str) -> str:
    """A public channel the bot and Alice are in, for one test's schedules alone."""
    slack.add_channel(channel, name, is_member=True)
    slack.add_member(channel, ALICE)
    return channel


@pytest.mark.parametrize(
    ("repeat", "typed", "days"),
    [("weekdays", "weekdays", "mon-fri"), ("every_day", "daily", "mon-sun")],
)
def test_a_days_shortcut_wins_over_the_ticks_and_saves_what_quote_daily_saves(
    bot: BotProcess, slack: SlackStandIn, repeat: str, typed: str, days: str
) -> None:
    channel = member_channel(slack, f"C0SHORT{repeat[:3].upper()}", f"shortcut-{repeat}")
    view = open_form(bot, slack, channel=channel)
    answers = {"time": "07:10", "zone": zone("Asia/Tokyo"), "repeat": repeat, "days": ["sat"]}
    status, body = bot.submit(view, answers)
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"

    listed = daily(bot, channel=channel)
    assert f"07:10 Asia/Tokyo {days} ·" in listed["text"], listed
    typed_again = daily(bot, f"07:10 Asia/Tokyo {typed}", channel=channel)
    assert "already has that schedule" in typed_again["text"], typed_again
    assert len(ID.findall(daily(bot, channel=channel)["text"])) == 1


def test_with_the_ticked_days_chosen_the_ticks_are_the_days(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    channel = member_channel(slack, "C0TICKED", "ticked")
    view = open_form(bot, slack, channel=channel)
    status, body = bot.submit(view, {"time": "07:20", "repeat": "ticked", "days": ["sat", "sun"]})
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    assert "07:20 Europe/Berlin sat,sun ·" in daily(bot, channel=channel)["text"]


def test_saved_from_quote_dailys_button_no_home_is_published_and_no_membership_looked_up(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    channel = member_channel(slack, "C0NOHOME", "no-home")
    view = open_form(bot, slack, channel=channel)
    status, body = bot.submit(view, {"time": "05:05"})
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    assert confirmations(slack), f"no confirmation\n{bot.log()}"
    assert slack.calls_to("views.publish") == [], "the form did not come from the Home tab"
    assert slack.calls_to("users.conversations") == [], "the typer is in the typed-in channel"


def test_a_channel_the_saver_is_not_in_is_refused_on_the_channel_field_until_they_join(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    slack.add_channel("C0LATER", "later", is_member=True)
    view = open_form(bot, slack)
    status, body = bot.submit(view, {"channel": "C0LATER", "time": "05:25"})
    assert status == 200 and body["response_action"] == "errors", body
    assert body["errors"] == {"channel": NOT_A_MEMBER}
    [lookup] = slack.calls_to("users.conversations")
    assert lookup.args["user"] == ALICE and lookup.args["types"] == "public_channel,private_channel"
    assert lookup.args["exclude_archived"] in ("1", "true", True)
    assert "No quote of the day here yet" in daily(bot, channel="C0LATER")["text"]

    slack.add_member("C0LATER", ALICE)
    status, body = bot.submit(view, {"channel": "C0LATER", "time": "05:25"})
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    assert "05:25 Europe/Berlin mon-fri" in daily(bot, channel="C0LATER")["text"]


def test_a_channel_on_the_savers_third_page_of_channels_is_found(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    for n in range(450):  # listed by ID: these come before C0ZLAST
        slack.add_channel(f"C0PAGE{n:03d}", f"page-{n}")
        slack.add_member(f"C0PAGE{n:03d}", ALICE)
    member_channel(slack, "C0ZLAST", "last")
    view = open_form(bot, slack)
    status, body = bot.submit(view, {"channel": "C0ZLAST", "time": "05:35"})
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    pages = slack.calls_to("users.conversations")
    assert len(pages) == 3 and [bool(c.args.get("cursor")) for c in pages] == [False, True, True]
    assert "05:35 Europe/Berlin mon-fri" in daily(bot, channel="C0ZLAST")["text"]


def test_without_the_read_scopes_a_channel_the_saver_is_not_in_is_not_blocked_and_it_is_logged(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    """An install from before channels:read: users.conversations answers missing_scope."""
    slack.add_channel("C0OLDINSTALL", "old-install", is_member=True)  # Alice is not in it
    view = open_form(bot, slack)
    older = [s for s in slack.scopes_of(BOT_TOKEN) if s not in ("channels:read", "groups:read")]
    slack.set_scopes(BOT_TOKEN, older)
    try:
        status, body = bot.submit(view, {"channel": "C0OLDINSTALL", "time": "06:45"})
    finally:
        slack.set_scopes(BOT_TOKEN, DEFAULT_SCOPE)
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"
    assert [c.response.get("error") for c in slack.calls_to("users.conversations")] == [
        "missing_scope"
    ]
    assert "answered missing_scope: membership not checked" in bot.log()
    assert "06:45 Europe/Berlin mon-fri" in daily(bot, channel="C0OLDINSTALL")["text"]


def next_weekday_at(hour: int, minute: int, second: int = 0) -> datetime:
    """That UTC time on the first Monday-to-Friday after today: after the schedule began."""
    day = datetime.now(UTC).replace(hour=hour, minute=minute, second=second, microsecond=0)
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_a_schedule_saved_in_the_form_posts_its_quote_of_the_day_at_its_time(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    """`quotebot daily run --now` is the scheduler's own code, with the clock set ahead."""
    channel = member_channel(slack, "C0POSTS", "posts")
    view = open_form(bot, slack, channel=channel)
    status, body = bot.submit(view, {"time": "08:30", "zone": zone("UTC"), "repeat": "weekdays"})
    assert (status, body) == (200, ""), f"{status} {body}\n{bot.log()}"

    def run_at(now: datetime) -> list[Any]:
        done = run_cli("daily", "run", "--now", now.isoformat(), env=bot.env, cwd=bot.cwd)
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
        return slack.messages(channel)

    assert run_at(next_weekday_at(8, 29)) == [], "not before its time"
    [posted] = run_at(next_weekday_at(8, 30, 30))
    assert posted["user"] == "UBOT" and posted["text"], posted
    assert posted["metadata"]["event_type"] == "quotebot_daily", "a quote of the day"
    assert len(run_at(next_weekday_at(8, 31))) == 1, "once"
