"""The App Home tab: what each viewer sees and may do, and Slack's limits whatever it holds.

Behaviour tests build `HomeData` by hand (an admin, a member, a settings-file schedule,
two time zones, 500 schedules, nothing at all). Property tests give `home_view` any
data: up to 600 schedules with hostile channel names, topics, zones and times, quotes
of hostile Markdown up to 50,000 characters with hostile speakers, 0 to 50 waiting for
review, and most-loved lists; every view must pass `tests.limits.check_message` and
slack-sdk's `View` validation, and hold no live markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.views import View

from bot.corpus import Quote
from bot.daily.schedule import Subscription, next_post
from bot.daily.schedules import StoredSubscription
from bot.ids import ALPHABET
from bot.render_home import (
    APPROVE,
    PAGE_SIZE,
    REJECT,
    SCHEDULE_ADD,
    SCHEDULE_EDIT,
    SCHEDULE_PAUSE,
    SCHEDULE_REMOVE,
    SCHEDULE_RESUME,
    SCHEDULES_PAGE,
    SHARE,
    HomeData,
    Loved,
    ScheduleRow,
    home_view,
)
from tests.limits import check_message
from tests.unit.test_render_limits import (
    BROKEN_ENTITY,
    LIVE,
    OWN_LINK,
    fields,
    huge,
    markdown_texts,
    quote_texts,
    quotes,
    small_texts,
)

NOW = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # a Monday; Europe is still on winter time
WINTER = datetime(2026, 1, 12, 6, 0, tzinfo=UTC)  # a Monday, both zones on winter time


def quote(quote_id: str = "7KQ2M", text: str = "Stay hungry.", speaker: str | None = "Ada",
          origin: str = "file") -> Quote:  # fmt: skip
    return Quote(quote_id, text, speaker, None, None, None, None, (), "q.md", 1, origin=origin)


def schedule(
    schedule_id: str = "K7Q2M", *, channel: str = "C1", name: str = "#general",
    time: str = "09:00", zone: str = "Europe/Berlin", days: str = "mon-fri",
    topics: tuple[str, ...] = (), origin: str = "slack", enabled: bool = True,
    may_change: bool = True, now: datetime = NOW,
) -> ScheduleRow:  # fmt: skip
    sub = Subscription(channel, time, zone, days, topics, id=schedule_id)
    stored = StoredSubscription(sub, origin, enabled, None if enabled else "paused", "U1")
    return ScheduleRow(stored, name, next_post(sub, now=now) if enabled else None, may_change)


def home(**changes: Any) -> HomeData:
    """A member's Home with a quote, one schedule, a small book and nothing loved."""
    data = HomeData(
        viewer_zone="Europe/Berlin", now=NOW, today=quote(), schedules=[schedule()],
        may_add_schedule=False, book_counts={"file": 4008, "slack": 12}, recent=[],
        pending=[], pending_seq={}, is_approver=False, loved_month=[], loved_all=[],
    )  # fmt: skip
    return replace(data, **changes)


# ----- what the tests look at ---------------------------------------------------------------


def nodes(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from nodes(item)


def strings(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, string) of every string in the view, with the key that holds it."""
    if isinstance(node, str):
        yield key, node
    elif isinstance(node, Mapping):
        for name, value in node.items():
            yield from strings(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item, key)


def mrkdwn(view: Mapping[str, Any]) -> list[str]:
    return [n["text"] for n in nodes(view["blocks"]) if n.get("type") == "mrkdwn"]


def shown(view: Mapping[str, Any]) -> str:
    return "\n".join(mrkdwn(view))


def elements(view: Mapping[str, Any], action_id: str) -> list[Mapping[str, Any]]:
    return [n for n in nodes(view["blocks"]) if n.get("action_id") == action_id]


def values(view: Mapping[str, Any], action_id: str) -> list[str]:
    return [element["value"] for element in elements(view, action_id)]


def action_ids(view: Mapping[str, Any]) -> set[str]:
    return {n["action_id"] for n in nodes(view["blocks"]) if "action_id" in n}


def schedule_lines(view: Mapping[str, Any]) -> list[str]:
    """One line a schedule: in the schedules' part of the view (from its header to the next
    divider), the only texts that start with a code span (its ID)."""
    blocks = list(view["blocks"])
    start = next(
        n for n, b in enumerate(blocks)
        if b["type"] == "header" and b["text"]["text"] == "Quote of the day schedules"
    )  # fmt: skip
    end = next((n for n in range(start, len(blocks)) if blocks[n]["type"] == "divider"), None)
    part = blocks[start:end]
    texts = [n["text"] for n in nodes(part) if n.get("type") == "mrkdwn"]
    return [text for text in texts if text.startswith("`")]


def check(view: Mapping[str, Any]) -> None:
    """Within every limit: ours (tests.limits), slack-sdk's, and Slack's uniqueness rules."""
    check_message(view, "home")
    View(**view).validate_json()
    block_ids = [block["block_id"] for block in view["blocks"] if "block_id" in block]
    assert len(block_ids) == len(set(block_ids)), f"block_ids repeat: {block_ids}"
    for block in view["blocks"]:
        inside = [n["action_id"] for n in nodes(block) if "action_id" in n]
        assert len(inside) == len(set(inside)), f"action_ids repeat in a block: {inside}"
    assert not any(block["type"] == "markdown" for block in view["blocks"]), "Home has none"


def assert_escaped(view: Mapping[str, Any]) -> None:
    """No live markup anywhere, and every <, > and & in mrkdwn is the bot's own.

    Allowed: links the bot built (web URL and label escaped) and the `>` that starts a
    quote line. The Home tab mentions nobody, so no `<@…>` or `<!…>` in any text at all,
    plain_text included; only buttons' values and block_ids carry IDs as they are.
    """
    for key, text in strings(view):
        if key not in ("value", "block_id"):  # what the listener reads back, never shown
            for live in (*LIVE, "<@", "<!"):
                assert live not in text, f"live {live!r} in {key}: {text[:300]!r}"
    for text in mrkdwn(view):
        rest = OWN_LINK.sub("", text)
        rest = "\n".join(line.removeprefix(">") for line in rest.split("\n"))
        assert "<" not in rest and ">" not in rest, f"unescaped markup in {text[:300]!r}"
        assert not BROKEN_ENTITY.search(text), f"a raw & or a cut entity in {text[:300]!r}"


# ----- who sees what ------------------------------------------------------------------------


def test_an_admins_view_holds_every_control() -> None:
    pending = [quote("P3ND1", "Make it work.", "Kent Beck", "slack")]
    data = home(
        schedules=[
            schedule("CFG01", origin="config"),
            schedule("K7Q2M", enabled=False, channel="C2", name="#random"),
        ],
        may_add_schedule=True, pending=pending, pending_seq={"P3ND1": 3}, is_approver=True,
        recent=[quote("R3C3N")], loved_month=[Loved(quote(), 2)], loved_all=[Loved(quote(), 5)],
    )  # fmt: skip
    view = home_view(data)

    check(view)
    assert view["type"] == "home"
    assert action_ids(view) == {
        SHARE, SCHEDULE_EDIT, SCHEDULE_PAUSE, SCHEDULE_RESUME, SCHEDULE_REMOVE, SCHEDULE_ADD,
        APPROVE, REJECT,
    }  # fmt: skip
    assert values(view, SCHEDULE_EDIT) == ["CFG01", "K7Q2M"]
    assert values(view, SCHEDULE_PAUSE) == ["CFG01"]
    assert values(view, SCHEDULE_RESUME) == ["K7Q2M"]
    assert values(view, SCHEDULE_REMOVE) == ["K7Q2M"]
    (remove,) = elements(view, SCHEDULE_REMOVE)
    assert remove["confirm"]["confirm"]["text"] == "Remove" and remove["style"] == "danger"
    assert values(view, APPROVE) == values(view, REJECT) == ["P3ND1:3"]
    assert "*Waiting for review* (1)" in shown(view)
    assert "*#general*" in shown(view) and "*#random*" in shown(view)


def test_a_members_view_has_no_controls_they_may_not_use_and_no_pending_quotes() -> None:
    pending = [quote("P3ND1", "Make it work.")]
    data = home(
        schedules=[schedule("MINE1"), schedule("THEI2", may_change=False)],
        pending=pending, pending_seq={"P3ND1": 1}, is_approver=False,
    )  # fmt: skip
    view = home_view(data)

    check(view)
    assert values(view, SCHEDULE_EDIT) == values(view, SCHEDULE_REMOVE) == ["MINE1"]
    assert values(view, SCHEDULE_PAUSE) == ["MINE1"]
    assert {APPROVE, REJECT, SCHEDULE_ADD} & action_ids(view) == set()
    assert "review" not in shown(view) and "Make it work" not in shown(view)
    assert len(schedule_lines(view)) == 2, "a schedule one may not change is still listed"


def test_a_settings_file_schedule_can_be_paused_and_resumed_but_never_removed() -> None:
    on, off = schedule("CFG01", origin="config"), schedule("CFG02", origin="config", enabled=False)
    view = home_view(home(schedules=[on, off]))

    check(view)
    assert values(view, SCHEDULE_PAUSE) == ["CFG01"]
    assert values(view, SCHEDULE_RESUME) == ["CFG02"]
    assert elements(view, SCHEDULE_REMOVE) == []
    lines = schedule_lines(view)
    assert all("from the settings file: can be paused, not removed" in line for line in lines)


def test_an_approver_with_nothing_to_review_is_told_so() -> None:
    view = home_view(home(is_approver=True))

    check(view)
    assert "Nothing waits for review." in shown(view)


def test_approvers_are_told_how_many_reports_wait_and_where_to_decide_them() -> None:
    approver = home_view(home(is_approver=True, open_reports=3))
    member = home_view(home(is_approver=False, open_reports=3))

    check(approver)
    assert "3 reports of a problem with a quote wait for an approver" in shown(approver)
    assert "`/quote review`" in shown(approver)
    assert "report" not in shown(member)


def test_many_pending_quotes_show_five_with_their_versions_and_point_at_the_rest() -> None:
    pending = [quote(f"P{n:04d}", f"Quote number {n}.") for n in range(7)]
    seqs = {q.id: n + 10 for n, q in enumerate(pending)}
    view = home_view(home(is_approver=True, pending=pending, pending_seq=seqs))

    check(view)
    assert values(view, APPROVE) == [f"P{n:04d}:{n + 10}" for n in range(5)]
    assert "*Waiting for review* (7)" in shown(view)
    assert "…and 2 more: `/quote review`" in shown(view)


def test_a_pending_quote_without_its_version_gets_no_buttons() -> None:
    view = home_view(home(is_approver=True, pending=[quote("P3ND1")], pending_seq={}))

    assert elements(view, APPROVE) == [] and "#P3ND1" in shown(view)


# ----- the quote for today ------------------------------------------------------------------


def test_todays_quote_is_shown_with_its_attribution_and_a_share_menu() -> None:
    today = Quote("7KQ2M", "Ship **it**, <!here> & then rest.", "Grace <Hopper>", "Talk",
                  "https://example.com/t", "Work", None, (), "q.md", 1)  # fmt: skip
    view = home_view(home(today=today))

    check(view)
    assert_escaped(view)
    assert view["blocks"][0]["text"]["text"] == "Your quote for today"
    assert "> Ship *it*, &lt;!here&gt; &amp; then rest." in shown(view)
    assert "— *Grace &lt;Hopper&gt;*, <https://example.com/t|Talk> · Work · #7KQ2M" in shown(view)
    (share,) = elements(view, SHARE)
    assert share["type"] == "conversations_select"
    assert share["filter"] == {"include": ["public", "private"], "exclude_bot_users": True}
    (block,) = [b for b in view["blocks"] if b.get("block_id", "").startswith(SHARE)]
    assert block["block_id"] == "home_share:7KQ2M"


def test_a_long_quote_for_today_shows_its_start_and_counts_the_rest() -> None:
    text = " ".join(f"word{n}" for n in range(20_000))
    view = home_view(home(today=quote(text=text)))

    check(view)
    assert "> word0 word1 word2" in shown(view)
    assert re.search(r"…and [\d,]+ more words", shown(view))
    quote_blocks = [b for b in view["blocks"][:8] if b["type"] == "section"]
    assert len(quote_blocks) <= 3


# ----- schedules ----------------------------------------------------------------------------


def test_a_schedule_shows_its_time_in_its_zone_and_the_viewers() -> None:
    berlin = schedule(zone="Europe/Berlin", now=WINTER)
    view = home_view(home(viewer_zone="America/New_York", now=WINTER, schedules=[berlin]))

    (line,) = schedule_lines(view)
    assert line.startswith("`K7Q2M` *09:00* Europe/Berlin (03:00 your time) · mon-fri · ")
    assert "next Mon 12 Jan" in line


def test_the_viewers_time_follows_daylight_saving_at_the_next_post() -> None:
    # America moved its clocks on 8 March, Europe waits until the 29th: 09:00 in Berlin
    # is 04:00 in New York for those three weeks.
    view = home_view(home(viewer_zone="America/New_York", schedules=[schedule()]))

    (line,) = schedule_lines(view)
    assert "*09:00* Europe/Berlin (04:00 your time)" in line
    assert "next Tue 10 Mar" in line


def test_a_schedule_in_the_viewers_zone_or_clock_shows_one_time() -> None:
    same = schedule("SAME1", zone="Europe/Berlin")
    twin = schedule("TWIN1", zone="Europe/Paris")  # another name, the same clock
    view = home_view(home(viewer_zone="Europe/Berlin", schedules=[same, twin]))

    assert not any("your time" in line for line in schedule_lines(view))


def test_a_time_on_another_day_for_the_viewer_says_so() -> None:
    tokyo = schedule(zone="Asia/Tokyo", time="08:00", now=WINTER)
    view = home_view(home(viewer_zone="America/Los_Angeles", now=WINTER, schedules=[tokyo]))

    (line,) = schedule_lines(view)
    assert "*08:00* Asia/Tokyo (15:00 your time, the day before)" in line
    # The zones farthest apart, 25 hours: a late post lands two days on.
    samoa = schedule(zone="Pacific/Pago_Pago", time="23:30", now=WINTER)
    view = home_view(home(viewer_zone="Pacific/Kiritimati", now=WINTER, schedules=[samoa]))
    (line,) = schedule_lines(view)
    assert "*23:30* Pacific/Pago_Pago (00:30 your time, 2 days after)" in line


def test_an_unknown_viewer_zone_falls_back_to_utc() -> None:
    view = home_view(home(viewer_zone="Mars/Olympus_Mons", now=WINTER,
                          schedules=[schedule(now=WINTER)]))  # fmt: skip

    (line,) = schedule_lines(view)
    assert "*09:00* Europe/Berlin (08:00 your time)" in line


def test_a_paused_schedule_says_so_and_still_shows_the_viewers_time() -> None:
    paused = schedule(enabled=False, now=WINTER)
    view = home_view(home(viewer_zone="UTC", now=WINTER, schedules=[paused]))

    (line,) = schedule_lines(view)
    assert line.endswith("· mon-fri · *paused*"), line
    assert "(08:00 your time)" in line and "next" not in line


def test_a_schedule_with_a_zone_unknown_to_the_zone_database_is_shown_as_written() -> None:
    sub = Subscription("C1", "09:00", "Europe/Atlantis", "mon-fri", id="K7Q2M")
    row = ScheduleRow(StoredSubscription(sub, "slack", True, None, "U1"), "#general", None, True)
    view = home_view(home(schedules=[row]))

    check(view)
    (line,) = schedule_lines(view)
    assert line == "`K7Q2M` *09:00* Europe/Atlantis · mon-fri"


def test_schedules_are_grouped_by_channel() -> None:
    rows = [
        schedule("ENG01", channel="C1", name="#engineering"),
        schedule("ENG02", channel="C1", name="#engineering", time="16:00", topics=("AI",)),
        schedule("GEN01", channel="C2", name="#general"),
    ]
    view = home_view(home(schedules=rows))

    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    headings = [text for text in texts if text.startswith("*#")]
    assert headings == ["*#engineering*", "*#general*"]
    at = texts.index("*#engineering*")
    assert texts[at + 1].startswith("`ENG01`") and texts[at + 2].startswith("`ENG02`")
    assert "· on AI ·" in texts[at + 2]


def test_text_from_people_is_escaped_exactly_once() -> None:
    row = schedule(name="#a<b>&c", topics=("R&D <!channel>",), zone="Europe/Berlin")
    recent = quote("R3C3N", "Tom & Jerry <3", "Hanna & Barbera")
    view = home_view(home(schedules=[row], recent=[recent]))

    check(view)
    assert_escaped(view)
    assert "*#a&lt;b&gt;&amp;c*" in shown(view)
    assert "on R&amp;D &lt;!channel&gt;" in shown(view)
    assert "“Tom &amp; Jerry &lt;3” — Hanna &amp; Barbera · #R3C3N" in shown(view)
    assert "&amp;amp;" not in shown(view) and "&amp;lt;" not in shown(view)


def test_long_fields_are_cut_with_an_ellipsis() -> None:
    row = schedule(name="#" + "long" * 200, topics=("topic " * 100,))
    recent = quote("R3C3N", "many words " * 500, "Speaker " * 100)
    view = home_view(home(schedules=[row], recent=[recent]))

    check(view)
    heading = next(t for t in mrkdwn(view) if t.startswith("*#long"))
    assert heading.endswith("…*") and len(heading) < 100
    (line,) = schedule_lines(view)
    assert "on topic topic" in line and "…" in line and len(line) < 300
    (recently,) = [t for t in mrkdwn(view) if t.startswith("*Recently added*")]
    assert "“many words many" in recently and "…”" in recently and len(recently) < 300


def test_500_schedules_are_shown_a_page_at_a_time() -> None:
    rows = [
        schedule(f"S{n:04d}", channel=f"C{n:03d}", name=f"#channel-{n:03d}") for n in range(500)
    ]
    pages = {page: home_view(home(schedules=rows, schedule_page=page)) for page in (0, 1, 24)}

    first, second, last = pages[0], pages[1], pages[24]
    for view in pages.values():
        check(view)
        assert len(schedule_lines(view)) == PAGE_SIZE == 20
    assert "Showing 1–20 of 500" in shown(first)  # noqa: RUF001
    assert values(first, SCHEDULES_PAGE) == ["1"], "no Previous on the first page"
    assert "Showing 21–40 of 500" in shown(second)  # noqa: RUF001
    assert values(second, SCHEDULES_PAGE) == ["0", "2"]
    assert [e["text"]["text"] for e in elements(second, SCHEDULES_PAGE)] == ["Previous", "Next"]
    assert schedule_lines(second)[0].startswith("`S0020`")
    assert "Showing 481–500 of 500" in shown(last)  # noqa: RUF001
    assert values(last, SCHEDULES_PAGE) == ["23"], "no Next on the last page"


def test_a_page_out_of_range_shows_the_nearest_one() -> None:
    rows = [schedule(f"S{n:04d}") for n in range(45)]

    beyond = home_view(home(schedules=rows, schedule_page=99))
    before = home_view(home(schedules=rows, schedule_page=-1))
    assert "Showing 41–45 of 45" in shown(beyond)  # noqa: RUF001
    assert "Showing 1–20 of 45" in shown(before)  # noqa: RUF001


def test_one_page_of_schedules_needs_no_pager() -> None:
    rows = [schedule(f"S{n:04d}") for n in range(PAGE_SIZE)]
    view = home_view(home(schedules=rows, may_add_schedule=True))

    assert "Showing" not in shown(view) and elements(view, SCHEDULES_PAGE) == []
    assert values(view, SCHEDULE_ADD) == ["add"]


def test_the_fullest_view_stays_within_100_blocks() -> None:
    # Every schedule in its own channel with all its buttons, the longest quote for today
    # with a lead-in, five of everything, and more pending than are shown.
    rows = [schedule(f"S{n:04d}", channel=f"C{n:03d}", name=f"#c{n}") for n in range(600)]
    long = replace(quote(text="word " * 20_000), lead_in="Said once: " * 300)
    many = [quote(f"Q{n:04d}", "A quote " * 50) for n in range(50)]
    data = home(
        today=long, schedules=rows, schedule_page=3, may_add_schedule=True,
        recent=many[:5], pending=many, pending_seq={q.id: 1 for q in many}, is_approver=True,
        loved_month=[Loved(q, 10**6) for q in many[:5]],
        loved_all=[Loved(q, 10**6) for q in many[:5]], open_reports=10**6,
    )  # fmt: skip
    view = home_view(data)

    check(view)
    assert 85 <= len(view["blocks"]) <= 100, len(view["blocks"])


# ----- the quote book and most loved --------------------------------------------------------


def test_the_book_counts_quotes_by_origin() -> None:
    assert "*4,008* quotes from files, *12* saved in Slack" in shown(home_view(home()))
    only_slack = home_view(home(book_counts={"file": 0, "slack": 1}))
    assert "*1* quote saved in Slack" in shown(only_slack)


def test_recently_added_lists_five_one_line_each() -> None:
    recent = [quote(f"R{n:04d}", f"Line one of {n}\n\nline two.", f"Speaker {n}") for n in range(8)]
    view = home_view(home(recent=recent))

    (block,) = [t for t in mrkdwn(view) if t.startswith("*Recently added*")]
    lines = block.split("\n")[1:]
    assert lines[0] == "• “Line one of 0 line two.” — Speaker 0 · #R0000"
    assert len(lines) == 5


def test_most_loved_shows_this_month_and_all_time() -> None:
    loved = [Loved(quote("H0PR4", "A ship in port is safe.", "Grace Hopper"), 12)]
    view = home_view(home(loved_month=loved, loved_all=[*loved, Loved(quote(), 1)]))

    check(view)
    text = shown(view)
    assert "*This month*\n• ❤ 12 people · “A ship in port is safe.” — Grace Hopper · #H0PR4" in text
    assert "• ❤ 1 person · “Stay hungry.” — Ada · #7KQ2M" in text


def test_empty_states_say_what_to_do() -> None:
    data = home(today=None, schedules=[], book_counts={}, may_add_schedule=True)
    view = home_view(data)

    check(view)
    text = shown(view)
    assert "The collection is empty" in text
    assert "No quote of the day in your channels yet." in text
    assert "The book is empty" in text
    assert "No reactions yet: react to a quote the bot posts" in text
    assert elements(view, SHARE) == [] and values(view, SCHEDULE_ADD) == ["add"]
    member = home_view(replace(data, may_add_schedule=False))
    assert "`/quote daily` in a channel shows its schedules." in shown(member)


# ----- any data at all ----------------------------------------------------------------------


ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Pacific/Kiritimati",
         "Pacific/Pago_Pago", "Australia/Lord_Howe")  # fmt: skip
NOT_ZONES = ("", "Not/AZone", "../../etc/passwd", "Europe", "utc", "<!here>", "a\x00b", "zone.tab")
PROPERTIES = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def zones() -> st.SearchStrategy[str]:
    return st.sampled_from(ZONES) | st.sampled_from(NOT_ZONES) | small_texts()


def hostile(max_size: int = 5000) -> st.SearchStrategy[str]:
    return small_texts() | huge(small_texts(), max_size)


def instants() -> st.SearchStrategy[datetime]:
    return st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, ZoneInfo("Asia/Kathmandu"), ZoneInfo("America/Havana")]),
    )  # fmt: skip


@st.composite
def schedule_rows(draw: st.DrawFn) -> ScheduleRow:
    sub = Subscription(
        channel=draw(st.sampled_from(["C1", "C2", "C3"]) | small_texts()),
        time=draw(st.sampled_from(["09:00", "00:00", "23:59", "9:05"]) | small_texts()),
        timezone=draw(zones()),
        days=draw(st.sampled_from(["mon-fri", "sat,sun", "mon-sun"]) | small_texts()),
        topics=tuple(draw(st.lists(hostile(), max_size=7))),
        id=draw(st.text(alphabet=ALPHABET, min_size=5, max_size=5) | hostile(3000)),
    )
    stored = StoredSubscription(
        sub, origin=draw(st.sampled_from(["config", "slack"])), enabled=draw(st.booleans()),
        disabled_reason=None, created_by="U1",
    )  # fmt: skip
    name = draw(st.sampled_from(["#general", ""]) | hostile())
    return ScheduleRow(stored, name, draw(st.none() | instants()), draw(st.booleans()))


def repeated(items: Sequence[Any], count: int) -> list[Any]:
    """`count` items cycling through `items`: 600 schedules without 600 random draws."""
    return [items[n % len(items)] for n in range(count)] if items else []


@st.composite
def home_datas(draw: st.DrawFn) -> HomeData:
    markdown = markdown_texts(50_000).map(lambda text: text[0])
    texts = quote_texts(50_000) | markdown | huge(quote_texts(2000) | markdown, 50_000)
    # A few quotes, used over and over: parsing 50,000 characters of Markdown is slow.
    pool = draw(st.lists(quotes(text=texts), min_size=1, max_size=4))
    pool = [replace(q, speaker=draw(fields())) for q in pool]
    one = st.sampled_from(pool)
    rows = repeated(draw(st.lists(schedule_rows(), max_size=25)), draw(st.integers(0, 600)))
    pending = draw(st.lists(one, max_size=50))
    loved = st.lists(st.builds(Loved, one, st.integers(0, 10**6)), max_size=8)
    origins = st.sampled_from(["file", "slack"]) | hostile()
    counts = st.dictionaries(origins, st.integers(0, 10**7), max_size=5)
    return HomeData(
        viewer_zone=draw(zones()),
        now=draw(instants()).astimezone(UTC),
        today=draw(st.none() | one),
        schedules=rows,
        may_add_schedule=draw(st.booleans()),
        book_counts=draw(counts),
        recent=draw(st.lists(one, max_size=8)),
        pending=pending,
        pending_seq={q.id: draw(st.integers(0, 10**9)) for q in pending if draw(st.booleans())},
        is_approver=draw(st.booleans()),
        loved_month=draw(loved),
        loved_all=draw(loved),
        schedule_page=draw(st.integers(-3, 40)),
    )


@PROPERTIES
@given(data=home_datas())
def test_any_home_fits_slack_and_holds_no_live_markup(data: HomeData) -> None:
    view = home_view(data)

    check(view)
    assert_escaped(view)


@PROPERTIES
@given(data=home_datas())
def test_any_home_shows_the_page_of_schedules_asked_for_with_the_right_controls(
    data: HomeData,
) -> None:
    view = home_view(data)

    rows = data.schedules
    last = max(0, (len(rows) - 1) // PAGE_SIZE)
    page = min(max(data.schedule_page, 0), last)
    on_page = rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    assert len(schedule_lines(view)) == len(on_page)
    if len(rows) > PAGE_SIZE:
        assert f"of {len(rows):,}" in shown(view)
    assert values(view, SCHEDULES_PAGE) == [str(p) for p in (page - 1, page + 1) if 0 <= p <= last]
    changeable = [row for row in on_page if row.may_change]
    assert len(elements(view, SCHEDULE_EDIT)) == len(changeable)
    removable = [row for row in changeable if row.stored.origin == "slack"]
    assert len(elements(view, SCHEDULE_REMOVE)) == len(removable)
    assert bool(elements(view, SCHEDULE_ADD)) == data.may_add_schedule
    if not data.is_approver:
        assert not elements(view, APPROVE) and not elements(view, REJECT)
    assert bool(elements(view, SHARE)) == (data.today is not None)
