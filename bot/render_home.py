"""The App Home tab: the viewer's quote for today, the schedules, the quote book, most loved.

A pure function from what the Slack edge looked up (`HomeData`) to the view that
`views.publish` takes. Like `bot.render`, every string from a quote, a user or a
schedule is escaped once here (quote text through `from_markdown`, which escapes) and
cut to a size, so the view stays within Slack's limits whatever it holds: 100 blocks,
3,000 characters a section, 75 a button's text. Home views cannot hold the `markdown`
block, so text goes in sections and context blocks.

Worst case, block by block: the quote for today 7 (header, up to 4 of quote, its
attribution, the share menu), the schedules 3 + 3 a schedule (header, "Showing…",
the buttons under the list; a schedule's channel, its line, its buttons), the book 16
(header, counts, recently added, pending: a heading, 2 each for 5, "…and N more", the
reports' line), most loved 3, dividers 3. `PAGE_SIZE` schedules a page keeps that at
32 + 3 x 20 = 92.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.corpus import Quote
from bot.corpus.inline import escape_markdown
from bot.corpus.inline import plain as plain_words
from bot.daily.schedule import Subscription, parse_time
from bot.daily.schedules import StoredSubscription
from bot.loved import Loved
from bot.mrkdwn import escape, from_markdown, shorten
from bot.render import _attribution, _clip, _context, _quote_sections, _section, button

View = dict[str, Any]
Block = dict[str, Any]

# action_ids; the listeners match on these. Schedule buttons carry the schedule's ID.
SHARE = "home_share"  # a conversations_select; its block_id is "home_share:ID"
SCHEDULE_EDIT = "home_schedule_edit"
SCHEDULE_PAUSE = "home_schedule_pause"
SCHEDULE_RESUME = "home_schedule_resume"
SCHEDULE_REMOVE = "home_schedule_remove"
SCHEDULE_ADD = "home_schedule_add"
SCHEDULES_PAGE = "home_schedules_page"  # value: the page to show, counted from 0
APPROVE = "home_review_approve"  # value: "ID:seq", the version shown
REJECT = "home_review_reject"

PAGE_SIZE = 20  # schedules a page: see the block count above
LISTED = 5  # recently added, pending, and each most-loved list
TODAY_ROOM = 4000  # JSON characters of the quote for today: about a screen
TODAY_BLOCKS = 4  # a lead-in, two sections of quote, the "more words" note
LINE_SIZE = 80  # characters of a quote's start on a one-line mention
PENDING_SIZE = 280  # an approver reads a little more before deciding
NAME_SIZE = 80  # a speaker, a channel name (Slack's own are at most 80)
ID_SIZE = 20
ZONE_SIZE = 60  # the longest IANA name is 32
TIME_SIZE = 20
DAYS_SIZE = 70  # the longest useful list, every day by name, is 27
TOPIC_SIZE = 100
TOPICS_SHOWN = 5
BLOCK_ID_SIZE = 255
VALUE_SIZE = 2000
ORIGINS = {"file": "from files", "slack": "saved in Slack"}  # the book's counts, in order
ORIGINS_SHOWN = 6
# Zones lie up to 26 hours apart: a post can fall two days off on the viewer's calendar.
DAY_SHIFTS = {-2: ", 2 days before", -1: ", the day before", 1: ", the day after",
              2: ", 2 days after"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One schedule as the viewer sees it.

    `channel_name`: "#general" (the caller shows a private channel only to its members);
    `next_post`: aware, in the schedule's zone, None when paused; `may_change`: Edit and
    Pause or Resume, and Remove too when the schedule was made in Slack.
    """

    stored: StoredSubscription
    channel_name: str
    next_post: datetime | None
    may_change: bool


@dataclass(frozen=True, slots=True)
class HomeData:
    """Everything the Home tab shows one viewer, looked up at the Slack edge.

    `viewer_zone`: the viewer's IANA zone (users.info `tz`; unknown means UTC); `now`:
    aware UTC; `schedules`: sorted by channel name, then time; `book_counts`: quotes by
    origin; `recent`: newest first; `pending` (shown to approvers only) with
    `pending_seq`, each quote's version for the review buttons; `schedule_page`: which
    page of schedules, from 0; `open_reports`: reports of a problem waiting for an
    approver (shown to approvers only).
    """

    viewer_zone: str
    now: datetime
    today: Quote | None
    schedules: Sequence[ScheduleRow]
    may_add_schedule: bool
    book_counts: Mapping[str, int]
    recent: Sequence[Quote]
    pending: Sequence[Quote]
    pending_seq: Mapping[str, int]
    is_approver: bool
    loved_month: Sequence[Loved]
    loved_all: Sequence[Loved]
    schedule_page: int = 0
    open_reports: int = 0


def home_view(data: HomeData) -> View:
    """The viewer's Home tab, for `views.publish(user_id=…, view=…)`."""
    viewer = _zone(data.viewer_zone) or ZoneInfo("UTC")
    blocks = [
        *_today(data.today),
        _divider(),
        *_schedules(data, viewer),
        _divider(),
        *_book(data),
        _divider(),
        *_most_loved(data),
    ]
    return {"type": "home", "blocks": blocks}


# ----- the quote for today ------------------------------------------------------------------


def _today(quote: Quote | None) -> list[Block]:
    blocks = [_header("Your quote for today")]
    if quote is None:
        return [*blocks, _section("The collection is empty: `/quote add` adds the first quote.")]
    share = {
        "type": "conversations_select",
        "action_id": SHARE,
        "placeholder": {"type": "plain_text", "text": "Share to…"},
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    return [
        *blocks,
        *_quote_sections(quote, room=TODAY_ROOM, blocks=TODAY_BLOCKS),
        _context(_attribution(quote)),
        {
            "type": "actions",
            "block_id": f"{SHARE}:{quote.id}"[:BLOCK_ID_SIZE],
            "elements": [share],
        },
    ]


# ----- schedules ----------------------------------------------------------------------------


def _schedules(data: HomeData, viewer: ZoneInfo) -> list[Block]:
    blocks = [_header("Quote of the day schedules")]
    rows = data.schedules
    if not rows:
        hint = (
            "Add one to post a quote in a channel on the days you choose."
            if data.may_add_schedule
            else "`/quote daily` in a channel shows its schedules."
        )
        blocks.append(_context(f"No quote of the day in your channels yet. {hint}"))
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(data.schedule_page, 0), pages - 1)
    first = page * PAGE_SIZE
    shown = rows[first : first + PAGE_SIZE]
    if pages > 1:
        status = f"Showing {first + 1:,}–{first + len(shown):,} of {len(rows):,}"  # noqa: RUF001
        if page:  # Previous at the top, Next at the bottom: one action_id, two blocks
            previous = button("Previous", SCHEDULES_PAGE, str(page - 1))
            blocks.append({**_section(status), "accessory": previous})
        else:
            blocks.append(_context(status))
    channel = None
    for row in shown:
        if row.stored.subscription.channel != channel:
            channel = row.stored.subscription.channel
            blocks.append(_section(f"*{_name(row.channel_name, 'a channel')}*"))
        blocks.append(_section(_schedule_line(row, now=data.now, viewer=viewer)))
        if row.may_change:
            blocks.append({"type": "actions", "elements": _schedule_buttons(row.stored)})
    below = []
    if page < pages - 1:
        below.append(button("Next", SCHEDULES_PAGE, str(page + 1)))
    if data.may_add_schedule:
        below.append(button("Add a schedule", SCHEDULE_ADD, "add", style="primary"))
    if below:
        blocks.append({"type": "actions", "elements": below})
    return blocks


def _schedule_line(row: ScheduleRow, *, now: datetime, viewer: ZoneInfo) -> str:
    """`K7Q2M` *09:00* Europe/Berlin (03:00 your time) · mon-fri · on AI · next Tue 10 Mar."""
    stored = row.stored
    sub = stored.subscription
    parts = [
        f"`{escape(_clip(sub.id, ID_SIZE))}` *{escape(_clip(sub.time, TIME_SIZE))}* "
        f"{escape(_clip(sub.timezone, ZONE_SIZE))}{_your_time(sub, row.next_post, now, viewer)}",
        escape(_clip(sub.days, DAYS_SIZE)),
    ]
    if sub.topics:
        topics = [escape(_clip(topic, TOPIC_SIZE)) for topic in sub.topics[:TOPICS_SHOWN]]
        more = len(sub.topics) - TOPICS_SHOWN
        parts.append("on " + ", ".join(topics) + (f" and {more:,} more" if more > 0 else ""))
    if sub.max_length:
        parts.append(f"quotes up to {sub.max_length:,} characters")
    if not stored.enabled:
        parts.append("*paused*")
    elif row.next_post is not None:
        at = row.next_post
        parts.append(f"next {at:%a} {at.day} {at:%b}")
    if stored.origin == "config":
        parts.append("_from the settings file: can be paused, not removed_")
    return " · ".join(parts)


def _your_time(sub: Subscription, at: datetime | None, now: datetime, viewer: ZoneInfo) -> str:
    """The next post on the viewer's clock, " (03:00 your time)", when it reads otherwise."""
    zone = _zone(sub.timezone)
    if zone is None:
        return ""  # shown as written: there is no clock to compare with
    if at is None or at.tzinfo is None:  # paused: today's post time tells the difference
        try:
            hour, minute = (int(part) for part in parse_time(sub.time).split(":"))
        except ValueError:
            return ""
        at = datetime.combine(now.astimezone(zone).date(), time(hour, minute), tzinfo=zone)
    there, here = at.astimezone(zone), at.astimezone(viewer)
    if here.replace(tzinfo=None) == there.replace(tzinfo=None):
        return ""
    shift = DAY_SHIFTS.get((here.date() - there.date()).days, "")
    return f" ({here:%H:%M} your time{shift})"


def _schedule_buttons(stored: StoredSubscription) -> list[Block]:
    value = stored.id[:VALUE_SIZE]
    buttons = [button("Edit", SCHEDULE_EDIT, value)]
    if stored.enabled:
        buttons.append(button("Pause", SCHEDULE_PAUSE, value))
    else:
        buttons.append(button("Resume", SCHEDULE_RESUME, value))
    if stored.origin == "slack":  # the settings file's would come back at the next start
        remove = button("Remove", SCHEDULE_REMOVE, value, style="danger")
        remove["confirm"] = {
            "title": _plain("Remove this schedule?"),
            "text": _plain("It stops for good. Pause keeps it, to resume later."),
            "confirm": _plain("Remove"),
            "deny": _plain("Keep it"),
            "style": "danger",
        }
        buttons.append(remove)
    return buttons


# ----- the quote book -----------------------------------------------------------------------


def _book(data: HomeData) -> list[Block]:
    blocks = [_header("The quote book"), _section(_counts(data.book_counts))]
    if data.recent:
        lines = [f"• {_quote_line(quote)}" for quote in data.recent[:LISTED]]
        blocks.append(_section("*Recently added*\n" + "\n".join(lines)))
    if data.is_approver:
        blocks += _pending(data.pending, data.pending_seq)
    if data.is_approver and data.open_reports:
        count = data.open_reports
        blocks.append(_context(
            f"{count:,} report{'s' if count != 1 else ''} of a problem with a quote "
            f"wait{'s' if count == 1 else ''} for an approver: `/quote review` shows "
            "them, oldest first, with Apply and Dismiss."
        ))  # fmt: skip
    return blocks


def _counts(counts: Mapping[str, int]) -> str:
    """The book's size by origin, known origins first, empty ones left out: "4,008 quotes
    from files, 12 saved in Slack"."""
    order = [*ORIGINS, *sorted(set(counts) - set(ORIGINS))]
    found = [(origin, counts[origin]) for origin in order if counts.get(origin, 0) > 0]
    if not found:
        return "The book is empty: `/quote add` adds the first quote."
    parts = []
    for number, (origin, count) in enumerate(found[:ORIGINS_SHOWN]):
        where = ORIGINS.get(origin) or f"from {escape(_clip(origin, NAME_SIZE))}"
        noun = ("quote " if count == 1 else "quotes ") if not number else ""
        parts.append(f"*{count:,}* {noun}{where}")
    return ", ".join(parts)


def _pending(pending: Sequence[Quote], seqs: Mapping[str, int]) -> list[Block]:
    if not pending:
        return [_context("Nothing waits for review.")]
    blocks = [_section(f"*Waiting for review* ({len(pending):,})")]
    for quote in pending[:LISTED]:
        blocks.append(_section(_quote_line(quote, size=PENDING_SIZE)))
        seq = seqs.get(quote.id)
        if seq is not None:  # without its version, approving could decide another text
            value = f"{shorten(quote.id, ID_SIZE)}:{seq}"[:VALUE_SIZE]
            elements = [button("Approve", APPROVE, value, style="primary")]
            elements.append(button("Reject", REJECT, value))
            blocks.append({"type": "actions", "elements": elements})
    if len(pending) > LISTED:
        blocks.append(_context(f"…and {len(pending) - LISTED:,} more: `/quote review`"))
    return blocks


# ----- most loved ---------------------------------------------------------------------------


def _most_loved(data: HomeData) -> list[Block]:
    blocks = [_header("Most loved")]
    if not data.loved_month and not data.loved_all:
        return [*blocks, _context("No reactions yet: react to a quote the bot posts.")]
    lists = (("This month", data.loved_month), ("All time", data.loved_all))
    for title, loved in lists:
        lines = [f"• {_loved_line(item)}" for item in loved[:LISTED]]
        blocks.append(_section(f"*{title}*\n" + ("\n".join(lines) or "No reactions yet.")))
    return blocks


def _loved_line(item: Loved) -> str:
    people = "1 person" if item.people == 1 else f"{item.people:,} people"
    return f"❤ {people} · {_quote_line(item.quote)}"


# ----- pieces -------------------------------------------------------------------------------


def _quote_line(quote: Quote, *, size: int = LINE_SIZE) -> str:
    """“The start of its words…” — Speaker · #ID, on one line."""
    words = " ".join(plain_words(quote.text).split())
    # Its plain words read back as Markdown that shows them as typed: from_markdown
    # escapes them once and keeps a `*` of theirs from pairing with another and bolding.
    start = from_markdown(escape_markdown(shorten(words, size))) or "…"
    by = f" — {escape(_clip(quote.speaker, NAME_SIZE))}" if quote.speaker else ""
    return f"“{start}”{by} · #{escape(_clip(quote.id, ID_SIZE))}"


def _name(text: str, empty: str) -> str:
    return escape(_clip(text, NAME_SIZE)) if text.strip() else empty


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "", "../x", "Europe": no zone
        return None


def _divider() -> Block:
    return {"type": "divider"}  # a new one each time: a caller may change the view


def _header(text: str) -> Block:
    return {"type": "header", "text": _plain(text)}


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text}
