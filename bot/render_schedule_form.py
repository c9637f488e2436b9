"""The quote-of-the-day form: a modal to add or edit a schedule, and its select options.

Pure, like `bot.render_book`: from what the form should show to Block Kit, within
Slack's limits (24-character titles, 100 options, 75-character option texts,
150-character option values, 3,000 characters of private metadata). The ~400 IANA
zones are too many for a static select: the zone is an external select answered by
`zone_options`, and so are the topics when a collection has more than 100.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import available_timezones

from bot.daily.schedule import DAY_NAMES, MAX_LENGTHS, weekdays
from bot.mrkdwn import shorten

View = dict
Block = dict

FORM = "schedule_form"  # the callback_id of the form's submissions
OPEN = "schedule_form_open"  # the button that opens it; value: the channel ID
ZONE = "schedule_zone"  # action_id of the zone's external select
TOPICS = "schedule_topics"  # action_id of the topics' external select (over 100 topics)
VALUE = "value"  # the action_id of every other field
TICKED, WEEKDAYS, EVERY_DAY = "ticked", "weekdays", "every_day"  # the Repeat choices
REPEAT_DAYS = {WEEKDAYS: "mon-fri", EVERY_DAY: "mon-sun"}  # what a shortcut means
REPEAT_LABELS = {
    TICKED: "On the days ticked below",
    WEEKDAYS: "Weekdays (Monday to Friday)",
    EVERY_DAY: "Every day",
}
MAX_OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
DAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TITLE = "Quote of the day"
HOME = "home"  # `opened_from` for the Home tab's Add and Edit
METADATA_KEYS = ("id", "tz", "ch", "from")


@dataclass(frozen=True, slots=True)
class ScheduleFormState:
    """What the form starts from; `schedule_id` set when it edits that schedule.

    `zone` is the viewer's zone for a new schedule (users.info's `tz`), the schedule's
    own when editing. `days` as a schedule writes them (`mon-fri`).
    """

    zone: str = "UTC"
    channel: str | None = None
    time: str = "09:00"
    days: str = "mon-fri"
    topics: tuple[str, ...] = ()
    max_length: int | None = None
    schedule_id: str = ""
    all_topics: Sequence[str] = field(default=())  # the collection's, the largest first
    opened_from: str = ""  # HOME when opened from the Home tab: saving publishes it again

    def metadata(self) -> str:
        """The view's private_metadata: the schedule edited, the viewer's zone, the channel
        it was opened for and where it was opened from."""
        return json.dumps(
            {"id": self.schedule_id, "tz": self.zone, "ch": self.channel or "",
             "from": self.opened_from}
        )  # fmt: skip


def read_metadata(text: str) -> dict[str, str]:
    """The form's private_metadata as `{"id", "tz", "ch", "from"}` (empty strings when absent)."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    return {key: str(data.get(key) or "") for key in METADATA_KEYS}


def loading_view() -> View:
    """Opened at once (a trigger lasts 3 seconds); `views.update` fills it in."""
    return _modal([_section("Getting the form ready…")], submit=False)


def notice_view(text: str) -> View:
    """A modal that only says something (the bot's own, escaped mrkdwn)."""
    return _modal([_section(text)], submit=False, close="Close")


def schedule_form(state: ScheduleFormState) -> View:
    """The form to add a schedule (to `state.channel`, if known) or edit `state.schedule_id`."""
    blocks: list[Block] = []
    if state.schedule_id and state.channel:
        # An edit keeps the schedule's channel (its ID, walk and claims stay with it).
        blocks.append(_section(f"Schedule `{state.schedule_id}` in <#{state.channel}>"))
    else:
        element: Block = {
            "type": "conversations_select",
            "action_id": VALUE,
            "placeholder": _plain("Choose a channel"),
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        }
        if state.channel:
            element["initial_conversation"] = state.channel
        blocks.append(_input_block("channel", "Channel", element))
    blocks.append(
        _input_block(
            "time", "Time",
            {"type": "timepicker", "action_id": VALUE, "initial_time": state.time,
             "placeholder": _plain("Choose a time")},
        )
    )  # fmt: skip
    zone_element: Block = {
        "type": "external_select",
        "action_id": ZONE,
        "placeholder": _plain("Type a city or zone, e.g. Berlin"),
        "min_query_length": 1,
    }
    if state.zone:
        zone_element["initial_option"] = _option(state.zone)
    blocks.append(_input_block("zone", "Time zone", zone_element))
    blocks += _day_blocks(state.days)
    topics = _topic_block(state)
    if topics:
        blocks.append(topics)
    length: Block = {
        "type": "number_input",
        "action_id": VALUE,
        "is_decimal_allowed": False,
        "min_value": str(MAX_LENGTHS.start),
        "max_value": str(MAX_LENGTHS.stop - 1),
    }
    if state.max_length:
        length["initial_value"] = str(state.max_length)
    blocks.append(
        _input_block(
            "max_length", "Longest quote (characters)", length, optional=True,
            hint=f"Only quotes up to this length: {MAX_LENGTHS.start} to "
            f"{MAX_LENGTHS.stop - 1:,}. Empty for any length.",
        )
    )  # fmt: skip
    return _modal(blocks, submit=True, metadata=state.metadata())


def _day_blocks(days: str) -> list[Block]:
    """Repeat (a shortcut, or the ticked days) above the seven days, Monday first.

    Repeat starts at "the days ticked", with the schedule's days ticked: choosing a
    shortcut is one click, and what is ticked never silently loses to a preset.
    """
    repeat_options = [_option(value, label) for value, label in REPEAT_LABELS.items()]
    repeat: Block = {
        "type": "radio_buttons",
        "action_id": VALUE,
        "options": repeat_options,
        "initial_option": repeat_options[0],
    }
    chosen = weekdays(days)
    day_options = [_option(name, label) for name, label in zip(DAY_NAMES, DAY_LABELS, strict=True)]
    ticks: Block = {"type": "checkboxes", "action_id": VALUE, "options": day_options}
    if len(chosen) < 7:
        ticks["initial_options"] = [day_options[n] for n in sorted(chosen)]
    return [
        _input_block("repeat", "Repeat", repeat),
        _input_block("days", "Days", ticks, optional=True,
                     hint="Used with “On the days ticked below”; none ticked: every day."),
    ]  # fmt: skip


def days_from(selected: Iterable[str], repeat: str = TICKED) -> str:
    """The days a schedule writes (`mon-fri`, `mon,wed`) from the form's Repeat and ticks.

    A shortcut (`weekdays`, `every_day`) wins over whatever is ticked; with "the days
    ticked" (or an unknown value), the ticked days, none or all being every day (`mon-sun`).
    """
    if repeat in REPEAT_DAYS:
        return REPEAT_DAYS[repeat]
    picked = sorted({DAY_NAMES.index(d) for d in selected if d in DAY_NAMES})
    if not picked or len(picked) == 7:
        return "mon-sun"
    if len(picked) > 2 and picked == list(range(picked[0], picked[-1] + 1)):
        return f"{DAY_NAMES[picked[0]]}-{DAY_NAMES[picked[-1]]}"
    return ",".join(DAY_NAMES[n] for n in picked)


def zone_options(query: str, viewer_zone: str | None = None) -> dict[str, list[Block]]:
    """The zones matching what was typed (`berl`, `new york`), the best first, at most 100.

    Best: the zone itself, then zones whose city starts with the words, then whose name
    does, then any containing them; the viewer's own zone leads among equals.
    """
    words = query.strip().casefold().replace(" ", "_")
    zones = _all_zones()
    found = [zone for zone in zones if words in zone.casefold()] if words else zones

    def rank(zone: str) -> tuple[int, int, str]:
        folded = zone.casefold()
        city = folded.rsplit("/", 1)[-1]
        if folded == words:
            kind = 0
        elif city.startswith(words):
            kind = 1
        elif folded.startswith(words):
            kind = 2
        else:
            kind = 3
        return kind, 0 if zone == viewer_zone else 1, folded

    best = sorted(found, key=rank)[:MAX_OPTIONS]
    return {"options": [_option(zone) for zone in best]}


def topic_options(query: str, topics: Sequence[str]) -> dict[str, list[Block]]:
    """The collection's topics containing what was typed, those starting with it first."""
    words = query.strip().casefold()
    usable = [t for t in dict.fromkeys(topics) if t.strip() and len(t) <= OPTION_VALUE]
    found = [t for t in usable if words in t.casefold()]
    found.sort(key=lambda t: not t.casefold().startswith(words))  # stable: largest first
    return {"options": [_option(t) for t in found[:MAX_OPTIONS]]}


def _topic_block(state: ScheduleFormState) -> Block | None:
    usable = [t for t in dict.fromkeys(state.all_topics) if t.strip() and len(t) <= OPTION_VALUE]
    if not usable:
        return None
    chosen = [_option(t) for t in state.topics if len(t) <= OPTION_VALUE]
    if len(usable) <= MAX_OPTIONS:
        element: Block = {
            "type": "multi_static_select",
            "action_id": VALUE,
            "options": [_option(t) for t in usable],
        }
        chosen = [option for option in chosen if option["value"] in usable]
    else:
        element = {"type": "multi_external_select", "action_id": TOPICS, "min_query_length": 1}
    element["placeholder"] = _plain("Any topic")
    if chosen:
        element["initial_options"] = chosen
    return _input_block(
        "topics", "Topics", element, optional=True, hint="Leave empty for quotes on any topic."
    )


def _all_zones() -> list[str]:
    global _ZONES
    if _ZONES is None:
        # `posix/…` and `right/…` are copies of the same zones under other names.
        names = {z for z in available_timezones() if not z.startswith(("posix/", "right/"))}
        _ZONES = sorted(names | {"UTC"}, key=str.casefold)
    return _ZONES


_ZONES: list[str] | None = None


def _modal(blocks: list[Block], *, submit: bool, close: str = "Cancel", metadata: str = "") -> View:
    view: View = {
        "type": "modal",
        "callback_id": FORM,
        "title": _plain(TITLE),
        "close": _plain(close),
        "blocks": blocks,
        "private_metadata": metadata,
    }
    if submit:
        view["submit"] = _plain("Save")
    return view


def _input_block(
    block_id: str, label: str, element: Block, *, optional: bool = False, hint: str | None = None
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "element": element,
        "label": _plain(label),
    }
    if hint:
        block["hint"] = _plain(hint)
    return block


def _option(value: str, text: str | None = None) -> Block:
    return {"text": _plain(shorten(text or value, OPTION_TEXT)), "value": value[:OPTION_VALUE]}


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten(text, 3000)}}
