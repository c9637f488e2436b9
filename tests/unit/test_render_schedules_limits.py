"""Property tests: a channel's schedules fit one Slack message, whatever they hold.

Topics come from quote files and zones from users; a channel may hold ten schedules
from Slack and any number from the settings file. Every list must pass
`tests.limits.check_message` and keep every topic escaped.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.daily.schedule import Subscription
from bot.daily.schedules import StoredSubscription
from bot.ids import ALPHABET
from bot.render_schedules import schedule_list_message
from tests.limits import check_message
from tests.unit.test_render_limits import assert_escaped, small_texts

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
ZONES = ("UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Kathmandu")


@st.composite
def schedules(draw: st.DrawFn) -> StoredSubscription:
    sub = Subscription(
        channel="C1",
        time=f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}",
        timezone=draw(st.sampled_from(ZONES)),
        days=draw(st.sampled_from(("mon-fri", "mon-sun", "sat,sun", "mon,wed,fri"))),
        topics=tuple(
            draw(st.lists(small_texts() | st.text(min_size=1, max_size=5000), max_size=5))
        ),
        id="".join(draw(st.lists(st.sampled_from(ALPHABET), min_size=5, max_size=5))),
    )
    return StoredSubscription(
        sub, origin=draw(st.sampled_from(("config", "slack"))), enabled=draw(st.booleans()),
        disabled_reason=None, created_by="U1",
    )  # fmt: skip


@settings(max_examples=80, deadline=None, database=None)
@given(subs=st.lists(schedules(), max_size=60))
def test_any_channels_schedules_fit_one_message_and_stay_escaped(
    subs: list[StoredSubscription],
) -> None:
    message = schedule_list_message(subs, now=NOW)

    check_message(message)
    assert_escaped(message)
    shown = "\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")
    assert all(f"`{s.id}`" in shown for s in subs[:10]), "the first ten are always listed"
