"""The schedule form and its menus: within Slack's limits whatever they hold."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.daily.schedule import DAY_NAMES, Subscription, check_zone, parse_days, weekdays
from bot.daily.schedules import StoredSubscription
from bot.render_schedule_form import (
    EVERY_DAY,
    FORM,
    HOME,
    OPEN,
    TICKED,
    TOPICS,
    WEEKDAYS,
    ZONE,
    ScheduleFormState,
    days_from,
    loading_view,
    notice_view,
    read_metadata,
    schedule_form,
    topic_options,
    zone_options,
)
from bot.render_schedules import schedule_list_message
from tests.limits import check_message

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def test_a_new_schedules_form_has_every_field_within_limits() -> None:
    view = schedule_form(ScheduleFormState(zone="Europe/Berlin", channel="C1", all_topics=["AI"]))
    check_message(view, "modal")
    assert view["callback_id"] == FORM and view["submit"]["text"] == "Save"
    assert len(view["title"]["text"]) <= 24
    channel = block(view, "channel")["element"]
    assert channel["type"] == "conversations_select" and channel["initial_conversation"] == "C1"
    assert channel["filter"] == {"include": ["public", "private"], "exclude_bot_users": True}
    assert block(view, "time")["element"]["initial_time"] == "09:00"
    zone = block(view, "zone")["element"]
    assert zone["type"] == "external_select" and zone["action_id"] == ZONE
    assert zone["min_query_length"] == 1 and zone["initial_option"]["value"] == "Europe/Berlin"
    days = block(view, "days")["element"]
    assert [o["text"]["text"] for o in days["options"]][0::6] == ["Monday", "Sunday"]
    assert [o["value"] for o in days["initial_options"]] == ["mon", "tue", "wed", "thu", "fri"]
    assert block(view, "topics")["element"]["type"] == "multi_static_select"
    assert block(view, "max_length")["optional"] is True
    assert read_metadata(view["private_metadata"]) == {
        "id": "", "tz": "Europe/Berlin", "ch": "C1", "from": ""
    }  # fmt: skip


def test_an_unknown_channel_has_no_initial_conversation_and_no_topics_no_block() -> None:
    view = schedule_form(ScheduleFormState())
    check_message(view, "modal")
    assert "initial_conversation" not in block(view, "channel")["element"]
    assert all(b.get("block_id") != "topics" for b in view["blocks"])


def test_an_edit_is_prefilled_and_keeps_its_channel() -> None:
    state = ScheduleFormState(
        zone="Asia/Tokyo", channel="C9", time="07:30", days="sat,sun", topics=("AI",),
        max_length=280, schedule_id="K7Q2M", all_topics=["AI", "Robots"],
    )  # fmt: skip
    view = schedule_form(state)
    check_message(view, "modal")
    assert all(b.get("block_id") != "channel" for b in view["blocks"]), "the channel stays"
    assert block(view, "time")["element"]["initial_time"] == "07:30"
    assert [o["value"] for o in block(view, "days")["element"]["initial_options"]] == [
        "sat",
        "sun",
    ]
    assert [o["value"] for o in block(view, "topics")["element"]["initial_options"]] == ["AI"]
    assert block(view, "max_length")["element"]["initial_value"] == "280"
    assert json.loads(view["private_metadata"])["id"] == "K7Q2M"


def test_every_day_is_shown_as_none_ticked() -> None:
    view = schedule_form(ScheduleFormState(days="mon-sun"))
    assert "initial_options" not in block(view, "days")["element"]


def test_over_100_topics_become_an_external_select() -> None:
    view = schedule_form(ScheduleFormState(all_topics=[f"topic {n}" for n in range(150)]))
    check_message(view, "modal")
    element = block(view, "topics")["element"]
    assert element["type"] == "multi_external_select" and element["action_id"] == TOPICS


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=300), max_size=120), st.text(max_size=40))
def test_the_form_and_topic_menu_fit_whatever_the_topics(topics: list[str], query: str) -> None:
    view = schedule_form(ScheduleFormState(all_topics=topics, topics=tuple(topics[:3])))
    check_message(view, "modal")
    answer = topic_options(query, topics)
    assert len(answer["options"]) <= 100
    for option in answer["options"]:
        assert len(option["text"]["text"]) <= 75 and 0 < len(option["value"]) <= 150


def test_zone_options_find_berlin_first_and_fit() -> None:
    options = zone_options("berl", "UTC")["options"]
    assert options[0]["value"] == "Europe/Berlin"
    assert zone_options("new york", None)["options"][0]["value"] == "America/New_York"
    assert zone_options("UTC", None)["options"][0]["value"] == "UTC"
    every = zone_options("", "Asia/Tokyo")["options"]
    assert len(every) == 100
    for query in ("", "a", "america", "e"):
        for option in zone_options(query, "Europe/Berlin")["options"]:
            assert len(option["text"]["text"]) <= 75 and len(option["value"]) <= 150
            check_zone(option["value"])
    assert zone_options("nowhere-at-all", None) == {"options": []}


def test_the_viewers_zone_leads_among_equals() -> None:
    assert zone_options("europe/", "Europe/Vienna")["options"][0]["value"] == "Europe/Vienna"


def test_ticked_days_are_written_as_schedules_write_them() -> None:
    assert days_from(["mon", "tue", "wed", "thu", "fri"]) == "mon-fri"
    assert days_from([]) == "mon-sun"
    assert days_from(["sun", "sat"]) == "sat,sun"
    assert days_from(["mon", "wed"]) == "mon,wed"
    for days in (days_from(["mon", "tue", "wed"]), days_from(["fri", "mon"])):
        parse_days(days)


def test_loading_and_notice_views_fit() -> None:
    check_message(loading_view(), "modal")
    check_message(notice_view("x" * 5000), "modal")


def test_the_schedule_list_has_an_add_button_for_its_channel() -> None:
    sub = StoredSubscription(Subscription(channel="C1"), "slack", True, None, "U1")
    for subs in ([], [sub]):
        message = schedule_list_message(subs, now=NOW, channel="C1")
        check_message(message)
        [button] = message["blocks"][-1]["elements"]
        assert (button["action_id"], button["value"]) == (OPEN, "C1")
        assert button["text"]["text"] == "Add a schedule here"
    assert "actions" not in {b["type"] for b in schedule_list_message([], now=NOW)["blocks"]}


def test_the_days_have_weekdays_and_every_day_shortcuts_above_the_ticks_monday_first() -> None:
    view = schedule_form(ScheduleFormState(days="sat,sun"))
    check_message(view, "modal")
    ids = [b.get("block_id") for b in view["blocks"]]
    assert ids.index("repeat") + 1 == ids.index("days"), "the shortcuts sit just above the days"
    repeat = block(view, "repeat")
    assert repeat["label"]["text"] == "Repeat" and repeat["element"]["type"] == "radio_buttons"
    shown = [(o["value"], o["text"]["text"]) for o in repeat["element"]["options"]]
    assert shown == [
        (TICKED, "On the days ticked below"),
        (WEEKDAYS, "Weekdays (Monday to Friday)"),
        (EVERY_DAY, "Every day"),
    ]
    assert repeat["element"]["initial_option"]["value"] == TICKED, "ticks never lose silently"
    days = block(view, "days")
    assert [o["text"]["text"] for o in days["element"]["options"]] == [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
    ]  # fmt: skip
    assert [o["value"] for o in days["element"]["initial_options"]] == ["sat", "sun"]
    assert "On the days ticked below" in days["hint"]["text"]


def test_a_shortcut_wins_over_the_ticked_days() -> None:
    assert days_from(["mon", "wed"], WEEKDAYS) == "mon-fri"
    assert days_from(["sat"], EVERY_DAY) == "mon-sun"
    assert days_from([], WEEKDAYS) == "mon-fri"
    assert days_from(["mon", "wed"], TICKED) == "mon,wed"
    assert days_from(["mon", "wed"]) == "mon,wed", "a form from before the shortcuts"
    assert days_from([], TICKED) == "mon-sun"


@given(st.sets(st.sampled_from(DAY_NAMES)), st.sampled_from([TICKED, WEEKDAYS, EVERY_DAY, "?"]))
def test_any_ticks_with_any_repeat_are_days_a_schedule_takes(ticked: set, repeat: str) -> None:
    days = parse_days(days_from(sorted(ticked), repeat))
    expected = {WEEKDAYS: set(range(5)), EVERY_DAY: set(range(7))}.get(
        repeat, {DAY_NAMES.index(d) for d in ticked} or set(range(7))
    )
    assert weekdays(days) == expected
    view = schedule_form(ScheduleFormState(days=days))
    check_message(view, "modal")
    element = block(view, "days")["element"]
    assert all(o in element["options"] for o in element.get("initial_options", []))
    assert {DAY_NAMES.index(o["value"]) for o in element.get("initial_options", [])} == (
        expected if len(expected) < 7 else set()
    )


def test_the_form_says_in_its_metadata_when_it_came_from_the_home_tab() -> None:
    view = schedule_form(ScheduleFormState(schedule_id="K7Q2M", channel="C9", opened_from=HOME))
    assert read_metadata(view["private_metadata"])["from"] == HOME
    assert read_metadata(schedule_form(ScheduleFormState())["private_metadata"])["from"] == ""
    assert read_metadata("not json")["from"] == ""
