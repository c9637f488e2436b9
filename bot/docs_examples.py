"""The examples under docs/, as Slack's Block Kit Builder takes them, made by the code
that builds the real views from example data defined once here.

`./scripts/docs-examples` writes them; `python -m bot.docs_examples NAME` prints one
(`home-view`, `schedule-modal`). tests/unit/test_docs_examples.py fails when a file
in docs/ is not what the code builds today.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from bot.corpus import Quote
from bot.daily.schedule import Subscription, next_post
from bot.daily.schedules import StoredSubscription
from bot.loved import Loved
from bot.render_home import HomeData, ScheduleRow, home_view
from bot.render_schedule_form import HOME, ScheduleFormState, schedule_form


def example_home_data() -> HomeData:
    """An admin's Home: three schedules in two channels (one from the settings file, one
    paused), one quote waiting for review, two reports of a problem, and a most-loved
    list. `docs/home-view.json` is `home_view` of this; tests/unit/test_docs_examples.py
    holds the two together."""
    now = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # a Monday

    def quote(quote_id: str, text: str, speaker: str, *, slack: bool = False) -> Quote:
        file = "" if slack else "quotes/example.md"
        origin = "slack" if slack else "file"
        return Quote(quote_id, text, speaker, None, None, None, None, (), file, 1, origin=origin)

    def row(name: str, sub: Subscription, *, origin: str, on: bool) -> ScheduleRow:
        stored = StoredSubscription(sub, origin, on, None if on else "paused", None)
        return ScheduleRow(stored, name, next_post(sub, now=now) if on else None, True)

    kay = Quote(
        "7KQ2M", "The best way to predict the future is to **invent** it.", "Alan Kay",
        "Xerox PARC, 1971", "https://en.wikiquote.org/wiki/Alan_Kay", "Future", None, (),
        "quotes/future.md", 12,
    )  # fmt: skip
    hopper = quote("H0PR4", "A ship in port is safe, but that is not what ships are built for.",
                   "Grace Hopper")  # fmt: skip
    knuth = quote("KNU7H", "Premature optimization is the root of all evil.", "Donald Knuth")
    lovelace = quote("ADA1Z", "That brain of mine is something more than merely mortal.",
                     "Ada Lovelace", slack=True)  # fmt: skip
    pending = quote("P3ND1", "Make it work, make it right, make it fast.", "Kent Beck", slack=True)
    schedules = [
        row("#engineering",
            Subscription("C01ENG", "09:00", "Europe/Berlin", "mon-fri", id="CFG01"),
            origin="config", on=True),
        row("#engineering",
            Subscription("C01ENG", "16:00", "Europe/Berlin", "fri", ("Robotics",), id="K7Q2M"),
            origin="slack", on=False),
        row("#general",
            Subscription("C02GEN", "09:30", "America/New_York", "mon,wed,fri", id="G3N9A"),
            origin="slack", on=True),
    ]  # fmt: skip
    return HomeData(
        viewer_zone="America/New_York",
        now=now,
        today=kay,
        schedules=schedules,
        may_add_schedule=True,
        book_counts={"file": 4008, "slack": 12},
        recent=[lovelace, hopper, knuth],
        pending=[pending],
        pending_seq={pending.id: 1},
        is_approver=True,
        loved_month=[Loved(hopper, 7), Loved(kay, 3)],
        loved_all=[Loved(kay, 31), Loved(hopper, 18), Loved(knuth, 9), Loved(lovelace, 1)],
        open_reports=2,
    )


def example_state() -> ScheduleFormState:
    """The Edit of the Home example's `K7Q2M` (docs/home-view.json), with topics and a
    longest quote: `docs/schedule-modal.json` is `schedule_form` of this, and
    tests/unit/test_docs_examples.py holds the two together."""
    return ScheduleFormState(
        zone="Europe/Berlin", channel="C01ENG", time="16:00", days="fri",
        topics=("Robotics", "Future"), max_length=280, schedule_id="K7Q2M",
        all_topics=("Future", "Robotics", "Science", "Leadership", "Humour"), opened_from=HOME,
    )  # fmt: skip


def home_json() -> str:
    """`docs/home-view.json`: an admin's Home tab."""
    return _json(home_view(example_home_data()))


def schedule_modal_json() -> str:
    """`docs/schedule-modal.json`: the schedule form editing a schedule (a modal)."""
    return _json(schedule_form(example_state()))


EXAMPLES: dict[str, Callable[[], str]] = {
    "home-view": home_json,
    "schedule-modal": schedule_modal_json,
}


def _json(view: object) -> str:
    return json.dumps(view, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # python -m bot.docs_examples home-view > docs/home-view.json
    if len(sys.argv) != 2 or sys.argv[1] not in EXAMPLES:
        sys.exit(f"usage: python -m bot.docs_examples {{{','.join(EXAMPLES)}}}")
    sys.stdout.write(EXAMPLES[sys.argv[1]]())
